"""The dossier's appointment (ngày hẹn trả kết quả, `Bundle.due_date`), kept in step with the clocks
of its steps: a step waiting for documents stops its clock (Decree 118/2025/NĐ-CP: the time to
supply documents is not counted), so the day the results can be ready moves, and so does the
appointment the citizen was given; when the documents come, it is counted again from the new clock.

It is recomputed where a step's clock stops or starts again (a step returned, its documents
supplied), never when a step merely opens: a step that opens late because the one before it was
late is the office's delay, which lateness and its apology answer, and must stay overdue.

The appointment is the latest of
- the date the dossier was given when it was filed (the bundle's legal limit from its clock, or the
  end of its plan), so that a dossier running on time keeps the date on its receipt; and
- the day each open step would end: a step at work on its due date; a step waiting for documents
  on the last day of the wait plus its own limit (its clock restarts when they come); a step not
  yet open, its limit from the working day after the steps it follows would end (as filing plans).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.utils import timezone

from agencies.models import User
from cases import rules
from cases.choices import Action, BundleState, StepState
from cases.models import Bundle, Procedure, Step
from cases.services.audit import event, publish

_AT_WORK = (StepState.READY, StepState.IN_PROGRESS)
_ENDED = (StepState.REFUSED, StepState.CANCELLED)


def appointment_update(bundle: Bundle, *, actor: User | None) -> datetime.date:
    """Recompute the appointment of `bundle` from its steps, in the caller's transaction (the bundle
    row locked); when it moves, save it, append the audit event and tell the citizen (an outbox row,
    published on commit). Returns the appointment."""
    if bundle.state != BundleState.IN_PROGRESS:
        return bundle.due_date
    steps = list(
        Step.objects.filter(bundle=bundle)
        .select_related("procedure")
        .prefetch_related("procedure__requires")
        .order_by("procedure__position", "pk")
    )
    appointment = _appointment(bundle, steps)
    if appointment is None or appointment == bundle.due_date:
        return bundle.due_date
    before = bundle.due_date
    Bundle.objects.filter(pk=bundle.pk).update(due_date=appointment)
    bundle.due_date = appointment
    event(bundle, Action.RESCHEDULED, actor=actor, data={"from": before.isoformat(), "to": appointment.isoformat()})
    publish("bundle.rescheduled", bundle=bundle.pk)
    return appointment


def _appointment(bundle: Bundle, steps: list[Step]) -> datetime.date | None:
    calendar = rules.calendar()
    category = bundle.category
    ends: dict[str, datetime.date | None] = {}  # the day each open step would end; None: finished
    for step in steps:  # in position order: a step comes after those it follows
        code = step.procedure_id
        if step.state in _AT_WORK:
            ends[code] = step.due_date
        elif step.state == StepState.RETURNED and step.supplement_deadline is not None:
            ends[code] = rules.step_due(code, category, step.supplement_deadline)
        elif step.state == StepState.WAITING:
            required = [p.code for p in step.procedure.requires.all()]
            if any(s.state in _ENDED for s in steps if s.procedure_id in required):
                ends[code] = None  # it will be cancelled
                continue
            earlier = [day for p in required if (day := ends.get(p)) is not None]
            start = calendar.next_working_day(max(earlier)) if earlier else calendar.clock_start(timezone.now())
            ends[code] = calendar.due_date(start, rules.step_limit(code, category, start))
        else:
            ends[code] = None
    open_ends = [day for day in ends.values() if day is not None]
    if not open_ends:
        return None
    return max(_as_filed(bundle, steps), *open_ends)


def _as_filed(bundle: Bundle, steps: list[Step]) -> datetime.date:
    """The appointment the dossier was given when it was filed (as bundle_preview planned it)."""
    return planned(
        [step.procedure for step in steps],
        kind=bundle.kind,
        needs_verification=bundle.needs_verification,
        category=bundle.category,
        clock=bundle.clock_starts_on,
        received_on=timezone.localdate(bundle.received_at),
    )[1]


def planned(
    procedures: Sequence[Procedure],
    *,
    kind: str,
    needs_verification: bool,
    category: str,
    clock: datetime.date,
    received_on: datetime.date,
) -> tuple[dict[str, datetime.date], datetime.date]:
    """When each procedure would be due if each ran to its limit after the ones it follows (in
    position order), and the appointment: the bundle's legal limit from the clock, else the end of
    that plan. What filing plans, and what the appointment never goes below."""
    calendar = rules.calendar()
    due: dict[str, datetime.date] = {}
    for procedure in procedures:
        earlier = [due[p.code] for p in procedure.requires.all() if p.code in due]
        start = calendar.next_working_day(max(earlier)) if earlier else clock
        due[procedure.code] = calendar.due_date(start, rules.step_limit(procedure.code, category, clock))
    limit = rules.bundle_limit(kind, needs_verification, received_on)
    return due, calendar.due_date(clock, limit) if limit else max(due.values())
