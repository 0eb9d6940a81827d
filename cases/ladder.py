"""The escalation ladder: where each step (and each online dossier nobody at the desk took up)
sits now. The beat (cases/services/ladder.py) and the head's page (cases/views/ladder.py) both ask
here, so what a head sees is what the beat tells.

Rung 1 is the officer holding the step, or its office if nobody; rung 2 the office's head; rung 3
the provincial office. A step whose clock runs goes onto the ladder, never before its last move
(made ready, claimed, released, supplied, reassigned, apologised for):
- at rung 1 when it is ready and nobody claimed it for `ladder.unclaimed` office hours; it climbs
  a rung for every `ladder.climb` office hours more that it stays so;
- at rung 1 when the working day before its due date opens (due today or on the next working day);
- at rung 2 once overdue, from the first working day after its due date; it climbs to rung 3
  after `ladder.climb` office hours more.
An online dossier (filed by the citizen or a partner) that no clerk of its commune has opened or
acted on goes onto the ladder `ladder.unreceived` office hours after it was received, and climbs
the same way (at its commune's desk: rung 1 the desk, rung 2 the desk's head). The portal has no
"received by the desk" state, since an online dossier is routed to its offices when filed: "taken
up" is what the desk's trail shows, a clerk's view of its page or a clerk's action on it.
Thresholds are `Setting` rows (cases/rules.py), in office hours of the legal calendar's working
days (cases/workdays.py, OFFICE_HOURS).
"""

from __future__ import annotations

import dataclasses
import datetime

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from agencies.choices import UserRole
from cases import rules
from cases.choices import Action, BundleState, Channel, LadderReason, ReadKind, Rung, Source, StepState
from cases.models import STEP_CLOCK_RUNS, Bundle, Event, PersonalDataAccess, Step

# What moves a step: the climb starts again from it.
MOVES = (
    Action.UNLOCKED,
    Action.CLAIMED,
    Action.RELEASED,
    Action.SUPPLEMENTED,
    Action.REASSIGNED,
    Action.APOLOGISED,
)


@dataclasses.dataclass(frozen=True)
class Position:
    """Where a step (or a dossier, `step` None) sits on the ladder now, and since when."""

    bundle: Bundle
    step: Step | None
    rung: int
    reason: str
    since: datetime.datetime

    @property
    def rung_label(self) -> str:
        return str(Rung(self.rung).label)

    @property
    def reason_label(self) -> str:
        return str(LadderReason(self.reason).label)


def with_moved_at(steps: QuerySet[Step]) -> QuerySet[Step]:
    """The steps with `moved_at`, their last move (the dossier's receipt when none is recorded), in
    the list's own query."""
    last = Event.objects.filter(step=OuterRef("pk"), action__in=MOVES).order_by("-at", "-pk").values("at")[:1]
    return steps.annotate(moved_at=Coalesce(Subquery(last), F("bundle__received_at")))


def candidate_steps(steps: QuerySet[Step], now: datetime.datetime) -> QuerySet[Step]:
    """The steps that may be on the ladder now: their clock runs, and they are ready (perhaps
    unclaimed too long) or due by the next working day."""
    soon = rules.calendar().next_working_day(now.astimezone(rules.calendar().zone).date())
    return with_moved_at(
        steps.filter(state__in=STEP_CLOCK_RUNS).filter(Q(state=StepState.READY) | Q(due_date__lte=soon))
    )


def step_position(step: Step, now: datetime.datetime) -> Position | None:
    """Where `step` (annotated by with_moved_at) sits now, or None when it is not on the ladder:
    the highest rung any of its reasons gives."""
    if step.state not in STEP_CLOCK_RUNS or step.due_date is None:
        return None
    calendar = rules.calendar()
    today = now.astimezone(calendar.zone).date()
    moved: datetime.datetime = step.moved_at  # type: ignore[attr-defined]
    climb = rules.ladder_hours(rules.LADDER_CLIMB, step.procedure_id, today)
    found: list[tuple[int, datetime.datetime, str]] = []  # (rung, since, reason)
    if step.state == StepState.READY:
        waited = calendar.add_working_hours(moved, rules.ladder_hours(rules.LADDER_UNCLAIMED, step.procedure_id, today))
        if waited <= now:
            found.append((_climbed(Rung.HOLDER, waited, now, climb), waited, LadderReason.UNCLAIMED))
    if step.due_date < today:
        late = max(moved, calendar.opening(calendar.next_working_day(step.due_date)))
        rung = _climbed(Rung.HEAD, late, now, climb) if late <= now else Rung.HEAD
        found.append((rung, min(late, now), LadderReason.OVERDUE))
    else:
        window = max(moved, calendar.opening(calendar.previous_working_day(step.due_date)))
        if window <= now:
            found.append((Rung.HOLDER, window, LadderReason.DUE_SOON))
    if not found:
        return None
    # The highest rung; on a tie, overdue first (what matters most), then the earliest.
    rung, since, reason = max(found, key=lambda item: (item[0], item[2] == LadderReason.OVERDUE, -item[1].timestamp()))
    return Position(step.bundle, step, rung, reason, since)


def unreceived_bundles(bundles: QuerySet[Bundle]) -> QuerySet[Bundle]:
    """The online dossiers in progress that no clerk has opened or acted on."""
    by_clerk = Event.objects.filter(bundle=OuterRef("pk"), actor_role=UserRole.CLERK)
    seen = PersonalDataAccess.objects.filter(bundle=OuterRef("pk"), user__role=UserRole.CLERK, kind=ReadKind.OPENED)
    return (
        bundles.filter(channel=Channel.ONLINE, state=BundleState.IN_PROGRESS)
        .exclude(source=Source.DESK)
        .filter(~Exists(by_clerk), ~Exists(seen))
    )


def bundle_position(bundle: Bundle, now: datetime.datetime) -> Position | None:
    """Where an online dossier nobody at the desk took up (unreceived_bundles) sits now."""
    calendar = rules.calendar()
    today = now.astimezone(calendar.zone).date()
    since = calendar.add_working_hours(
        bundle.received_at, rules.ladder_hours(rules.LADDER_UNRECEIVED, bundle.kind, today)
    )
    if since > now:
        return None
    climb = rules.ladder_hours(rules.LADDER_CLIMB, bundle.kind, today)
    return Position(bundle, None, _climbed(Rung.HOLDER, since, now, climb), LadderReason.UNRECEIVED, since)


def _climbed(start: int, since: datetime.datetime, now: datetime.datetime, climb: int) -> int:
    """The rung reached from `start` after a rung per `climb` office hours since `since`."""
    hours = rules.calendar().working_hours_between(since, now)
    return min(Rung.PROVINCE, start + int(hours // climb))
