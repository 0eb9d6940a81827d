"""The public guides (issue 30 §2): for each kind of bundle and each of its variants (and, where a
category picks a procedure's office, each category), who may file, the documents to bring, the
fees, the time limits in working days, where to file and the online path. Everything comes from
the data the engine runs on: the kind (cases/kinds/: its checklist of documents, its words, its
categories' questions, law and amounts), the variant's procedures and the `Setting` rows that
time the dossiers (cases/rules.py), so a changed row changes the guide the next minute.

Nothing here names a kind; the pages are cases/views/guides.py, the templates templates/guides/."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from django.db.models import Prefetch

from cases import kinds, rules
from cases.forms import document_name
from cases.models import BundleVariant, Procedure
from portal.errors import NotFound

FEE = "fee.{}"  # a procedure's fee in đồng (docs/domain.md §1: a fee table per procedure, default 0)


@dataclasses.dataclass(frozen=True)
class Category:
    """One category of the kind as the intake asks it: the question, the law, today's amount and
    the time limit of the procedure whose office it picks."""

    code: str
    label: Any
    question: Any
    law: Any
    amount: int | None
    limit: int


@dataclasses.dataclass(frozen=True)
class GuideStep:
    """One procedure of the variant: its limit in working days (None where the category decides
    it and no category is chosen: see the categories) and its fee in đồng."""

    procedure: Procedure
    limit: int | None
    fee: int


@dataclasses.dataclass(frozen=True)
class Guide:
    kind: kinds.Kind
    variant: BundleVariant
    on: datetime.date
    steps: list[GuideStep]
    documents: list[tuple[str, str]]  # (the checklist's official name, its name in the page's language)
    bundle_limit: int | None  # working days for the whole bundle where the law sets one
    bundle_limit_verification: int | None  # the same when the dossier needs verification
    supplement_wait: int  # working days to bring what an office asks for
    cutoff: datetime.time  # a dossier received later counts from the next working day (the calendar's)
    late_after_days: int | None  # calendar days after the event before a registration is late
    sections: list[Any]  # the legends of the dossier's parts the online form asks for
    categories: list[Category]  # every category where one picks an office, else none
    category: Category | None  # the category of this guide, if it is one category's

    @property
    def listed_categories(self) -> list[Category]:
        """The categories the guide explains: its own, or every one."""
        return [self.category] if self.category else self.categories


def variants() -> list[tuple[kinds.Kind, list[BundleVariant]]]:
    """Every registered kind with its variants (for the guides' index): two queries."""
    table: dict[str, list[BundleVariant]] = {}
    for variant in BundleVariant.objects.order_by("kind", "pk"):
        table.setdefault(variant.kind, []).append(variant)
    return [(kind, table.get(kind.code, [])) for kind in sorted(kinds.registered(), key=lambda kind: kind.code)]


def guide_get(*, kind: str, variant: int, category: str = "", on: datetime.date) -> Guide:
    """The guide of a variant of `kind` (of one of its categories when `category` is given) as the
    rows in force on `on` make it; NotFound for a kind, variant or category the portal does not offer."""
    spec = kinds.find(kind)
    ordered = Procedure.objects.order_by("position")
    found = (
        BundleVariant.objects.filter(kind=kind, pk=variant)
        .prefetch_related(Prefetch("procedures", queryset=ordered))
        .first()
    )
    if spec is None or found is None:
        raise NotFound(kind)
    procedures = list(found.procedures.all())
    role_less = [procedure.code for procedure in procedures if not procedure.agency_role]
    offered = dict(spec.categories) if role_less else {}
    if category and category not in offered:
        raise NotFound(category)
    categories = [
        Category(
            code=code,
            label=label,
            question=spec.category_question(code),
            law=spec.category_laws.get(code, ""),
            amount=spec.category_amount(code, on),
            limit=max(rules.step_limit(procedure, code, on) for procedure in role_less),
        )
        for code, label in offered.items()
    ]
    chosen = next((shown for shown in categories if shown.code == category), None)
    steps = [
        GuideStep(
            procedure=procedure,
            limit=None
            if procedure.code in role_less and not category
            else rules.step_limit(procedure.code, category, on),
            fee=rules.setting_or(FEE.format(procedure.code), on, 0),
        )
        for procedure in procedures
    ]
    codes = {procedure.code for procedure in procedures}
    documents = [
        (name, document_name(name))
        for name in spec.documents
        if name != spec.document_other
        and (name not in spec.document_procedures or spec.document_procedures[name] in codes)
    ]
    asked = {section for procedure in procedures for section in procedure.data_sections}
    bundle_limit = rules.bundle_limit(kind, False, on)
    return Guide(
        kind=spec,
        variant=found,
        on=on,
        steps=steps,
        documents=documents,
        bundle_limit=bundle_limit,
        bundle_limit_verification=rules.bundle_limit(kind, True, on) if bundle_limit is not None else None,
        supplement_wait=rules.setting(rules.SUPPLEMENT_WAIT, on),
        cutoff=rules.calendar().cutoff,
        late_after_days=rules.late_after_days(kind, on) if spec.event_date else None,
        sections=[legend for path, (legend, _serializer) in spec.sections.items() if path in asked],
        categories=[] if chosen else categories,
        category=chosen,
    )
