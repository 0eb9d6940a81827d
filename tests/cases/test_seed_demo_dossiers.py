"""The demo dossiers `make run` files: the states a first visitor sees, filed once."""

import pytest
from django.core.management import call_command

from cases.models import Bundle

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
    ]
