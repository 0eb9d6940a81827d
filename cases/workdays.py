"""Vietnamese civil-service working days: Monday to Friday, less the public holidays of the Labour
Code (from the `holidays` package), plus the days the Ministry of Home Affairs swaps each year
(extra days off, extra working Saturdays), which come from the database.

Deadlines follow Decree 63/2024/NĐ-CP: a dossier received after the cut-off (15:00) or on a day
off starts its clock on the next working day; the clock-start day is day 1; a due date is the last
working day allowed.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

ONE_DAY = datetime.timedelta(days=1)


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("VN", years=year))


class WorkingCalendar:
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
        """An announced working day wins over a weekend; an announced day off over a weekday."""
        if day in self.extra_working_days:
            return True
        if day in self.extra_days_off or day in _public_holidays(day.year):
            return False
        return day.weekday() < 5

    def next_working_day(self, day: datetime.date) -> datetime.date:
        """The first working day strictly after `day`."""
        day += ONE_DAY
        while not self.is_working_day(day):
            day += ONE_DAY
        return day

    def clock_start(self, received_at: datetime.datetime) -> datetime.date:
        """The day a dossier's clock starts: the day of receipt if it is a working day and the
        dossier came by the cut-off (15:00:00 counts), otherwise the next working day."""
        local = received_at.astimezone(self.zone)
        day = local.date()
        if self.is_working_day(day) and local.time() <= self.cutoff:
            return day
        return self.next_working_day(day)

    def due_date(self, start: datetime.date, working_days: int) -> datetime.date:
        """The last day allowed when `working_days` are allowed from `start` (day 1)."""
        if working_days < 1:
            raise ValueError("at least one working day is allowed")
        if not self.is_working_day(start):
            raise ValueError(f"{start} is not a working day")
        day = start
        for _ in range(working_days - 1):
            day = self.next_working_day(day)
        return day

    def working_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days from `start` to `end`, both included (0 when end precedes start)."""
        count, day = 0, start
        while day <= end:
            count += self.is_working_day(day)
            day += ONE_DAY
        return count
