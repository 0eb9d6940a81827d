"""Kinds of bundle as modules: everything that differs between a birth dossier and a death dossier
lives in one class per kind (cases/kinds/birth.py, cases/kinds/death.py), registered here. The
engine (services, validation, forms, pages, the API, documents and reports) asks the registered
kind and never names one; what a kind's steps are, who handles them and how long they may take
are reference rows (Procedure, BundleVariant, Setting), so a new step is rows and a new kind is
one module plus rows.

A kind module subclasses `Kind`, sets its attributes, overrides the hooks it needs and calls
`register(TheKind())`; the app loads the shipped ones in `CasesConfig.ready()`.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django import forms
    from django.utils.safestring import SafeString
    from rest_framework import serializers

    from cases.models import Step

Problems = dict[str, list[str]]


@dataclasses.dataclass(frozen=True)
class Rows:
    """A kind's reference rows as the portal ships them (cases.reference seeds the missing ones;
    then they are the admin's): its procedures, in order, as (code, name, English name, agency role
    ("" where the dossier's category picks it), procedures it must follow, result fields as
    (name, type), dossier sections its officer sees); its variants as (name, English name,
    procedures); its settings as (key, value, valid from, valid to, source)."""

    procedures: list[tuple[str, str, str, str, list[str], list[tuple[str, str]], list[str]]]
    variants: list[tuple[str, str, list[str]]]
    settings: list[tuple[str, int, datetime.date, datetime.date | None, str]]


class Kind:
    """What the engine asks of a kind of bundle. Class attributes are the kind's data; methods are
    the hooks where its rules differ from the plain engine's (each returns "nothing special" here)."""

    code: str  # stored in Bundle.kind, BundleVariant.kind and Procedure.bundle_kind (at most 10 characters)
    label: Any  # "Birth", translated
    new_title: Any  # the heading of the desk's intake page: "New birth dossier"
    online_title: Any = ""  # the heading of the citizen's: "Register a birth online" (else new_title)
    code_prefix: str  # the readable prefix of a dossier's code: KS-40-2026-000123
    # The dossier's sections after the applicant's, in the pages' order: path → (legend, input
    # serializer). A dotted path ("residence.household_head") is a part nested in its parent's
    # serializer; a top-level path is a field of the filing API.
    sections: dict[str, tuple[Any, type[serializers.Serializer]]] = {}
    subject: str  # the section of the person the dossier is about (named on lists and pages)
    duplicate: str  # path of the value of which only one live dossier may exist ("child.birth_certificate_number")
    # Path of the date the late-registration rule counts from (its allowance is the setting
    # `registration.<code>.late_after_days`); None: the kind has no such rule.
    event_date: str | None = None
    # Setting key of the whole bundle's time limit in working days, where the law sets one (the
    # key + ".verification" when the dossier needs verification); None: the steps' limits decide.
    bundle_limit: str | None = None
    # Whose names and whose ID numbers the desk's search finds the dossier by, besides the applicant's.
    people: tuple[str, ...] = ()
    id_number_paths: tuple[str, ...] = ()
    # The scanned documents a desk usually receives (official names), with English names for pages in English.
    documents: tuple[str, ...] = ()
    document_names_en: dict[str, str] = {}
    # The documents of the checklist brought only when the dossier asks for one procedure (name →
    # procedure code); a name absent here is brought with every dossier of the kind, and
    # `document_other`, the checklist's catch-all, is never asked for in advance. The guides
    # (cases/guides.py) list a variant's documents to bring from these, by the checklist's names.
    document_procedures: dict[str, str] = {}
    document_other: str = "Giấy tờ khác"
    # The guides' words for the kind: who may file, where (whose commune's one-stop desk), and the
    # law each category comes from (category value → text).
    guide_applicants: Any = ""
    guide_where: Any = ""
    category_laws: dict[str, Any] = {}
    category_note: Any = ""  # how the answers lead to one category ("" : nothing to add)
    # Labels of the kind's fields on the pages (the common ones are in cases.forms.LABELS).
    labels: dict[str, Any] = {}
    choice_labels: dict[str, dict[str, Any]] = {}
    result_labels: dict[str, Any] = {}

    rows: Rows = Rows([], [], [])  # the kind's reference rows (a kind in tests makes its own)

    # A hospital's electronic notice a dossier of this kind may be filed from ("": none): the desk's
    # label for its number, the citizen's offer to file from it (with %(day)s, %(place)s and
    # %(name)s, the person it names) and the offer's button, and the applicant's relationship to
    # that person when the notice names the citizen (e.g. the mother).
    notice_label: Any = ""
    notice_offer: Any = ""
    notice_action: Any = ""
    notice_relationship: Any = ""

    # The kind's categories, where one picks the office and limit of a procedure without an agency
    # role of its own: (value, label) choices, the field of the filing API and of its answers that
    # carries it (every dossier's answer has the field, "" for a dossier of another kind), and that
    # field's title in the API's schema.
    categories: list[tuple[str, Any]] = []
    category_field: str = ""
    category_title: Any = ""

    # The kind's own part of the desk's intake page, if it has one (the death bundle's funeral
    # questions): its template (included in the form; re-rendered by HTMX on each change, at
    # /clerk/<intake_path>/, URL name "cases:intake-part-<code>"), its legend, and the payload
    # field whose refusals it shows.
    intake_template: str | None = None
    intake_path: str = ""
    intake_legend: Any = ""
    intake_field: str = ""

    def intake_form(self, data: Any) -> forms.Form | None:
        """The form of the kind's part of the intake page, bound to `data` (None: no part)."""
        return None

    def intake_payload(self, form: forms.Form, payload: dict[str, Any], procedures: list[str]) -> None:
        """Add to the payload what the kind's part of the page decides."""

    def intake_post(self, payload: dict[str, Any]) -> dict[str, str]:
        """The form data of the kind's part that shows `payload` again (back from the review page)."""
        return {}

    def intake_refusals(self, intake: Any, problems: Problems) -> Problems:
        """The dossier's problems (flat, by path) as the kind's part of the page asks its questions:
        its own field's refusal said in the terms of that part (default: as they are)."""
        return problems

    def intake_context(self, intake: Any, commune: str) -> dict[str, Any] | None:
        """What the kind's part shows about the answers given so far (its template's `part`), for a
        dossier of `commune` (its code)."""
        return None

    def api_fields(self) -> dict[str, serializers.Field]:
        """Top-level fields of the filing API that are neither sections nor the category."""
        return {}

    def problems(self, problems: Problems, data: dict[str, Any], procedures: set[str], on: datetime.date) -> None:
        """Add every rule of the kind the dossier breaks (`on` is the day it is received)."""

    def category(self, data: dict[str, Any]) -> str:
        """The dossier's category (kept in Bundle.category) where one picks the office and limit of
        a procedure that has no agency role of its own (Procedure.agency_role empty); "" when none
        applies."""
        return str(data.get(self.category_field) or "") if self.category_field else ""

    def category_label(self, category: str) -> Any:
        """How pages name one of the kind's categories."""
        return dict(self.categories).get(category, category)

    def category_question(self, category: str) -> Any:
        """The question the intake asks that leads to the category ("" where it asks none)."""
        return ""

    def category_amount(self, category: str, on: datetime.date) -> int | None:
        """The amount in VND a category gives for an event on `on` (None: the category pays none)."""
        return None

    def category_role(self, category: str) -> str:
        """The agency role that handles a role-less procedure for this category."""
        raise NotImplementedError(f"{self.code} has no procedure without an agency role")

    def filing_facts(self, data: dict[str, Any]) -> list[tuple[Any, Any]]:
        """(label, value) facts the desk's review page and the dossier's page show beyond the
        routing (e.g. the allowance's category and amount); `data` is the dossier's data."""
        return []

    def result_problems(self, step: Step, result: dict[str, Any]) -> Problems:
        """The kind's own checks of a step's result, after the result fields' types are checked."""
        return {}

    def result_kept(self, step: Step, kept: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
        """Adjust the result kept for a step (in place) and return what the audit event records
        beside it (empty: nothing)."""
        return {}

    def result_initial(self, step: Step) -> dict[str, Any]:
        """Values the officer's result form starts with (e.g. the amount the rate table gives)."""
        return {}

    def step_facts(self, step: Step) -> list[tuple[Any, Any]]:
        """Extra (label, value) facts shown on an officer's step page."""
        return []

    def receipt_facts(self, bundle: Any, steps: list[Step]) -> list[SafeString]:
        """Extra lines the receipt prints (HTML made with format_html; in Vietnamese: it is an
        official paper)."""
        return []


_REGISTRY: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Make a kind known to the engine (a kind module calls this when it is imported)."""
    if len(kind.code) > 10:
        raise ValueError(f"A kind's code has at most 10 characters: {kind.code!r}")
    _REGISTRY[kind.code] = kind
    return kind


def unregister(code: str) -> None:
    _REGISTRY.pop(code, None)


def get(code: str) -> Kind:
    """The registered kind `code`; KeyError for an unknown one."""
    return _REGISTRY[code]


def find(code: str) -> Kind | None:
    return _REGISTRY.get(code)


def registered() -> Iterator[Kind]:
    return iter(list(_REGISTRY.values()))


def lookup(table: str, name: str, default: Any = None) -> Any:
    """`name` in the kinds' table `table` ("labels", "result_labels", "document_names_en", ...):
    the first registered kind that has it, else `default`."""
    return next((getattr(kind, table)[name] for kind in _REGISTRY.values() if name in getattr(kind, table)), default)


def choices() -> list[tuple[str, Any]]:
    """(code, label) of every registered kind: the choices of the kind fields, filters and API."""
    return [(kind.code, kind.label) for kind in _REGISTRY.values()]


def codes() -> list[str]:
    return list(_REGISTRY)


def category_fields(kind: str, category: str) -> dict[str, str]:
    """The category fields of a dossier's API answer (each kind's `category_field`): its own kind's
    with its category, every other kind's "" (as every answer has always carried them)."""
    return {k.category_field: category if k.code == kind else "" for k in _REGISTRY.values() if k.category_field}
