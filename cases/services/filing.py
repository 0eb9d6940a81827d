"""Filing a dossier, whatever the channel (the desk's pages, a partner over the API, next the
citizen): check it, route each procedure to its office, time everything, and write the bundle,
its steps, their events, its scans and the outbox messages in one transaction. What differs
between kinds is asked of the dossier's kind (cases.kinds)."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies import access
from agencies.choices import UserRole
from agencies.models import AdministrativeUnit, Office, User
from agencies.selectors import offices_for_roles, unit_get_on
from cases import kinds, offline, rules
from cases.choices import Action, BundleState, Channel, Source, StepState
from cases.identity import bundle_id_numbers, bundle_search_text
from cases.models import LIVE, Bundle, BundleVariant, CommuneTally, Event, IdempotencyRecord, Procedure, Step
from cases.services.appointment import planned
from cases.services.audit import event_row, publish_many
from cases.services.desk import Document, attach, documents_checked
from cases.validation import bundle_problems, late_registration, value_at
from portal.errors import Conflict, Forbidden, Invalid, NotFound


class FilingSource(Protocol):
    """What a dossier may cite when it is filed, from outside the engine (health: a hospital's
    notice, `health_notice`): what is wrong with what it cites, and citing it in the filing's
    transaction. Registered by its app when Django starts (FILING_SOURCES)."""

    def problems(self, user: User, data: dict[str, Any]) -> dict[str, list[str]]: ...

    def cite(self, *, user: User, bundle: Bundle, data: dict[str, Any]) -> None: ...

    def desk_prefill(self, *, user: User, kind: str, query: Any) -> tuple[dict[str, Any] | None, str]:
        """From the desk's intake query (`?certificate=`): the sections it fills, or why not ("")."""
        ...

    def cited(self, data: Mapping[str, Any], user: User) -> Any:
        """What a dossier being entered cites, as its pages show it, if `user` may see it."""
        ...


FILING_SOURCES: list[FilingSource] = []


def _fingerprint(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _duplicate_key(data: dict[str, Any]) -> str:
    """ "<kind>:<value>" of the value only one live dossier may hold, the value in its one form
    (unique_form); "" when the dossier has none."""
    kind = kinds.get(data["kind"])
    value = unique_form(value_at(data, kind.duplicate) or "")
    key = f"{kind.code}:{value}" if value else ""
    if len(key) > Bundle._meta.get_field("duplicate_key").max_length:  # NFKC can lengthen: "ß" is "ss"
        raise Invalid({kind.duplicate: [_("This value is too long.")]})
    return key


def unique_form(value: str) -> str:
    """A value that must be unique, in the one form its look-alikes share: Unicode's compatibility
    form (NFKC: full-width letters and digits as plain ones), no spaces or invisible characters,
    every dash a hyphen, case folded. "gcs－２０２６ - 1" and "GCS-2026-1" are one number."""
    kept = []
    for char in unicodedata.normalize("NFKC", value):
        kind = unicodedata.category(char)
        if char.isspace() or kind == "Cf":
            continue
        kept.append("-" if kind == "Pd" else char)
    return "".join(kept).casefold()


def _duplicate_error(data: dict[str, Any]) -> Invalid | None:
    if national := data.get("national_code"):
        filed = Bundle.objects.filter(national_code=national).values_list("code", flat=True).first()
        if filed is not None:
            message = _("The national portal's dossier %(national)s is already dossier %(code)s.")
            return Invalid({"national_code": [message % {"national": national, "code": filed}]})
    key = _duplicate_key(data)
    existing = Bundle.objects.filter(LIVE, duplicate_key=key).first() if key else None
    if existing is None:
        return None
    message = _("Already in dossier %(code)s, which is not refused.") % {"code": existing.code}
    return Invalid({kinds.get(data["kind"]).duplicate: [message]})


def _commune_for_filing(user: User, code: str, on: datetime.date) -> AdministrativeUnit:
    try:
        commune = unit_get_on(code=code, on=on)
    except NotFound as missing:
        raise Invalid({"commune": missing.messages}) from None
    if user.role == UserRole.CLERK and commune.pk != user.commune_id:
        raise Forbidden(_("A one-stop desk files dossiers for its own commune only."))
    access.require(user, access.FILE)
    return commune


def bundle_file(
    *,
    user: User,
    data: dict[str, Any],
    idempotency_key: str = "",
    documents: Sequence[Document] = (),
    assurance: str = "",
) -> tuple[Bundle, bool]:
    """File a dossier with its scans: check it, route each asked-for procedure to the office that
    plays its role for the commune on the day of receipt, open the first step and time everything.
    Returns the bundle and whether it is new (False when the same Idempotency-Key and body were
    seen before). A refused scan files nothing. A citizen files with `assurance`, the level of
    their e-ID sign-in (citizens.signin).

    Requests that repeat one Idempotency-Key at the same time queue behind the first (a lock on the
    client and key for the transaction: PostgreSQL's advisory lock; SQLite's transactions already
    take the write lock when they begin) and then answer like it, never "already in dossier"."""
    try:
        with transaction.atomic():
            if idempotency_key and connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                        [f"idempotency:{user.pk}:{idempotency_key}"],
                    )
            return _bundle_file(
                user=user, data=data, idempotency_key=idempotency_key, documents=documents, assurance=assurance
            )
    except IntegrityError:
        # A live dossier already holds its key (the check is the unique constraint's, not a read
        # before every filing), or two filings raced: say which dossier; or the same Idempotency-Key
        # was filed meanwhile: answer like it.
        if duplicate := _duplicate_error(data):
            raise duplicate from None
        if idempotency_key:
            return bundle_file(
                user=user, data=data, idempotency_key=idempotency_key, documents=documents, assurance=assurance
            )
        raise


def _bundle_file(
    *, user: User, data: dict[str, Any], idempotency_key: str, documents: Sequence[Document], assurance: str
) -> tuple[Bundle, bool]:
    fingerprint = _fingerprint(data)
    if idempotency_key:
        record = IdempotencyRecord.objects.filter(client=user, key=idempotency_key).select_related("bundle").first()
        if record is not None:
            if record.fingerprint != fingerprint:
                raise Conflict(_("This Idempotency-Key was already used with a different request."))
            return record.bundle, False

    plan = bundle_preview(user=user, data=data, assurance=assurance, duplicates=False)
    content_types = documents_checked(documents)
    stored = {
        key: value
        for key, value in data.items()
        if key not in ("received_at", "captured_at", "commune", "kind", "procedures", "health_notice", *NATIONAL_FIELDS)
    }
    bundle = _bundle_create(user, data, stored, plan)
    for document, content_type in zip(documents, content_types, strict=True):
        attach(bundle, user, label=document.label, file=document.file, content_type=content_type)
    if idempotency_key:
        IdempotencyRecord.objects.create(client=user, key=idempotency_key, fingerprint=fingerprint, bundle=bundle)
    return bundle, True


def _bundle_create(user: User, data: dict[str, Any], stored: dict[str, Any], plan: FilingPlan) -> Bundle:
    bundle = Bundle.objects.create(
        kind=plan.kind.code,
        variant=plan.variant,
        channel=data["channel"],
        source=SOURCES[user.role],
        commune=plan.commune,
        received_at=plan.received_at,
        clock_starts_on=plan.clock,
        due_date=plan.due_date,
        needs_verification=bool(data.get("needs_verification")),
        category=plan.category,
        data=json.loads(json.dumps(stored, default=str)),
        applicant_id_last4=data["applicant"]["id_number"][-4:],
        applicant_id_number=data["applicant"]["id_number"],
        duplicate_key=_duplicate_key(data),
        late_registration=plan.late_registration,
        filed_by=user,
        **{name: data.get(name, "") for name in NATIONAL_FIELDS},
    )
    CommuneTally.count_one(plan.commune.pk)  # the desk's "in all", in this same transaction
    year = timezone.localdate(plan.received_at).year
    bundle.code = f"{plan.kind.code_prefix}-{commune_province_code(plan.commune)}-{year}-{bundle.pk:06d}"
    bundle.search_text = bundle_search_text(bundle.code, data)
    bundle.id_numbers = bundle_id_numbers(stored, plan.kind.code)
    Bundle.objects.filter(pk=bundle.pk).update(
        code=bundle.code, search_text=bundle.search_text, id_numbers=bundle.id_numbers
    )
    steps = Step.objects.bulk_create(
        [
            Step(
                bundle=bundle,
                procedure=procedure,
                agency_role=role,
                office=office,
                state=StepState.WAITING if due is None else StepState.READY,
                clock_starts_on=None if due is None else plan.clock,
                due_date=due,
            )
            for procedure, role, office, due in plan.steps
        ]
    )
    # The response shows the bundle with its steps: these are they, in the order a read gives, held
    # as a prefetch would hold them (a queryset with its rows), so nobody reads them back.
    written = bundle.steps.all()
    written._result_cache, written._prefetch_done = steps, True
    bundle._prefetched_objects_cache = {"steps": written}
    opened = [step for step in steps if step.state == StepState.READY]
    Event.objects.bulk_create(
        [event_row(bundle, Action.FILED, actor=user, to_state=BundleState.IN_PROGRESS, data=offline.filed_data(data))]
        + [event_row(bundle, Action.UNLOCKED, actor=user, step=s, to_state=StepState.READY) for s in opened]
    )
    # Received first, then handed to the offices: the national portal hears them in this order.
    publish_many([("bundle.filed", {"bundle": bundle.pk})] + [("step.ready", {"step": step.pk}) for step in opened])
    for source in FILING_SOURCES:
        source.cite(user=user, bundle=bundle, data=data)
    return bundle


@dataclasses.dataclass(frozen=True)
class FilingPlan:
    """What filing a dossier would do: where each step goes and when everything is due."""

    kind: kinds.Kind
    variant: BundleVariant
    commune: AdministrativeUnit
    received_at: datetime.datetime
    clock: datetime.date
    due_date: datetime.date
    category: str  # the kind's category that picks the office of a procedure without a role of its own
    facts: list[tuple[Any, Any]]  # (label, value) the review page shows beyond the routing (the kind's)
    late_registration: bool
    # (procedure, agency role, office, due date of a step that opens at once, else None)
    steps: list[tuple[Procedure, str, Office, datetime.date | None]]


NATIONAL_FIELDS = ("national_code", "national_procedure_code")  # Bundle's own columns, not its data
DESK_CHANNELS = (Channel.DIRECT, Channel.POSTAL)  # what a clerk may file; integration clients send any
SOURCES: dict[str, str] = {
    UserRole.CLERK: Source.DESK,
    UserRole.CITIZEN: Source.CITIZEN,
    UserRole.INTEGRATION: Source.PARTNER,
}


def _citizen_problems(user: User, data: dict[str, Any], assurance: str) -> dict[str, list[str]]:
    """A citizen files online, for themselves, after an e-ID sign-in at a level that may file."""
    if str(assurance) not in settings.OIDC_ACR_FILING:
        raise Forbidden(_("Your e-ID sign-in lets you track your dossiers but not file one: sign in again at level 2."))
    problems: dict[str, list[str]] = {}
    if data.get("channel") != Channel.ONLINE:
        problems["channel"] = [_("A dossier filed in the citizen area is an online dossier.")]
    if data["applicant"]["id_number"] != user.personal_id:
        problems["applicant.id_number"] = [_("You file as the applicant: this must be your own ID number.")]
    return problems


def bundle_preview(*, user: User, data: dict[str, Any], assurance: str = "", duplicates: bool = True) -> FilingPlan:
    """Check a dossier as filing would, and say where each step would go, without writing
    anything: the clerk's review page shows this before the dossier is filed. Filing itself
    leaves the check for a dossier that already holds its key (`duplicates`) to the database's
    unique constraints, which decide anyway when two filings race."""
    now = timezone.now()
    received_at = data.get("received_at")
    if received_at is not None and user.role != UserRole.INTEGRATION:
        raise Invalid({"received_at": [_("Only an integration client may give the time of receipt.")]})
    if user.role != UserRole.INTEGRATION and (given := [name for name in NATIONAL_FIELDS if data.get(name)]):
        raise Invalid({name: [_("Only the national portal's connection gives its codes.")] for name in given})
    if received_at is not None and received_at > now:
        raise Invalid({"received_at": [_("The time of receipt cannot be in the future.")]})
    captured_at = offline.received_at(user, data, now=now)  # checked whoever sends it: a desk's only
    received_at = received_at or captured_at or now
    received_on = timezone.localdate(received_at)
    commune = _commune_for_filing(user, data["commune"], received_on)

    kind = kinds.get(data["kind"])
    routing = rules.variant_for(kind.code, data["procedures"])
    problems = bundle_problems(data, on=received_on)
    if user.role == UserRole.CITIZEN:
        problems.update(_citizen_problems(user, data, assurance))
    for source in FILING_SOURCES:
        problems.update(source.problems(user, data))
    if user.role == UserRole.CLERK and data.get("channel") not in DESK_CHANNELS:
        # The channel is how the dossier arrived, and the online rate the province is judged on
        # counts it: a desk receives at the counter or by post; "online" comes from the portal.
        problems.setdefault("channel", []).append(
            _("A one-stop desk files dossiers received at the desk or by post; online dossiers come from the portal.")
        )
    if routing is None:
        problems.setdefault("procedures", []).append(
            _("This combination of procedures is not a bundle the portal offers.")
        )
    if problems:
        raise Invalid(problems)
    assert routing is not None
    variant, procedures = routing
    if duplicates and (duplicate := _duplicate_error(data)):
        raise duplicate

    category = kind.category(data)
    roles = {p.code: p.agency_role or kind.category_role(category) for p in procedures}
    try:
        by_role = offices_for_roles(roles=set(roles.values()), commune=commune, on=received_on)
    except NotFound as missing:
        raise Invalid({"commune": missing.messages}) from None

    calendar = rules.calendar()
    clock = calendar.clock_start(received_at)
    plan, due_date = planned(
        procedures,
        kind=kind.code,
        needs_verification=bool(data.get("needs_verification")),
        category=category,
        clock=clock,
        received_on=received_on,
    )
    return FilingPlan(
        kind=kind,
        variant=variant,
        commune=commune,
        received_at=received_at,
        clock=clock,
        due_date=due_date,
        category=category,
        facts=kind.filing_facts(data),
        late_registration=late_registration(data, on=received_on),
        steps=[
            (p, roles[p.code], by_role[roles[p.code]], None if p.requires.all() else plan[p.code]) for p in procedures
        ],
    )


def commune_province_code(commune: AdministrativeUnit) -> str:
    parent = commune.parent
    while parent is not None and parent.parent_id is not None:
        parent = parent.parent
    return parent.code if parent else commune.code
