"""Working days of 2026 (Tết, the August swap, National Day), the 15:00 cut-off in Hanoi time, due dates
and the working-day count of reports. Pure calendar arithmetic: no database."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from cases.workdays import WorkingCalendar

D = datetime.date.fromisoformat
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
UTC = datetime.UTC

# The ministry's 2026 announcements, as the swap table would hand them over.
TET_2026_DAYS_OFF = [D("2026-02-14") + datetime.timedelta(days=n) for n in range(9)]  # 14 to 22 February
EXTRA_DAYS_OFF_2026 = [*TET_2026_DAYS_OFF, D("2026-08-31")]
EXTRA_WORKING_DAYS_2026 = [D("2026-08-22")]


def calendar_2026() -> WorkingCalendar:
    return WorkingCalendar(extra_days_off=EXTRA_DAYS_OFF_2026, extra_working_days=EXTRA_WORKING_DAYS_2026)


def hanoi(iso: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(iso).replace(tzinfo=HANOI)


def utc(iso: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(iso).replace(tzinfo=UTC)


# --- What the law gives, from the `holidays` package ---------------------------------------------


def test_the_weekdays_off_of_2026_by_law_alone():
    """Pins what the package gives for 2026, so an upgrade that changes it fails here first."""
    # given a calendar without any announced swap
    calendar = WorkingCalendar()

    # when every weekday of 2026 is checked
    days = [D("2026-01-01") + datetime.timedelta(days=n) for n in range(365)]
    weekdays_off = [day for day in days if day.weekday() < 5 and not calendar.is_working_day(day)]

    # then the weekdays off are New Year, Tết (30th of the 12th month to the 4th of the 1st), the Monday
    # after Hùng Kings day (Sunday 26 April), 30 April, 1 May, 1 and 2 September, and 24 November
    assert weekdays_off == [
        D("2026-01-01"),
        D("2026-02-16"),
        D("2026-02-17"),
        D("2026-02-18"),
        D("2026-02-19"),
        D("2026-02-20"),
        D("2026-04-27"),
        D("2026-04-30"),
        D("2026-05-01"),
        D("2026-09-01"),
        D("2026-09-02"),
        D("2026-11-24"),
    ]


def test_the_package_s_own_copy_of_the_august_swap_is_ignored():
    """Swaps come only from the swap table: without it, 31 August 2026 is an ordinary Monday."""
    # given a calendar without any announced swap
    calendar = WorkingCalendar()

    # when the two days of the August 2026 swap are checked
    monday_31_august = calendar.is_working_day(D("2026-08-31"))
    saturday_22_august = calendar.is_working_day(D("2026-08-22"))

    # then neither half of the swap applies
    assert monday_31_august is True
    assert saturday_22_august is False


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-04-26", False),  # Hùng Kings day (10th of the 3rd lunar month) on a Sunday
        ("2026-04-27", False),  # so the Monday is off
        ("2026-04-28", True),
        ("2027-05-01", False),  # Labour Day on a Saturday
        ("2027-05-03", False),  # so the Monday is off
        ("2027-05-04", True),
        ("2022-01-01", False),  # New Year on a Saturday
        ("2022-01-03", False),  # so the Monday is off
    ],
)
def test_a_holiday_on_a_weekend_gives_the_next_working_day_off(day, working):
    # given a calendar without any announced swap
    calendar = WorkingCalendar()

    # when the day is checked
    result = calendar.is_working_day(D(day))

    # then the weekday after the weekend holiday is off
    assert result is working


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-03-06", True),  # Friday
        ("2026-03-07", False),  # Saturday
        ("2026-03-08", False),  # Sunday
        ("2026-03-09", True),  # Monday
    ],
)
def test_weekends_are_not_working_days(day, working):
    # given the 2026 calendar
    calendar = calendar_2026()

    # when an ordinary week is checked
    result = calendar.is_working_day(D(day))

    # then Saturday and Sunday are off
    assert result is working


# --- Tết 2026 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-02-13", True),  # the Friday before
        ("2026-02-14", False),  # Saturday, first of the nine days off
        ("2026-02-16", False),  # the last day of the 12th lunar month
        ("2026-02-17", False),  # Tết, 1st day of the 1st lunar month
        ("2026-02-20", False),  # the 4th day
        ("2026-02-22", False),  # Sunday, last of the nine days off
        ("2026-02-23", True),  # back to work
    ],
)
def test_tet_2026(day, working):
    # given the 2026 calendar
    calendar = calendar_2026()

    # when a day around Tết is checked
    result = calendar.is_working_day(D(day))

    # then 14 to 22 February are off
    assert result is working


def test_a_dossier_received_before_the_cut_off_on_the_eve_of_tet():
    # given the 2026 calendar and a dossier received on Friday 13 February 2026 at 14:00
    calendar = calendar_2026()
    received_at = hanoi("2026-02-13T14:00")

    # when its clock starts and three working days are allowed
    start = calendar.clock_start(received_at)
    due = calendar.due_date(start, 3)

    # then day 1 is Friday 13, day 2 Monday 23 after the nine days off, and day 3 Tuesday 24 February
    assert start == D("2026-02-13")
    assert due == D("2026-02-24")


def test_a_dossier_received_after_the_cut_off_on_the_eve_of_tet():
    # given the 2026 calendar and a dossier received on Friday 13 February 2026 at 15:30
    calendar = calendar_2026()
    received_at = hanoi("2026-02-13T15:30")

    # when its clock starts
    start = calendar.clock_start(received_at)

    # then it starts on Monday 23 February, after the nine days off
    assert start == D("2026-02-23")


def test_a_dossier_received_during_tet():
    # given the 2026 calendar and a dossier filed online on the morning of Tết
    calendar = calendar_2026()
    received_at = hanoi("2026-02-17T09:00")

    # when its clock starts
    start = calendar.clock_start(received_at)

    # then it starts on Monday 23 February
    assert start == D("2026-02-23")


# --- The August 2026 swap and National Day -------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-08-21", True),  # Friday
        ("2026-08-22", True),  # the working Saturday
        ("2026-08-23", False),  # Sunday
        ("2026-08-31", False),  # the Monday given in exchange
        ("2026-09-01", False),  # the day the package adds to National Day (2 September is a Wednesday)
        ("2026-09-02", False),  # National Day
        ("2026-09-03", True),
    ],
)
def test_the_august_swap_and_national_day_2026(day, working):
    # given the 2026 calendar
    calendar = calendar_2026()

    # when a day around the swap is checked
    result = calendar.is_working_day(D(day))

    # then Saturday 22 August is worked and 31 August to 2 September are off
    assert result is working


def test_a_dossier_received_late_on_friday_starts_on_the_working_saturday():
    # given the 2026 calendar and a dossier received on Friday 21 August 2026 at 16:00
    calendar = calendar_2026()
    received_at = hanoi("2026-08-21T16:00")

    # when its clock starts and three working days are allowed
    start = calendar.clock_start(received_at)
    due = calendar.due_date(start, 3)

    # then day 1 is Saturday 22 August, then Monday 24 and Tuesday 25
    assert start == D("2026-08-22")
    assert due == D("2026-08-25")


def test_a_dossier_received_late_before_national_day():
    # given the 2026 calendar and a dossier received on Friday 28 August 2026 at 15:01
    calendar = calendar_2026()
    received_at = hanoi("2026-08-28T15:01")

    # when its clock starts
    start = calendar.clock_start(received_at)

    # then the weekend, the swapped Monday and National Day pass: Thursday 3 September
    assert start == D("2026-09-03")


def test_a_due_date_across_national_day():
    # given the 2026 calendar
    calendar = calendar_2026()

    # when two working days are allowed from Friday 28 August
    due = calendar.due_date(D("2026-08-28"), 2)

    # then day 2 is Thursday 3 September
    assert due == D("2026-09-03")


# --- The 15:00 cut-off ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received_at", "clock_start"),
    [
        (utc("2026-03-02T07:59:00"), "2026-03-02"),  # 14:59 in Hanoi
        (utc("2026-03-02T08:00:00"), "2026-03-02"),  # 15:00:00 counts
        (utc("2026-03-02T08:00:01"), "2026-03-03"),  # 15:00:01 does not
        (utc("2026-03-01T23:30:00"), "2026-03-02"),  # Sunday in UTC, but 06:30 on Monday in Hanoi
        (utc("2026-03-02T17:30:00"), "2026-03-03"),  # still Monday in UTC, Tuesday 00:30 in Hanoi
    ],
)
def test_the_cut_off_is_read_in_hanoi_time(received_at, clock_start):
    # given the 2026 calendar and a receipt time in UTC
    calendar = calendar_2026()

    # when the clock starts
    result = calendar.clock_start(received_at)

    # then the time was converted to Hanoi time before the cut-off was applied
    assert result == D(clock_start)


def test_the_cut_off_with_another_offset():
    # given the 2026 calendar and a receipt stamped in Tokyo time (two hours ahead of Hanoi)
    calendar = calendar_2026()
    received_at = datetime.datetime(2026, 3, 2, 17, 0, tzinfo=ZoneInfo("Asia/Tokyo"))

    # when the clock starts
    start = calendar.clock_start(received_at)

    # then 17:00 in Tokyo is 15:00 in Hanoi, which counts
    assert start == D("2026-03-02")


@pytest.mark.parametrize(
    ("received_at", "clock_start"),
    [
        ("2026-03-06T15:30", "2026-03-09"),  # Friday after the cut-off: Monday
        ("2026-03-07T08:00", "2026-03-09"),  # Saturday morning: Monday
        ("2026-03-08T23:59", "2026-03-09"),  # Sunday night: Monday
        ("2026-04-24T16:00", "2026-04-28"),  # Friday late before the Hùng Kings Monday off: Tuesday
        ("2026-12-31T16:00", "2027-01-04"),  # New Year's Eve late: past 1 January 2027 and the weekend
    ],
)
def test_a_dossier_received_after_the_cut_off_or_on_a_day_off(received_at, clock_start):
    # given the 2026 calendar
    calendar = calendar_2026()

    # when the clock starts
    result = calendar.clock_start(hanoi(received_at))

    # then it starts on the next working day
    assert result == D(clock_start)


def test_the_cut_off_is_a_parameter():
    # given a calendar whose cut-off is 16:30
    calendar = WorkingCalendar(cutoff=datetime.time(16, 30))

    # when dossiers arrive at 16:30 and at 16:31 on Monday 2 March 2026
    at_the_cut_off = calendar.clock_start(hanoi("2026-03-02T16:30"))
    after_the_cut_off = calendar.clock_start(hanoi("2026-03-02T16:31"))

    # then the first starts the same day and the second the next
    assert at_the_cut_off == D("2026-03-02")
    assert after_the_cut_off == D("2026-03-03")


def test_a_naive_receipt_time_is_refused():
    # given the 2026 calendar
    calendar = calendar_2026()

    # when a receipt time comes without a time zone
    # then it is refused rather than read in the server's zone
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.clock_start(datetime.datetime(2026, 3, 2, 14, 0))


# --- Due dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "working_days", "due"),
    [
        ("2026-03-02", 1, "2026-03-02"),  # the clock-start day is day 1
        ("2026-03-02", 5, "2026-03-06"),
        ("2026-03-06", 2, "2026-03-09"),  # over a weekend
        ("2026-03-02", 10, "2026-03-13"),
        ("2026-04-29", 2, "2026-05-04"),  # over 30 April, 1 May and the weekend
        ("2026-08-22", 1, "2026-08-22"),  # the working Saturday can be day 1
    ],
)
def test_due_dates(start, working_days, due):
    # given the 2026 calendar
    calendar = calendar_2026()

    # when the due date is worked out
    result = calendar.due_date(D(start), working_days)

    # then it is the last working day allowed
    assert result == D(due)


@pytest.mark.parametrize("start", ["2026-02-17", "2026-03-07", "2026-08-31"])  # Tết, a Saturday, a swapped Monday
def test_a_due_date_must_start_on_a_working_day(start):
    # given the 2026 calendar
    calendar = calendar_2026()

    # when a due date is asked from a day off
    # then it is refused
    with pytest.raises(ValueError, match="not a working day"):
        calendar.due_date(D(start), 3)


def test_at_least_one_working_day_must_be_allowed():
    # given the 2026 calendar
    calendar = calendar_2026()

    # when a due date is asked for no working day
    # then it is refused
    with pytest.raises(ValueError, match="at least one working day"):
        calendar.due_date(D("2026-03-02"), 0)


def test_an_announced_working_day_wins_over_a_holiday_and_a_day_off_over_a_weekday():
    # given a calendar where the ministry made 1 January 2026 a working day and 2 January a day off
    calendar = WorkingCalendar(extra_working_days=[D("2026-01-01")], extra_days_off=[D("2026-01-02")])

    # when both days are checked
    new_year = calendar.is_working_day(D("2026-01-01"))
    friday = calendar.is_working_day(D("2026-01-02"))

    # then the announcements win
    assert new_year is True
    assert friday is False


def test_the_next_working_day_is_strictly_after():
    # given the 2026 calendar
    calendar = calendar_2026()

    # when the next working day after a working Monday and after the Friday before Tết is asked
    after_monday = calendar.next_working_day(D("2026-03-02"))
    after_friday = calendar.next_working_day(D("2026-02-13"))

    # then it is the day after, or the first day back
    assert after_monday == D("2026-03-03")
    assert after_friday == D("2026-02-23")


# --- Working days between two dates (reports) ----------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        ("2026-02-09", "2026-02-27", 10),  # three weeks, the middle one all Tết
        ("2026-02-13", "2026-02-23", 2),  # both ends count
        ("2026-02-14", "2026-02-22", 0),  # the nine days off
        ("2026-03-02", "2026-03-02", 1),  # one working day
        ("2026-08-17", "2026-09-04", 13),  # the working Saturday counts, 31 August to 2 September do not
        ("2026-02-27", "2026-02-09", 0),  # end before start
    ],
)
def test_working_days_between(start, end, count):
    # given the 2026 calendar
    calendar = calendar_2026()

    # when the working days from start to end are counted
    result = calendar.working_days_between(D(start), D(end))

    # then both ends are included
    assert result == count


def test_working_days_between_counts_as_walking_day_by_day_would():
    """The arithmetic count agrees with the definition (every day from start to end, both included)
    over spans from nothing to more than a year, across Tết, the August swap and New Year."""
    calendar = calendar_2026()

    def walked(start: datetime.date, end: datetime.date) -> int:
        days = (end - start).days + 1
        return sum(calendar.is_working_day(start + datetime.timedelta(days=n)) for n in range(max(days, 0)))

    spans = [
        (datetime.date(2025, 12, 1) + datetime.timedelta(days=first), length)
        for first in range(0, 320, 3)
        for length in (-1, 0, 1, 2, 5, 6, 7, 8, 13, 30, 61, 200, 400)
    ]
    assert [calendar.working_days_between(s, s + datetime.timedelta(days=n)) for s, n in spans] == [
        walked(s, s + datetime.timedelta(days=n)) for s, n in spans
    ]
    assert calendar.working_days_between(datetime.date(2026, 2, 13), datetime.date(2026, 2, 23)) == 2  # Fri, Mon
