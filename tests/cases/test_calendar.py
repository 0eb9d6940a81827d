"""Working days around Tết 2026 and the swapped days of August 2026, and the 15:00 cut-off."""

import datetime

import pytest

from cases import rules
from cases.models import CalendarOverride
from cases.workdays import WorkingCalendar
from tests.cases.conftest import at

D = datetime.date.fromisoformat
UTC = datetime.UTC

CALENDAR = WorkingCalendar(
    extra_days_off=[D("2026-02-14") + datetime.timedelta(days=n) for n in range(9)] + [D("2026-08-31")],
    extra_working_days=[D("2026-08-22")],
)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-02-13", True),  # Friday before Tết
        ("2026-02-16", False),  # the last day of the lunar year
        ("2026-02-17", False),  # Tết
        ("2026-02-20", False),
        ("2026-02-21", False),  # Saturday
        ("2026-02-23", True),  # back to work
        ("2026-04-27", False),  # Hùng Kings day fell on Sunday 26 April: Monday off
        ("2026-08-22", True),  # the working Saturday
        ("2026-08-31", False),  # the Monday given in exchange
        ("2026-09-01", False),
        ("2026-09-02", False),
        ("2026-09-03", True),
    ],
)
def test_working_days_of_2026(day, working):
    assert CALENDAR.is_working_day(D(day)) is working


@pytest.mark.parametrize(
    ("received_at", "clock_start"),
    [
        (at(2026, 3, 2, 14, 59), "2026-03-02"),
        (datetime.datetime(2026, 3, 2, 8, 0, 0, tzinfo=UTC), "2026-03-02"),  # 15:00:00 in Vinh counts
        (datetime.datetime(2026, 3, 2, 8, 0, 1, tzinfo=UTC), "2026-03-03"),  # 15:00:01 does not
        (at(2026, 2, 13, 14, 0), "2026-02-13"),
        (at(2026, 2, 13, 15, 30), "2026-02-23"),  # after the cut-off on the eve of nine days off
        (at(2026, 2, 18, 9, 0), "2026-02-23"),  # during Tết
        (at(2026, 8, 21, 16, 0), "2026-08-22"),  # Friday late: the working Saturday
        (at(2026, 8, 22, 16, 0), "2026-08-24"),
        (at(2026, 8, 28, 15, 1), "2026-09-03"),  # 29-30 Aug weekend, 31 Aug off, 1-2 Sep National Day
    ],
)
def test_the_clock_start(received_at, clock_start):
    assert CALENDAR.clock_start(received_at) == D(clock_start)


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        ("2026-03-02", 1, "2026-03-02"),  # the clock-start day is day 1
        ("2026-03-02", 3, "2026-03-04"),
        ("2026-03-02", 5, "2026-03-06"),
        ("2026-02-12", 3, "2026-02-23"),  # Thu, Fri, then nine days off
        ("2026-02-13", 3, "2026-02-24"),
        ("2026-08-20", 3, "2026-08-22"),  # the Saturday counts
        ("2026-08-21", 3, "2026-08-24"),
        ("2026-08-27", 3, "2026-09-03"),  # Thu, Fri, then Thursday 3 September
        ("2026-03-02", 10, "2026-03-13"),
    ],
)
def test_due_dates(start, days, due):
    assert CALENDAR.due_date(D(start), days) == D(due)


def test_a_due_date_must_start_on_a_working_day():
    with pytest.raises(ValueError):
        CALENDAR.due_date(D("2026-02-17"), 3)


def test_working_days_between_across_tet():
    assert CALENDAR.working_days_between(D("2026-02-09"), D("2026-02-27")) == 10
    assert CALENDAR.working_days_between(D("2026-02-27"), D("2026-02-09")) == 0


@pytest.mark.django_db
def test_the_portal_calendar_is_the_table_the_admin_edits():
    """Shipped: the 2026 swaps. An administrator adding a day off moves deadlines at once."""
    assert rules.calendar().due_date(D("2026-08-20"), 3) == D("2026-08-22")

    CalendarOverride.objects.create(day=D("2026-08-21"), working=False, note="bão")
    rules.clear_cache()

    assert rules.calendar().due_date(D("2026-08-20"), 3) == D("2026-08-24")
