"""Writes of the case engine: filing a bundle, the officers' actions on steps, supplements,
withdrawal, the timed jobs (supplement timeout, lateness) and delivering the outbox.

Every service owns its transaction, locks the bundle row before its steps (in pk order), calls the
state machine's transition, saves, and writes an audit event and any outbox message in the same
transaction; the outbox is published to the workers once the transaction commits.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
from collections.abc import Iterable
from typing import Any

import django_fsm as fsm
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.choices import UserRole
from agencies.models import AdministrativeUnit, Office, User
from agencies.selectors import offices_for_roles, unit_get_on
from cases import rules
from cases.choices import (
    CODE_PREFIX,
    FINISHED_STEP_STATES,
    FUNERAL_AGENCY_ROLE,
    Action,
    BundleKind,
    BundleState,
    Channel,
    FuneralCategory,
    StepState,
)
from cases.identity import bundle_id_numbers, bundle_search_text, id_number_problems
from cases.models import (
    LIVE,
    Bundle,
    BundleVariant,
    Event,
    IdempotencyRecord,
    Notification,
    Outbox,
    PersonalDataAccess,
    Procedure,
    Step,
)
from cases.selectors import bundle_get_for_user, step_get_for_user
from cases.validation import bundle_problems, late_registration, sixth_birthday_eve
from portal.celery import send_on_commit
from portal.errors import Conflict, DomainError, Forbidden, Invalid, NotFound

# --- Audit and outbox ----------------------------------------------------------------------------


def _event(bundle: Bundle, action: Action, **fields: Any) -> Event:
    """Append an audit event: who (actor, in which role and office), what, from and to which state."""
    event = _event_row(bundle, action, **fields)
    event.save()
    return event


def _event_row(
    bundle: Bundle,
    action: Action,
    *,
    actor: User | None,
    step: Step | None = None,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> Event:
    return Event(
        bundle=bundle,
        step=step,
        actor=actor,
        actor_role=actor.role if actor else "system",
        office_id=actor.office_id if actor else None,
        action=action,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        data=data or {},
    )


def _publish(topic: str, **payload: Any) -> None:
    """Write an outbox row in the current transaction; hand it to a worker once it commits."""
    _publish_many([(topic, payload)])


def _publish_many(messages: list[tuple[str, dict[str, Any]]]) -> None:
    from cases.tasks import outbox_deliver_task

    rows = Outbox.objects.bulk_create([Outbox(topic=topic, payload=payload) for topic, payload in messages])
    pks = [row.pk for row in rows]
    send_on_commit(outbox_deliver_task, *pks)


def _transition(obj: Bundle | Step, method_name: str, **kwargs: Any) -> str:
    """Run a transition if the state machine allows it now, else 409; returns the state it left."""
    method = getattr(obj, method_name)
    if not fsm.can_proceed(method):
        raise Conflict(
            _("This cannot be done while the %(what)s is '%(state)s'. Reload and try again.")
            % {"what": obj._meta.verbose_name, "state": obj.get_state_display()}
        )
    before = obj.state
    method(**kwargs)
    return before


def _save(obj: Bundle | Step, fields: Iterable[str]) -> None:
    try:
        obj.save(update_fields=["state", *fields])
    except fsm.ConcurrentTransition:
        raise Conflict(_("Somebody changed this dossier first. Reload and try again.")) from None


def _move(
    obj: Bundle | Step,
    transition: str,
    *,
    action: Action,
    actor: User | None,
    saves: Iterable[str] = (),
    note: str = "",
    data: dict[str, Any] | None = None,
    **arguments: Any,
) -> None:
    """Take one transition of a bundle or step: 409 unless it is open now, run it, save the row
    (409 if it changed meanwhile) and append the audit event."""
    before = _transition(obj, transition, **arguments)
    _save(obj, saves)
    step = obj if isinstance(obj, Step) else None
    bundle = step.bundle if step is not None else obj
    assert isinstance(bundle, Bundle)
    _event(bundle, action, actor=actor, step=step, from_state=before, to_state=obj.state, reason=note, data=data)


# --- Filing --------------------------------------------------------------------------------------


def _fingerprint(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _duplicate(kind: str, data: dict[str, Any]) -> tuple[str, Bundle] | None:
    if kind == BundleKind.BIRTH:
        number = (data.get("child") or {}).get("birth_certificate_number", "")
        found = Bundle.objects.filter(LIVE, birth_certificate_number=number).first() if number else None
        return ("child.birth_certificate_number", found) if found else None
    number = (data.get("deceased") or {}).get("id_number", "")
    found = Bundle.objects.filter(LIVE, deceased_id_number=number).first() if number else None
    return ("deceased.id_number", found) if found else None


def _duplicate_error(path: str, existing: Bundle) -> Invalid:
    return Invalid({path: [_("Already in dossier %(code)s, which is not refused.") % {"code": existing.code}]})


def _commune_for_filing(user: User, code: str, on: datetime.date) -> AdministrativeUnit:
    try:
        commune = unit_get_on(code=code, on=on)
    except NotFound as missing:
        raise Invalid({"commune": missing.messages}) from None
    if user.role == UserRole.CLERK and commune.pk != user.commune_id:
        raise Forbidden(_("A one-stop desk files dossiers for its own commune only."))
    if user.role not in (UserRole.CLERK, UserRole.INTEGRATION):
        raise Forbidden(_("Only a one-stop desk clerk or an integration client can file dossiers."))
    return commune


def bundle_file(*, user: User, data: dict[str, Any], idempotency_key: str = "") -> tuple[Bundle, bool]:
    """File a dossier: check it, route each asked-for procedure to the office that plays its role
    for the commune on the day of receipt, open the first step and time everything. Returns the
    bundle and whether it is new (False when the same Idempotency-Key and body were seen before).

    Requests that repeat one Idempotency-Key at the same time queue behind the first (a lock on the
    client and key for the transaction: PostgreSQL's advisory lock; SQLite's transactions already
    take the write lock when they begin) and then answer like it, never "already in dossier"."""
    if not idempotency_key:
        return _bundle_file(user=user, data=data, idempotency_key="")
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                    [f"idempotency:{user.pk}:{idempotency_key}"],
                )
        return _bundle_file(user=user, data=data, idempotency_key=idempotency_key)


def _bundle_file(*, user: User, data: dict[str, Any], idempotency_key: str) -> tuple[Bundle, bool]:
    fingerprint = _fingerprint(data)
    if idempotency_key:
        record = IdempotencyRecord.objects.filter(client=user, key=idempotency_key).select_related("bundle").first()
        if record is not None:
            if record.fingerprint != fingerprint:
                raise Conflict(_("This Idempotency-Key was already used with a different request."))
            return record.bundle, False

    plan = bundle_preview(user=user, data=data)
    stored = {key: value for key, value in data.items() if key not in ("received_at", "commune", "kind", "procedures")}
    try:
        with transaction.atomic():
            bundle = Bundle.objects.create(
                kind=plan.kind,
                variant=plan.variant,
                channel=data["channel"],
                commune=plan.commune,
                received_at=plan.received_at,
                clock_starts_on=plan.clock,
                due_date=plan.due_date,
                needs_verification=bool(data.get("needs_verification")),
                funeral_category=plan.funeral_category,
                data=json.loads(json.dumps(stored, default=str)),
                applicant_id_last4=data["applicant"]["id_number"][-4:],
                birth_certificate_number=(data.get("child") or {}).get("birth_certificate_number", ""),
                deceased_id_number=(data.get("deceased") or {}).get("id_number", ""),
                late_registration=plan.late_registration,
                filed_by=user,
            )
            year = timezone.localdate(plan.received_at).year
            bundle.code = f"{CODE_PREFIX[plan.kind]}-{commune_province_code(plan.commune)}-{year}-{bundle.pk:06d}"
            bundle.search_text = bundle_search_text(bundle.code, data)
            bundle.id_numbers = bundle_id_numbers(stored)
            bundle.save(update_fields=["code", "search_text", "id_numbers"])
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
            opened = [step for step in steps if step.state == StepState.READY]
            Event.objects.bulk_create(
                [_event_row(bundle, Action.FILED, actor=user, to_state=BundleState.IN_PROGRESS)]
                + [_event_row(bundle, Action.UNLOCKED, actor=user, step=s, to_state=StepState.READY) for s in opened]
            )
            _publish_many(
                [("step.ready", {"step": step.pk}) for step in opened] + [("bundle.filed", {"bundle": bundle.pk})]
            )
            if idempotency_key:
                IdempotencyRecord.objects.create(
                    client=user, key=idempotency_key, fingerprint=fingerprint, bundle=bundle
                )
    except IntegrityError:
        # Two filings raced past the checks above: the unique constraints decide, and say which.
        duplicate = _duplicate(plan.kind, data)
        if duplicate:
            raise _duplicate_error(*duplicate) from None
        if idempotency_key:
            return _bundle_file(user=user, data=data, idempotency_key=idempotency_key)
        raise
    return bundle, True


@dataclasses.dataclass(frozen=True)
class FilingPlan:
    """What filing a dossier would do: where each step goes and when everything is due."""

    kind: BundleKind
    variant: BundleVariant
    commune: AdministrativeUnit
    received_at: datetime.datetime
    clock: datetime.date
    due_date: datetime.date
    funeral_category: str
    funeral_amount: int | None
    late_registration: bool
    # (procedure, agency role, office, due date of a step that opens at once, else None)
    steps: list[tuple[Procedure, str, Office, datetime.date | None]]


DESK_CHANNELS = (Channel.DIRECT, Channel.POSTAL)  # what a clerk may file; integration clients send any


def bundle_preview(*, user: User, data: dict[str, Any]) -> FilingPlan:
    """Check a dossier as filing would, and say where each step would go, without writing
    anything: the clerk's review page shows this before the dossier is filed."""
    now = timezone.now()
    received_at = data.get("received_at")
    if received_at is not None and user.role != UserRole.INTEGRATION:
        raise Invalid({"received_at": [_("Only an integration client may give the time of receipt.")]})
    if received_at is not None and received_at > now:
        raise Invalid({"received_at": [_("The time of receipt cannot be in the future.")]})
    received_at = received_at or now
    received_on = timezone.localdate(received_at)
    commune = _commune_for_filing(user, data["commune"], received_on)

    kind = BundleKind(data["kind"])
    routing = rules.variant_for(kind, data["procedures"])
    problems = bundle_problems(data, on=received_on)
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
    duplicate = _duplicate(kind, data)
    if duplicate:
        raise _duplicate_error(*duplicate)

    category = data.get("funeral_category") or ""
    roles = {p.code: p.agency_role or FUNERAL_AGENCY_ROLE[FuneralCategory(category)] for p in procedures}
    try:
        by_role = offices_for_roles(roles=set(roles.values()), commune=commune, on=received_on)
    except NotFound as missing:
        raise Invalid({"commune": missing.messages}) from None

    calendar = rules.calendar()
    clock = calendar.clock_start(received_at)
    plan = _plan(procedures, category, clock)
    limit = rules.bundle_limit(kind, bool(data.get("needs_verification")), received_on)
    late_key = f"registration.{kind}.late_after_days"
    died = (data.get("deceased") or {}).get("date_of_death")
    return FilingPlan(
        kind=kind,
        variant=variant,
        commune=commune,
        received_at=received_at,
        clock=clock,
        due_date=calendar.due_date(clock, limit) if limit else max(plan.values()),
        funeral_category=category,
        funeral_amount=rules.funeral_amount(category, died) if category and died else None,
        late_registration=late_registration(data, on=received_on, allowed_days=rules.setting(late_key, received_on)),
        steps=[
            (p, roles[p.code], by_role[roles[p.code]], None if p.requires.all() else plan[p.code]) for p in procedures
        ],
    )


def commune_province_code(commune: AdministrativeUnit) -> str:
    parent = commune.parent
    while parent is not None and parent.parent_id is not None:
        parent = parent.parent
    return parent.code if parent else commune.code


def _plan(procedures: list[Procedure], category: str, clock: datetime.date) -> dict[str, datetime.date]:
    """When each step would be due if each ran to its limit after the ones it follows."""
    calendar = rules.calendar()
    due: dict[str, datetime.date] = {}
    for procedure in procedures:  # in position order: a procedure comes after those it follows
        earlier = [due[p.code] for p in procedure.requires.all() if p.code in due]
        start = calendar.next_working_day(max(earlier)) if earlier else clock
        due[procedure.code] = calendar.due_date(start, rules.step_limit(procedure.code, category, clock))
    return due


# --- Officers' actions ---------------------------------------------------------------------------


def _locked_step(user: User | None, step_pk: int) -> Step:
    """The step, in the user's scope (any step for the system itself), read again after locking
    its bundle row and then the bundle's steps in pk order."""
    step = step_get_for_user(user=user, pk=step_pk) if user is not None else Step.objects.get(pk=step_pk)
    _lock_bundle(step.bundle_id)
    list(Step.objects.select_for_update().filter(bundle_id=step.bundle_id).order_by("pk").values_list("pk"))
    return Step.objects.select_related("bundle", "procedure", "office").get(pk=step.pk)


def _officer_may_act(user: User, step: Step) -> None:
    if user.role != UserRole.OFFICER or user.office_id != step.office_id:
        raise Forbidden(_("Only an officer of %(office)s can act on this step.") % {"office": step.office})
    if step.state == StepState.IN_PROGRESS and step.claimant_id not in (None, user.pk):
        raise Conflict(_("Another officer is handling this step. Reload and try again."))


def step_actions(*, user: User, step: Step) -> list[str]:
    """The transitions `user` may take on `step` now, as the state machine and the rules above
    say: the pages show exactly these buttons."""
    try:
        _officer_may_act(user, step)
    except DomainError:
        return []
    available = fsm.get_available_FIELD_transitions(step, Step._meta.get_field("state"))
    return [transition.name for transition in available if "label" in transition.custom]


def step_claim(*, user: User, step_pk: int) -> Step:
    """An officer takes a ready step from the office's queue."""
    with transaction.atomic():
        step = _locked_step(user, step_pk)
        _officer_may_act(user, step)
        _move(step, "claim", action=Action.CLAIMED, actor=user, saves=["claimant"], by=user)
    return step


def step_release(*, user: User, step_pk: int) -> Step:
    """An officer puts a claimed step back in the queue."""
    with transaction.atomic():
        step = _locked_step(user, step_pk)
        _officer_may_act(user, step)
        _move(step, "release", action=Action.RELEASED, actor=user, saves=["claimant"])
    return step


def _result_problems(step: Step, result: dict[str, Any]) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    bundle = step.bundle
    for field in step.procedure.result_fields:
        name, kind = field["name"], field["type"]
        value = result.get(name)
        path = f"result.{name}"
        if value in (None, ""):
            problems[path] = [_("This field is required.")]
        elif kind == "id_number":
            child = bundle.data.get("child") or {}
            born = datetime.date.fromisoformat(child["date_of_birth"]) if child.get("date_of_birth") else None
            found = id_number_problems(str(value), sex=child.get("sex"), date_of_birth=born)
            if found:
                problems[path] = found
        elif kind == "date":
            try:
                datetime.date.fromisoformat(str(value))
            except ValueError:
                problems[path] = [_("Enter a date as YYYY-MM-DD.")]
        elif kind == "amount" and (not isinstance(value, int) or isinstance(value, bool) or value <= 0):
            problems[path] = [_("Enter a whole number of đồng greater than 0.")]
    if not problems and step.procedure_id == "health_insurance_card":
        born = datetime.date.fromisoformat(bundle.data["child"]["date_of_birth"])
        if datetime.date.fromisoformat(result["valid_to"]) > sixth_birthday_eve(born):
            problems["result.valid_to"] = [
                _("The card of a child under 6 runs at most to %(day)s, the day before the 6th birthday.")
                % {"day": sixth_birthday_eve(born).strftime("%d/%m/%Y")}
            ]
    if not problems and step.procedure_id == "funeral_allowance":
        minimum = _funeral_rule_amount(step)
        reason = result.get("amount_reason", "")
        if result["amount_vnd"] < minimum:
            problems["result.amount_vnd"] = [
                _("At least %(amount)s đồng for this category and month of death.") % {"amount": rules.vnd(minimum)}
            ]
        elif not isinstance(reason, str) or len(reason) > 2000:
            problems["result.amount_reason"] = [_("Enter the reason as text of at most 2,000 characters.")]
        elif result["amount_vnd"] != minimum and not reason.strip():
            problems["result.amount_reason"] = [
                _("The rate table gives %(amount)s đồng: say why a different amount is paid.")
                % {"amount": rules.vnd(minimum)}
            ]
    return problems


def _funeral_rule_amount(step: Step) -> int:
    """What the rate table gives for the bundle's category and month of death: the amount paid
    unless the officer records another with a reason (categories 3 and 4 are legal minimums that a
    province may raise; below the table is never paid)."""
    died = datetime.date.fromisoformat(step.bundle.data["deceased"]["date_of_death"])
    return rules.funeral_amount(step.bundle.funeral_category, died)


def step_complete(*, user: User, step_pk: int, result: dict[str, Any]) -> Step:
    """An officer records the result of a step. In the same transaction the steps that waited for
    it open (each with its own clock), and the bundle finishes when nothing is left."""
    with transaction.atomic():
        step = _locked_step(user, step_pk)
        _officer_may_act(user, step)
        if not fsm.can_proceed(step.complete):
            _transition(step, "complete", by=user, result=result)  # raises the 409
        problems = _result_problems(step, result)
        if problems:
            raise Invalid(problems)
        wanted = {field["name"] for field in step.procedure.result_fields}
        kept = {name: value for name, value in result.items() if name in wanted}
        exception: dict[str, Any] = {}
        if step.procedure_id == "funeral_allowance" and kept["amount_vnd"] != _funeral_rule_amount(step):
            # Another amount than the rate table's: kept with its reason and both figures, in the
            # result (the province's list of exceptions) and in the audit trail.
            exception = {"amount_rule_vnd": _funeral_rule_amount(step), "amount_vnd": kept["amount_vnd"]}
            kept.update(amount_rule_vnd=exception["amount_rule_vnd"], amount_reason=result["amount_reason"].strip())
        _move(
            step,
            "complete",
            action=Action.COMPLETED,
            actor=user,
            saves=["claimant", "result", "finished_at"],
            note=kept.get("amount_reason", ""),
            data=exception or None,
            by=user,
            result=kept,
        )
        _advance(step.bundle, actor=user)
    return step


def step_return(*, user: User, step_pk: int, reason: str, missing_documents: list[str]) -> Step:
    """An officer returns a step for missing documents; the citizen has a number of working days
    (a setting, 7 by default) to supply them, after which the step is refused automatically."""
    problems = {}
    if not reason.strip():
        problems["reason"] = [_("Say why the dossier is returned.")]
    if not [document for document in missing_documents if document.strip()]:
        problems["missing_documents"] = [_("List at least one missing document.")]
    if problems:
        raise Invalid(problems)
    with transaction.atomic():
        step = _locked_step(user, step_pk)
        _officer_may_act(user, step)
        calendar = rules.calendar()
        today = timezone.localdate()
        deadline = calendar.due_date(calendar.next_working_day(today), rules.setting(rules.SUPPLEMENT_WAIT, today))
        _move(
            step,
            "return_for_supplement",
            action=Action.RETURNED,
            actor=user,
            saves=["claimant", "reason", "missing_documents", "supplement_deadline"],
            note=reason,
            data={"missing_documents": missing_documents, "deadline": deadline.isoformat()},
            by=user,
            reason=reason.strip(),
            missing_documents=missing_documents,
            deadline=deadline,
        )
        _publish("step.returned", step=step.pk)
    return step


def step_refuse(*, user: User | None, step_pk: int, reason: str) -> Step:
    """An officer (or, with no user, the supplement timeout) refuses a step. Steps that needed it
    are cancelled; steps already done stay done."""
    if not reason.strip():
        raise Invalid({"reason": [_("Say why the step is refused.")]})
    with transaction.atomic():
        step = _locked_step(user, step_pk)
        if user is not None:
            _officer_may_act(user, step)
        _move(
            step,
            "refuse",
            action=Action.REFUSED,
            actor=user,
            saves=["claimant", "reason", "finished_at"],
            note=reason,
            by=user,
            reason=reason.strip(),
        )
        _advance(step.bundle, actor=user)
    return step


def _advance(bundle: Bundle, *, actor: User | None) -> None:
    """After a step finished: open the waiting steps whose earlier steps are all done, cancel
    those that can no longer run, and finish the bundle when no step is left open."""
    steps = list(bundle.steps.select_related("procedure").prefetch_related("procedure__requires").order_by("pk"))
    states = {step.procedure_id: step.state for step in steps}
    calendar = rules.calendar()
    now = timezone.now()
    for step in steps:
        if step.state != StepState.WAITING:
            continue
        needed = [states.get(p.code) for p in step.procedure.requires.all()]
        if any(state in (StepState.REFUSED, StepState.CANCELLED) for state in needed):
            reason = _("An earlier step was refused.")
            _move(
                step,
                "cancel",
                action=Action.CANCELLED,
                actor=actor,
                saves=["reason", "finished_at"],
                note=reason,
                reason=reason,
            )
        elif all(state == StepState.DONE for state in needed):
            clock = calendar.clock_start(now)
            limit = rules.step_limit(step.procedure_id, bundle.funeral_category, clock)
            _move(
                step,
                "unlock",
                action=Action.UNLOCKED,
                actor=actor,
                saves=["clock_starts_on", "due_date"],
                clock_starts_on=clock,
                due_date=calendar.due_date(clock, limit),
            )
            _publish("step.ready", step=step.pk)
        states[step.procedure_id] = step.state
    if all(state in FINISHED_STEP_STATES for state in states.values()):
        done = sum(state == StepState.DONE for state in states.values())
        method = "complete" if done == len(states) else "complete_partly" if done else "refuse"
        _move(bundle, method, action=Action.FINISHED, actor=actor, saves=["finished_at"])
        _publish("bundle.finished", bundle=bundle.pk)


# --- Citizens' side: supplement and withdrawal ---------------------------------------------------


def _locked_bundle(user: User, code: str) -> Bundle:
    bundle = bundle_get_for_user(user=user, code=code)
    if user.role not in (UserRole.CLERK, UserRole.INTEGRATION):
        raise Forbidden(_("Only the one-stop desk or the system that filed the dossier can do this."))
    locked = _lock_bundle(bundle.pk)
    list(Step.objects.select_for_update().filter(bundle=locked).order_by("pk").values_list("pk"))
    return locked


def bundle_supplement(*, user: User, code: str, note: str) -> Bundle:
    """The missing documents arrived: every returned step goes back to its queue with a new clock."""
    with transaction.atomic():
        bundle = _locked_bundle(user, code)
        returned = list(bundle.steps.filter(state=StepState.RETURNED).order_by("pk"))
        if not returned:
            raise Conflict(_("No step of this dossier is waiting for documents."))
        calendar = rules.calendar()
        clock = calendar.clock_start(timezone.now())
        for step in returned:
            limit = rules.step_limit(step.procedure_id, bundle.funeral_category, clock)
            _move(
                step,
                "resume",
                action=Action.SUPPLEMENTED,
                actor=user,
                saves=["clock_starts_on", "due_date", "supplement_deadline", "claimant", "late_since"],
                note=note,
                clock_starts_on=clock,
                due_date=calendar.due_date(clock, limit),
            )
            _publish("step.ready", step=step.pk)
    return bundle


def bundle_withdraw(*, user: User, code: str, reason: str) -> Bundle:
    """The citizen withdraws the dossier: steps not finished are cancelled, finished ones stay."""
    if not reason.strip():
        raise Invalid({"reason": [_("Say why the dossier is withdrawn.")]})
    with transaction.atomic():
        bundle = _locked_bundle(user, code)
        _move(bundle, "withdraw", action=Action.WITHDRAWN, actor=user, saves=["finished_at"], note=reason)
        for step in bundle.steps.exclude(state__in=FINISHED_STEP_STATES).order_by("pk"):
            _move(
                step,
                "cancel",
                action=Action.CANCELLED,
                actor=user,
                saves=["reason", "finished_at"],
                note=reason,
                reason=reason,
            )
        _publish("bundle.finished", bundle=bundle.pk)
    return bundle


def bundle_hand_over(*, user: User, code: str) -> Bundle:
    """The one-stop desk hands the results of a finished dossier to the citizen."""
    with transaction.atomic():
        bundle = _locked_bundle(user, code)
        if bundle.state not in (BundleState.COMPLETED, BundleState.PARTLY_COMPLETED):
            raise Conflict(_("Results can be handed over once the dossier is completed."))
        if bundle.handed_over_at is not None:
            raise Conflict(_("The results were already handed over."))
        bundle.handed_over_at = timezone.now()
        bundle.save(update_fields=["handed_over_at"])
        _event(bundle, Action.HANDED_OVER, actor=user)
    return bundle


def step_apologise(*, user: User, step_pk: int, new_appointment_on: datetime.date) -> Step:
    """The office of a late step owes the citizen an apology and a new appointment date (Decree 63
    art. 7(3)): record the date; the apology letter is printed from it."""
    today = timezone.localdate()
    if new_appointment_on <= today:
        raise Invalid({"new_appointment_on": [_("The new appointment must be after today.")]})
    if not rules.calendar().is_working_day(new_appointment_on):
        raise Invalid({"new_appointment_on": [_("The new appointment must be on a working day.")]})
    with transaction.atomic():
        step = _locked_step(user, step_pk)
        _officer_may_act(user, step)
        if not step.apology_owed:
            raise Conflict(_("This step is not late."))
        step.new_appointment_on = new_appointment_on
        step.save(update_fields=["new_appointment_on"])
        data = {"new_appointment_on": new_appointment_on.isoformat()}
        _event(step.bundle, Action.APOLOGISED, actor=user, step=step, data=data)
        _publish("step.apologised", step=step.pk)
    return step


def personal_data_access_record(*, user: User, bundles: Iterable[Bundle], channel: str) -> None:
    """Note that `user` saw these bundles' personal data (Decree 13/2023/NĐ-CP)."""
    PersonalDataAccess.objects.bulk_create(
        [PersonalDataAccess(bundle=bundle, user=user, channel=channel) for bundle in bundles]
    )


# --- Timed jobs ----------------------------------------------------------------------------------


def supplements_expire(*, today: datetime.date) -> int:
    """Refuse every step whose time to supply documents ended before `today`."""
    expired = list(
        Step.objects.filter(state=StepState.RETURNED, supplement_deadline__lt=today).values_list("pk", flat=True)
    )
    for pk in expired:
        try:
            step_refuse(user=None, step_pk=pk, reason=_("The missing documents did not arrive in time."))
        except DomainError:
            continue  # supplied or refused meanwhile
    return len(expired)


def lateness_record(*, today: datetime.date) -> int:
    """Mark steps and bundles that passed their due date: the agency owes the citizen an apology
    and a new appointment date (Decree 63 art. 7(3)). Each is marked once."""
    marked = 0
    late_steps = Step.objects.overdue(today).filter(late_since__isnull=True)
    for step in late_steps:
        with transaction.atomic():
            bundle = _lock_bundle(step.bundle_id)
            if Step.objects.filter(pk=step.pk, late_since__isnull=True).update(late_since=today):
                _event(bundle, Action.LATE, actor=None, step=step, data={"due_date": step.due_date.isoformat()})
                _publish("step.late", step=step.pk)
                marked += 1
    late_bundles = Bundle.objects.overdue(today).filter(late_since__isnull=True)
    for bundle in late_bundles:
        with transaction.atomic():
            _lock_bundle(bundle.pk)
            if Bundle.objects.filter(pk=bundle.pk, late_since__isnull=True).update(late_since=today):
                _event(bundle, Action.LATE, actor=None, data={"due_date": bundle.due_date.isoformat()})
                _publish("bundle.late", bundle=bundle.pk)
                marked += 1
    return marked


# --- Delivering the outbox -----------------------------------------------------------------------


def outbox_deliver(*, message_pk: int) -> bool:
    """Deliver one outbox message, once: a second delivery of the same message does nothing.
    Returns whether this call delivered it."""
    with transaction.atomic():
        message = (
            Outbox.objects.select_for_update(skip_locked=True).filter(pk=message_pk, delivered_at__isnull=True).first()
        )
        if message is None:
            return False
        message.attempts += 1
        _deliver(message)
        message.delivered_at = timezone.now()
        message.save(update_fields=["attempts", "delivered_at"])
    return True


def _lock_bundle(pk: int) -> Bundle:
    """Lock a bundle row before touching its steps: every writer takes the bundle first, so two
    writers of one bundle queue up instead of deadlocking (officers, workers and beat alike)."""
    return Bundle.objects.select_for_update().get(pk=pk)


def _deliver(message: Outbox) -> None:
    payload = message.payload
    if "step" in payload:
        bundle = _lock_bundle(Step.objects.values_list("bundle_id", flat=True).get(pk=payload["step"]))
        step = Step.objects.select_related("office", "procedure").get(pk=payload["step"])
    else:
        step, bundle = None, _lock_bundle(payload["bundle"])
    phone = (bundle.data.get("applicant") or {}).get("phone", "")
    if message.topic == "step.ready" and step is not None:
        # The hand-off: the dossier reaches the office that handles this step.
        if step.handed_off_at is None:
            step.handed_off_at = timezone.now()
            step.save(update_fields=["handed_off_at"])
            _event(bundle, Action.HANDED_OFF, actor=None, step=step, data={"office": step.office.name})
        recipient = step.office.name
        text = _("Dossier %(code)s: %(procedure)s is in your queue, due %(due)s.") % {
            "code": bundle.code,
            "procedure": step.procedure.name,
            "due": step.due_date,
        }
    elif message.topic == "step.returned" and step is not None:
        recipient = phone
        text = _("Dossier %(code)s: please supply %(documents)s by %(day)s.") % {
            "code": bundle.code,
            "documents": ", ".join(step.missing_documents),
            "day": step.supplement_deadline,
        }
    elif message.topic in ("step.late", "bundle.late"):
        recipient = phone
        text = _("Dossier %(code)s is late. We apologise; a new appointment date will follow.") % {"code": bundle.code}
    elif message.topic == "step.apologised" and step is not None:
        recipient = phone
        text = _("Dossier %(code)s: we apologise for the delay; new appointment %(day)s.") % {
            "code": bundle.code,
            "day": step.new_appointment_on,
        }
    elif message.topic == "bundle.filed":
        recipient = phone
        text = _("Dossier %(code)s received, due %(due)s.") % {"code": bundle.code, "due": bundle.due_date}
    else:
        recipient = phone
        text = _("Dossier %(code)s: %(state)s.") % {"code": bundle.code, "state": bundle.get_state_display()}
    Notification.objects.create(bundle=bundle, step=step, outbox=message, recipient=recipient, message=text)


def outbox_pending(*, older_than: datetime.timedelta) -> list[int]:
    """Messages still undelivered after `older_than`: their publication was lost (a crash between
    commit and publish, a broker outage) or their worker died; the sweeper publishes them again."""
    return list(
        Outbox.objects.filter(delivered_at__isnull=True, created_at__lt=timezone.now() - older_than)
        .order_by("pk")
        .values_list("pk", flat=True)[:1000]
    )
