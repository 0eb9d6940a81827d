"""The portal's limits and calendar are the tables the administrator edits (the arithmetic of
working days itself is in test_workdays.py)."""

import datetime

import pytest

from cases import rules
from cases.models import CalendarOverride, Setting

D = datetime.date.fromisoformat

pytestmark = pytest.mark.django_db


def test_the_shipped_2026_swaps_are_in_the_calendar():
    calendar = rules.calendar()

    assert (calendar.is_working_day(D("2026-08-22")), calendar.is_working_day(D("2026-08-31"))) == (True, False)
    assert calendar.due_date(D("2026-08-20"), 3) == D("2026-08-22")


def test_a_day_off_added_by_the_administrator_moves_deadlines():
    CalendarOverride.objects.create(day=D("2026-08-21"), working=False, note="bão")
    rules.clear_cache()

    assert rules.calendar().due_date(D("2026-08-20"), 3) == D("2026-08-24")


def test_a_limit_changed_from_a_date_applies_from_that_date():
    Setting.objects.create(key="limit.step.permanent_residence", value=5, valid_from=D("2027-01-01"))
    Setting.objects.filter(key="limit.step.permanent_residence", valid_from=D("2021-01-01")).update(
        valid_to=D("2026-12-31")
    )
    rules.clear_cache()

    assert rules.step_limit("permanent_residence", "", D("2026-12-31")) == 2
    assert rules.step_limit("permanent_residence", "", D("2027-01-01")) == 5


def test_a_missing_setting_says_which():
    with pytest.raises(rules.MissingSetting) as raised:
        rules.setting("limit.step.child_identity_card", D("2026-03-02"))

    assert str(raised.value) == "Tham số limit.step.child_identity_card không có giá trị vào ngày 2026-03-02."
