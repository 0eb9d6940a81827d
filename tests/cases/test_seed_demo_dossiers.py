"""The demo dossiers `make run` files: the states a first visitor sees, filed once."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from agencies.models import User
from cases.models import Bundle, Escalation
from cases.selectors import ladder_for_user

pytestmark = pytest.mark.django_db


def test_the_demo_dossiers_are_filed_once_at_different_points_of_their_way():
    call_command("seed_demo", "--password", "pw", verbosity=0)
    call_command("seed_demo_dossiers", verbosity=0)
    call_command("seed_demo_dossiers", verbosity=0)

    states = [
        (bundle.data.get("child", bundle.data.get("deceased"))["full_name"], bundle.state, bundle.channel,
         bundle.filed_by.username, sorted(bundle.steps.values_list("state", flat=True)))
        for bundle in Bundle.objects.order_by("pk")
    ]  # fmt: skip
    assert states == [
        ("Trần Minh An", "in_progress", "direct", "clerk.16690", ["ready", "waiting", "waiting"]),
        ("Hồ Ngọc Ánh", "in_progress", "online", "portal.integration", ["ready", "waiting", "waiting"]),
        ("Phạm Gia Huy", "in_progress", "direct", "clerk.16690", ["done", "ready"]),
        ("Đặng Thu Hà", "completed", "direct", "clerk.16690", ["done", "done"]),
        ("Lê Văn Tâm", "in_progress", "direct", "clerk.16690", ["done", "ready", "returned"]),
        ("Lê Gia Bảo", "in_progress", "online", "portal.integration", ["in_progress", "waiting", "waiting"]),
        ("Nguyễn Khánh Linh", "in_progress", "online", "portal.integration", ["ready", "waiting", "waiting"]),
    ]


def test_the_demo_has_something_on_each_rung_of_the_ladder_and_its_notices_written():
    call_command("seed_demo", "--password", "pw", verbosity=0)
    call_command("seed_demo_dossiers", verbosity=0)

    head = User.objects.get(username="head.civil_status.16690")
    on_ladder = {
        (position.step.bundle.subject_name, position.rung)
        for position in ladder_for_user(user=head, now=timezone.now())
    }
    assert {rung for _name, rung in on_ladder} == {1, 2, 3}
    assert ("Lê Gia Bảo", 2) in on_ladder
    assert ("Nguyễn Khánh Linh", 3) in on_ladder
    told = Escalation.objects.filter(step__isnull=False).values_list("step__bundle__data__child__full_name", "rung")
    assert {("Nguyễn Khánh Linh", 1), ("Nguyễn Khánh Linh", 2), ("Nguyễn Khánh Linh", 3)} <= set(told)
