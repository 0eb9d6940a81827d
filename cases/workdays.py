"""Vietnamese civil-service working days, for dossier deadlines and reports.

A working day is Monday to Friday, less the public holidays of the Labour Code (art. 112; a holiday
on a weekend gives a weekday off), taken from the `holidays` package. On top of that the Ministry of
Home Affairs announces each year extra days off and extra working Saturdays; those live in the
database and are passed in, so an administrator's edit moves deadlines without a release.

Deadlines follow Decree 63/2024/NĐ-CP: a dossier received after the cut-off (15:00 local time) or on
a day off starts its clock on the next working day; the clock-start day is day 1; a due date is the
last working day allowed. Whether a date is past its due date is a plain date comparison.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from functools import cache
from zoneinfo import ZoneInfo

import holidays

ONE_DAY = datetime.timedelta(days=1)
# The civil service's office hours (morning and afternoon, eight hours a working day): the hours of
# the escalation ladder's thresholds are these hours, on working days.
OFFICE_HOURS = ((datetime.time(7, 30), datetime.time(11, 30)), (datetime.time(13, 30), datetime.time(17, 30)))

# The package also carries its own copy of some of the ministry's swaps (31 August 2026 "substituted
# from 22 August 2026", and older years). Swaps must come only from the database, otherwise a swap the
# package knows but the administrator removed would stay half-applied (the day off without the working
# Saturday), and upgrading the package could move deadlines. The label is matched in a pinned language;
# tests/cases/test_workdays.py fails if the package ever renames it.
_SWAP_LABEL_PREFIX = "Day off (substituted from"


@cache
def _statutory_holidays(year: int) -> frozenset[datetime.date]:
    """The Labour Code's days off in `year`, including the package's observed days for holidays that
    fall on a weekend.

    Cached for the life of the process: the law's calendar for a year never changes while the portal
    runs, and every dossier filing asks for it."""
    year_holidays = holidays.country_holidays("VN", years=year, language="en_US")
    return frozenset(day for day, name in year_holidays.items() if not name.startswith(_SWAP_LABEL_PREFIX))


class WorkingCalendar:
    """The working days of the province's agencies: the law's calendar plus the year's announced swaps.

    Build one from the swap table and reuse it; it holds no per-call state."""

    def __init__(
        self,
        *,
        extra_days_off: Iterable[datetime.date] = (),
        extra_working_days: Iterable[datetime.date] = (),
        cutoff: datetime.time = datetime.time(15, 0),
        timezone: str = "Asia/Ho_Chi_Minh",
    ) -> None:
        self.extra_days_off = frozenset(extra_days_off)
        self.extra_working_days = frozenset(extra_working_days)
        self.cutoff = cutoff
        self.zone = ZoneInfo(timezone)

    def is_working_day(self, day: datetime.date) -> bool:
        """Whether the agencies work on `day`.

        An announced working day wins over a weekend or holiday (the ministry swaps Saturdays in); an
        announced day off wins over a weekday."""
        if day in self.extra_working_days:
            return True
        if day in self.extra_days_off or day in _statutory_holidays(day.year):
            return False
        return day.weekday() < 5

    def next_working_day(self, day: datetime.date) -> datetime.date:
        """The first working day strictly after `day`."""
        day += ONE_DAY
        while not self.is_working_day(day):
            day += ONE_DAY
        return day

    def clock_start(self, received_at: datetime.datetime) -> datetime.date:
        """The day a dossier's clock starts, from the moment it was received (timezone-aware).

        The day of receipt if it is a working day and the dossier came by the cut-off (15:00:00
        counts, 15:00:01 does not), otherwise the next working day."""
        if received_at.utcoffset() is None:
            # A naive time would be read in the server's zone, which is UTC in production: a dossier
            # filed at 16:00 in Hanoi would pass as 09:00 and get a day less than the law gives.
            raise ValueError("received_at must be timezone-aware")
        # The cut-off is a wall-clock time at the agency, not in UTC.
        local = received_at.astimezone(self.zone)
        day = local.date()
        if self.is_working_day(day) and local.time() <= self.cutoff:
            return day
        return self.next_working_day(day)

    def due_date(self, start: datetime.date, working_days: int) -> datetime.date:
        """The last day allowed when `working_days` working days are allowed from `start`.

        `start` is the clock-start day and counts as day 1, so one working day is due the same day.
        `start` must be a working day (use clock_start to get one)."""
        if working_days < 1:
            raise ValueError(f"at least one working day must be allowed, not {working_days}")
        if not self.is_working_day(start):
            # A clock never starts on a day off; silently counting from one would shift the deadline.
            raise ValueError(f"{start} is not a working day")
        day = start
        for _ in range(working_days - 1):
            day = self.next_working_day(day)
        return day

    def working_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """How many working days lie from `start` to `end`, both included (0 when `end` precedes
        `start`); reports and countdowns use it. Weekdays are counted by arithmetic, then each
        holiday or announced swap in the span corrects the count, so a span of years costs what a
        week does."""
        if end < start:
            return 0
        weeks, rest = divmod((end - start).days + 1, 7)
        count = weeks * 5 + sum((start.weekday() + offset) % 7 < 5 for offset in range(rest))
        exceptions = set(self.extra_days_off) | set(self.extra_working_days)
        for year in range(start.year, end.year + 1):
            exceptions |= _statutory_holidays(year)
        for day in exceptions:
            if start <= day <= end:
                count += self.is_working_day(day) - (day.weekday() < 5)
        return count

    def previous_working_day(self, day: datetime.date) -> datetime.date:
        """The last working day strictly before `day`."""
        day -= ONE_DAY
        while not self.is_working_day(day):
            day -= ONE_DAY
        return day

    def opening(self, day: datetime.date) -> datetime.datetime:
        """When the offices open on `day` (a working day), in the agencies' zone."""
        return datetime.datetime.combine(day, OFFICE_HOURS[0][0], tzinfo=self.zone)

    def _office_spans(self, day: datetime.date) -> list[tuple[datetime.datetime, datetime.datetime]]:
        if not self.is_working_day(day):
            return []
        return [
            (
                datetime.datetime.combine(day, start, tzinfo=self.zone),
                datetime.datetime.combine(day, end, tzinfo=self.zone),
            )
            for start, end in OFFICE_HOURS
        ]

    def working_hours_between(self, start: datetime.datetime, end: datetime.datetime) -> float:
        """The office hours of working days that lie between two moments (0 when `end` is not
        after `start`): how long something has waited, as the ladder's thresholds count it."""
        if end <= start:
            return 0.0
        seconds = 0.0
        day, last = start.astimezone(self.zone).date(), end.astimezone(self.zone).date()
        while day <= last:
            for opens, closes in self._office_spans(day):
                seconds += max(0.0, (min(closes, end) - max(opens, start)).total_seconds())
            day += ONE_DAY
        return seconds / 3600

    def add_working_hours(self, start: datetime.datetime, hours: float) -> datetime.datetime:
        """The moment `hours` office hours of working days after `start` (a wait that began out of
        hours counts from the next opening)."""
        left = datetime.timedelta(hours=hours)
        day = start.astimezone(self.zone).date()
        while True:
            for opens, closes in self._office_spans(day):
                begin = max(opens, start)
                if begin < closes:
                    if begin + left <= closes:
                        return begin + left
                    left -= closes - begin
            day += ONE_DAY
