"""Issue 30 §1: the province sees, per office, how many steps reached each rung of the escalation
ladder in a period, beside the SLA table, and exports it."""

import pytest
import time_machine

from agencies.choices import UserRole
from cases import rules
from cases.models import Escalation, Setting
from tests.cases.conftest import at
from tests.cases.test_ladder import climb, file, first_step

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed(make_user, integration):
    """Monday 7/12/2026: three direct dossiers at 08:00 (their birth registration unclaimed) and an
    online one at 08:00 no clerk takes up; the beat climbs on Wednesday 10:00 and Thursday 10:00."""
    Setting.objects.filter(key="limit.step.birth_registration").update(value=5)
    rules.clear_cache()
    desk = make_user(UserRole.CLERK, commune="16690")
    steps = [first_step(file(desk, at(2026, 12, 7, 8), n)) for n in range(3)]
    online = file(integration, at(2026, 12, 7, 8), 9, channel="online")
    climb(at(2026, 12, 8, 10))  # Tuesday: each step at rung 2; the online dossier at rung 1 (since Monday 14:00)
    climb(at(2026, 12, 9, 10))  # Wednesday: each step at rung 3; the online dossier at rung 2
    return steps, online


def test_the_counts_per_office_and_rung_in_the_period(filed, make_user, client):
    steps, _online = filed
    office = steps[0].office.name

    with time_machine.travel(at(2026, 12, 10, 9), tick=False):
        client.force_login(make_user(UserRole.PROVINCIAL, username="so-noi-vu"))
        tuesday = client.get("/reports/ladder/", {"from": "08/12/2026", "to": "08/12/2026"})
        week = client.get("/reports/ladder/", {"from": "07/12/2026", "to": "11/12/2026"})
        exported = client.get("/reports/ladder/", {"from": "07/12/2026", "to": "11/12/2026", "export": "csv"})

    assert [(row.where, row.holder, row.head, row.province) for row in tuesday.context["rows"]] == [
        (office, 4, 4, 0),
        ("Bộ phận một cửa phường Trường Vinh", 1, 0, 0),
    ]
    assert [(row.where, row.holder, row.head, row.province) for row in week.context["rows"]] == [
        (office, 4, 4, 4),
        ("Bộ phận một cửa phường Trường Vinh", 1, 1, 0),
    ]
    assert week.context["totals"] == [5, 5, 4]
    assert exported["Content-Disposition"] == 'attachment; filename="ladder-2026-12-07-2026-12-11.csv"'
    assert exported.content.decode("utf-8-sig").splitlines() == [
        "Cơ quan;Bậc 1: cán bộ giữ hồ sơ;Bậc 2: lãnh đạo cơ quan;Bậc 3: cấp tỉnh",
        f"{office};4;4;4",
        "Bộ phận một cửa phường Trường Vinh;1;1;0",
    ]
    assert Escalation.objects.count() == 14


def test_only_provincial_staff_see_the_counts(filed, officer, client):
    client.force_login(officer("civil_status"))
    assert client.get("/reports/ladder/").status_code == 403
