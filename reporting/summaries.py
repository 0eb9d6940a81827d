"""Keeping the summary tables in step with the raw data.

A summary row belongs to one day. `summaries_refresh(first, last)` recomputes every row of those
days from the bundles, steps and audit events and replaces what changed, so it is at once the
incremental update (beat, every 30 s: today, yesterday and the days of any dossier filed since the
last run with an earlier time of receipt) and the nightly rebuild (every day, comparing and
counting the rows that disagreed). Recomputing a day is idempotent: a missed or repeated run never
double-counts."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models, transaction
from django.db.models import Count, DateField, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from cases import rules
from cases.choices import Action, StepState
from cases.models import OPEN, STEP_CLOCK_RUNS, Bundle, Event, Step, overdue_q
from reporting.models import (
    OpenStepCount,
    ReceivedCount,
    ReceivedMonth,
    ResultTime,
    ResultTimeMonth,
    StepCount,
    StepMonth,
    SummaryCheck,
)

STEP_FIELDS = ("received", "done_on_time", "done_late", "refused", "returned", "apologies")
RECEIVED_KEYS = ("commune_id", "variant_id", "channel", "source")
STEP_KEYS = ("office_id", "procedure_id")
RESULT_KEYS = ("office_id", "procedure_id", "working_days")


def _span(first: datetime.date, last: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """From the start of `first` to the start of the day after `last`, in the province's time."""
    zone = ZoneInfo(settings.TIME_ZONE)
    start = datetime.datetime.combine(first, datetime.time(), zone)
    return start, datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time(), zone)


def _by_day(queryset: QuerySet, field: str, first: datetime.date, last: datetime.date) -> QuerySet:
    start, end = _span(first, last)
    zone = ZoneInfo(settings.TIME_ZONE)
    return queryset.filter(**{f"{field}__gte": start, f"{field}__lt": end}).annotate(
        day=TruncDate(field, tzinfo=zone, output_field=DateField())
    )


def received_counts(first: datetime.date, last: datetime.date) -> dict[tuple, int]:
    rows = (
        _by_day(Bundle.objects.order_by(), "received_at", first, last)
        .values("day", *RECEIVED_KEYS)
        .annotate(n=Count("pk"))
    )
    return {(r["day"], *(r[key] for key in RECEIVED_KEYS)): r["n"] for r in rows}


def step_counts(first: datetime.date, last: datetime.date) -> tuple[dict[tuple, dict[str, int]], Counter]:
    """(day, office, procedure) → the day's figures; and (day, office, procedure, working days) → steps."""
    counts: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STEP_FIELDS, 0))
    keys = ("day", "office_id", "procedure_id")
    steps = Step.objects.order_by()
    for row in _by_day(steps, "handed_off_at", first, last).values(*keys).annotate(n=Count("pk")):
        counts[(row["day"], row["office_id"], row["procedure_id"])]["received"] = row["n"]
    finished = _by_day(steps.filter(state__in=[StepState.DONE, StepState.REFUSED]), "finished_at", first, last)
    for row in finished.values(*keys).annotate(
        on_time=Count("pk", filter=Q(state=StepState.DONE, day__lte=F("due_date"))),
        late=Count("pk", filter=Q(state=StepState.DONE, day__gt=F("due_date"))),
        refused=Count("pk", filter=Q(state=StepState.REFUSED)),
    ):
        figures = counts[(row["day"], row["office_id"], row["procedure_id"])]
        figures.update(done_on_time=row["on_time"], done_late=row["late"], refused=row["refused"])
    events = Event.objects.order_by().filter(step__isnull=False, action__in=[Action.RETURNED, Action.LATE])
    for row in (
        _by_day(events, "at", first, last)
        .values("day", "action", "step__office_id", "step__procedure_id")
        .annotate(n=Count("pk"))
    ):
        field = "returned" if row["action"] == Action.RETURNED else "apologies"
        counts[(row["day"], row["step__office_id"], row["step__procedure_id"])][field] = row["n"]

    calendar = rules.calendar()
    durations: Counter = Counter()
    done = _by_day(steps.filter(state=StepState.DONE, clock_starts_on__isnull=False), "finished_at", first, last)
    for row in done.values(*keys, "clock_starts_on").annotate(n=Count("pk")):
        days = calendar.working_days_between(row["clock_starts_on"], row["day"])
        durations[(row["day"], row["office_id"], row["procedure_id"], days)] += row["n"]
    return dict(counts), durations


def summaries_refresh(first: datetime.date, last: datetime.date, *, full: bool = False) -> SummaryCheck:
    """Recompute every summary row of the days from `first` to `last` (a month at a time) and
    replace those that differ; returns the record of the run with the number of rows changed (0
    when all agreed with the raw data)."""
    started = timezone.now()
    last_bundle = Bundle.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    changed = open_steps_refresh(timezone.localdate())
    chunk_start = first
    while chunk_start <= last:
        chunk_end = min(last, chunk_start + datetime.timedelta(days=30))
        changed += _refresh(chunk_start, chunk_end)
        chunk_start = chunk_end + datetime.timedelta(days=1)
    return SummaryCheck.objects.create(
        started_at=started,
        finished_at=timezone.now(),
        first_day=first,
        last_day=last,
        full=full,
        rows_changed=changed,
        last_bundle_id=last_bundle,
    )


def month_start(day: datetime.date, months: int = 0) -> datetime.date:
    """The first day of the month of `day`, moved by `months`."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _refresh(first: datetime.date, last: datetime.date) -> int:
    received = received_counts(first, last)
    steps, durations = step_counts(first, last)
    changed = 0
    with transaction.atomic():
        for daily, monthly, keys, values, wanted in (
            (ReceivedCount, ReceivedMonth, RECEIVED_KEYS, ("count",), {k: {"count": n} for k, n in received.items()}),
            (StepCount, StepMonth, STEP_KEYS, STEP_FIELDS, {k: f for k, f in steps.items() if any(f.values())}),
            (ResultTime, ResultTimeMonth, RESULT_KEYS, ("count",), {k: {"count": n} for k, n in durations.items()}),
        ):
            changed += _replace(daily._default_manager.filter(day__range=(first, last)), ("day", *keys), wanted, daily)
            changed += _roll_up(daily, monthly, keys, values, (first, last))
    return changed


def _roll_up(
    daily: type[models.Model],
    monthly: type[models.Model],
    keys: tuple[str, ...],
    values: tuple[str, ...],
    days: tuple[datetime.date, datetime.date],
) -> int:
    """Make the monthly rows of the months of `days` the sums of their daily rows."""
    months = (month_start(days[0]), month_start(days[1], 1))
    sums = (
        daily._default_manager.filter(day__gte=months[0], day__lt=months[1])
        .annotate(month=TruncMonth("day"))
        .values("month", *keys)
        .annotate(**{f"sum_{name}": Sum(name) for name in values})
        .order_by()
    )
    return _replace(
        monthly._default_manager.filter(month__gte=months[0], month__lt=months[1]),
        ("month", *keys),
        {(row["month"], *(row[k] for k in keys)): {name: row[f"sum_{name}"] for name in values} for row in sums},
        monthly,
    )


def _replace(
    existing: QuerySet, key_fields: Iterable[str], wanted: dict[tuple, dict[str, int]], model: type[models.Model]
) -> int:
    """Make the rows of `existing` equal `wanted` (key → values); returns how many rows differed."""
    key_fields = tuple(key_fields)
    value_fields = tuple(next(iter(wanted.values())).keys()) if wanted else ()
    have = {tuple(row[f] for f in key_fields): row for row in existing.values("pk", *key_fields, *value_fields)}
    stale = [row["pk"] for key, row in have.items() if key not in wanted]
    fresh, updates = [], []
    for key, values in wanted.items():
        row = have.get(key)
        if row is None:
            fresh.append(model(**dict(zip(key_fields, key, strict=True)), **values))
        elif any(row[f] != v for f, v in values.items()):
            updates.append(model(pk=row["pk"], **values))
    if stale:
        model._default_manager.filter(pk__in=stale).delete()
    model._default_manager.bulk_create(fresh, batch_size=5000)
    if updates:
        model._default_manager.bulk_update(updates, list(value_fields), batch_size=5000)
    return len(stale) + len(fresh) + len(updates)


def open_steps_refresh(today: datetime.date) -> int:
    """Count the steps open now at each office (and those overdue) into the snapshot table."""
    live = (
        Step.objects.filter(OPEN)
        .order_by()
        .values("office_id", "procedure_id")
        .annotate(
            open=Count("pk"),
            overdue=Count("pk", filter=overdue_q(STEP_CLOCK_RUNS, today)),
        )
    )
    wanted = {(r["office_id"], r["procedure_id"]): {"open": r["open"], "overdue": r["overdue"]} for r in live}
    with transaction.atomic():
        return _replace(OpenStepCount.objects.all(), ("office_id", "procedure_id"), wanted, OpenStepCount)


def summaries_update() -> SummaryCheck:
    """Beat's frequent run: today and yesterday, plus the days of dossiers filed since the last run
    with an earlier time of receipt (partners may send it)."""
    today = timezone.localdate()
    previous = SummaryCheck.objects.order_by("-finished_at").first()
    first = today - datetime.timedelta(days=1)
    if previous is not None:
        backdated = Bundle.objects.filter(pk__gt=previous.last_bundle_id).order_by("received_at").first()
        if backdated is not None:
            first = min(first, timezone.localdate(backdated.received_at))
    return summaries_refresh(first, today)


def summaries_rebuild() -> SummaryCheck:
    """The nightly rebuild: every day from the first dossier to today, compared with the raw data."""
    oldest = Bundle.objects.order_by("received_at").values_list("received_at", flat=True).first()
    today = timezone.localdate()
    return summaries_refresh(timezone.localdate(oldest) if oldest else today, today, full=True)
