"""The officers' actions on a step (claim, release, complete with its result, return for
documents, refuse, apologise) and what follows a finished step: the next steps open, the
bundle finishes."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies import access
from agencies.models import User
from cases import kinds, rules
from cases.choices import (
    FINISHED_STEP_STATES,
    Action,
    BundleState,
    StepState,
)
from cases.identity import id_number_problems
from cases.models import (
    Bundle,
    Step,
)
from cases.selectors import step_get_for_user
from cases.services.appointment import appointment_update
from cases.services.audit import available_actions, ensure_open, event, lock_bundle, move, publish
from portal.errors import Conflict, DomainError, Forbidden, Invalid

AMOUNT_MAX = 2**63 - 1  # the largest whole number the database keeps (bigint)


def _locked_step(user: User | None, step_pk: int) -> Step:
    """The step, in the user's scope (any step for the system itself), read again after locking
    its bundle row and then the bundle's steps in pk order."""
    step = step_get_for_user(user=user, pk=step_pk) if user is not None else Step.objects.get(pk=step_pk)
    lock_bundle(step.bundle_id)
    list(Step.objects.select_for_update().filter(bundle_id=step.bundle_id).order_by("pk").values_list("pk"))
    return Step.objects.select_related("bundle", "procedure", "office").get(pk=step.pk)


def step_for_action(*, user: User, step_pk: int) -> Step:
    """The step, locked as the actions lock it, that `user` may act on now (403 or 409 if not):
    for writes of other apps that belong to a step (its electronic extract)."""
    step = _locked_step(user, step_pk)
    _officer_may_act(user, step)
    return step


def _officer_may_act(user: User, step: Step) -> None:
    if not access.may(user, access.ACT) or user.office_id != step.office_id:
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
    return available_actions(step, user)


def step_actions_by_row(*, user: User, steps: list[Step]) -> dict[int, list[str]]:
    """step_actions for each of a page's steps, worked out once for each state and claimant among
    them: what the state machine allows a step depends on nothing else (no transition of Step has
    a condition or permission of its own; tests/cases/test_pages_officer.py holds it so)."""
    known: dict[tuple[str, int | None, int | None], list[str]] = {}
    for step in steps:
        key = (step.state, step.claimant_id, step.office_id)
        if key not in known:
            known[key] = step_actions(user=user, step=step)
    return {step.pk: known[(step.state, step.claimant_id, step.office_id)] for step in steps}


def step_claim(*, user: User, step_pk: int) -> Step:
    """An officer takes a ready step from the office's queue."""
    with transaction.atomic():
        step = _locked_step(user, step_pk)
        _officer_may_act(user, step)
        move(step, "claim", action=Action.CLAIMED, actor=user, by=user)
    return step


def step_release(*, user: User, step_pk: int) -> Step:
    """An officer puts a claimed step back in the queue."""
    with transaction.atomic():
        step = _locked_step(user, step_pk)
        _officer_may_act(user, step)
        move(step, "release", action=Action.RELEASED, actor=user)
    return step


def _result_problems(step: Step, result: dict[str, Any]) -> dict[str, list[str]]:
    """Each result field's type (Procedure.result_fields), then the kind's own checks."""
    problems: dict[str, list[str]] = {}
    kind = kinds.get(step.bundle.kind)
    for field in step.procedure.result_fields:
        name, type_ = field["name"], field["type"]
        value = result.get(name)
        path = f"result.{name}"
        if value in (None, ""):
            problems[path] = [_("This field is required.")]
        elif type_ == "id_number":
            # A number given to the person the dossier is about: it must fit their sex and birth.
            person = step.bundle.data.get(kind.subject) or {}
            born = datetime.date.fromisoformat(person["date_of_birth"]) if person.get("date_of_birth") else None
            found = id_number_problems(str(value), sex=person.get("sex"), date_of_birth=born)
            if found:
                problems[path] = found
        elif type_ == "date":
            try:
                datetime.date.fromisoformat(str(value))
            except ValueError:
                problems[path] = [_("Enter a date as YYYY-MM-DD.")]
        elif type_ == "amount" and (not isinstance(value, int) or isinstance(value, bool) or value <= 0):
            problems[path] = [
                _(
                    "Enter the amount in đồng as a whole number greater than 0, without a decimal part "
                    "(for example %(example)s)."
                )
                % {"example": rules.typed_vnd(12_000_000)}
            ]
    # The kind's checks see only the fields whose type is right, and every problem is told at once.
    typed = {name: value for name, value in result.items() if f"result.{name}" not in problems}
    problems.update(kind.result_problems(step, typed))
    for field in step.procedure.result_fields:  # no amount beyond what the database keeps, whatever the kind says
        path = f"result.{field['name']}"
        if field["type"] == "amount" and path not in problems and typed.get(field["name"], 0) > AMOUNT_MAX:
            problems[path] = [_("At most %(amount)s đồng.") % {"amount": rules.vnd(AMOUNT_MAX)}]
    return problems


# Step-result checks: what else refuses a result, besides its fields (the civil-status extract's
# numbers, cases.services.extracts). Each takes the step and the result given and returns the
# problems per field path; filled in CasesConfig.ready().
RESULT_CHECKS: list[Callable[[Step, dict[str, Any]], dict[str, list[str]]]] = []


def _checked(step: Step, result: dict[str, Any]) -> dict[str, list[str]]:
    return {path: messages for check in RESULT_CHECKS for path, messages in check(step, result).items()}


def step_result_problems(*, step: Step, result: dict[str, Any]) -> dict[str, list[str]]:
    """What a result would be refused for, without acting: a page shows these with the problems
    of its own (a missing confirmation tick), all in one round."""
    return _result_problems(step, result)


def step_complete(*, user: User, step_pk: int, result: dict[str, Any]) -> Step:
    """An officer records the result of a step. In the same transaction the steps that waited for
    it open (each with its own clock), and the bundle finishes when nothing is left."""
    with transaction.atomic():
        step = _locked_step(user, step_pk)
        _officer_may_act(user, step)
        ensure_open(step, "complete")  # a step no longer open answers 409 before its result is judged
        if problems := {**_result_problems(step, result), **_checked(step, result)}:
            raise Invalid(problems)
        wanted = {field["name"] for field in step.procedure.result_fields}
        kept = {name: value for name, value in result.items() if name in wanted}
        recorded = kinds.get(step.bundle.kind).result_kept(step, kept, result)
        move(
            step,
            "complete",
            action=Action.COMPLETED,
            actor=user,
            note=kept.get("amount_reason", ""),
            data=recorded or None,
            by=user,
            result=kept,
        )
        publish("step.done", step=step.pk)
        _advance(step.bundle, actor=user)
    return step


def return_problems(*, reason: str, missing_documents: list[str]) -> dict[str, list[str]]:
    """What a return for documents would be refused for (every problem at once)."""
    problems = {}
    if not reason.strip():
        problems["reason"] = [_("Say why the dossier is returned.")]
    if not [document for document in missing_documents if document.strip()]:
        problems["missing_documents"] = [_("List at least one missing document.")]
    return problems


def refusal_problems(*, reason: str) -> dict[str, list[str]]:
    """What a refusal would be refused for."""
    return {} if reason.strip() else {"reason": [_("Say why the step is refused.")]}


def step_return(*, user: User, step_pk: int, reason: str, missing_documents: list[str]) -> Step:
    """An officer returns a step for missing documents; the citizen has a number of working days
    (a setting, 7 by default) to supply them, after which the step is refused automatically."""
    if problems := return_problems(reason=reason, missing_documents=missing_documents):
        raise Invalid(problems)
    with transaction.atomic():
        step = _locked_step(user, step_pk)
        _officer_may_act(user, step)
        calendar = rules.calendar()
        today = timezone.localdate()
        deadline = calendar.due_date(calendar.next_working_day(today), rules.setting(rules.SUPPLEMENT_WAIT, today))
        move(
            step,
            "return_for_supplement",
            action=Action.RETURNED,
            actor=user,
            note=reason,
            data={"missing_documents": missing_documents, "deadline": deadline.isoformat()},
            by=user,
            reason=reason.strip(),
            missing_documents=missing_documents,
            deadline=deadline,
        )
        publish("step.returned", step=step.pk)
        appointment_update(step.bundle, actor=user)  # the step's clock stopped
    return step


def step_refuse(*, user: User | None, step_pk: int, reason: str) -> Step:
    """An officer (or, with no user, the supplement timeout) refuses a step. Steps that needed it
    are cancelled; steps already done stay done."""
    if problems := refusal_problems(reason=reason):
        raise Invalid(problems)
    with transaction.atomic():
        step = _locked_step(user, step_pk)
        if user is not None:
            _officer_may_act(user, step)
        move(
            step,
            "refuse",
            action=Action.REFUSED,
            actor=user,
            note=reason,
            by=user,
            reason=reason.strip(),
        )
        _advance(step.bundle, actor=user)
        if step.bundle.state == BundleState.IN_PROGRESS:  # else the bundle's end is the notice, with the reason
            publish("step.refused", step=step.pk)
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
            move(
                step,
                "cancel",
                action=Action.CANCELLED,
                actor=actor,
                note=reason,
                reason=reason,
            )
        elif all(state == StepState.DONE for state in needed):
            clock = calendar.clock_start(now)
            move(
                step,
                "unlock",
                action=Action.UNLOCKED,
                actor=actor,
                clock_starts_on=clock,
                due_date=rules.step_due(step.procedure_id, bundle.category, clock),
            )
            publish("step.ready", step=step.pk)
        states[step.procedure_id] = step.state
    if all(state in FINISHED_STEP_STATES for state in states.values()):
        done = sum(state == StepState.DONE for state in states.values())
        method = "complete" if done == len(states) else "complete_partly" if done else "refuse"
        move(bundle, method, action=Action.FINISHED, actor=actor)
        publish("bundle.finished", bundle=bundle.pk)


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
        event(step.bundle, Action.APOLOGISED, actor=user, step=step, data=data)
        publish("step.apologised", step=step.pk)
    return step
