"""The demo accounts: who they are, where they work, and that a re-run changes nothing else."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.utils import timezone

from agencies.choices import AgencyRole, UserRole
from agencies.models import User
from agencies.selectors import office_for_role

pytestmark = pytest.mark.django_db

ROLES = [role.value for role in AgencyRole]


def test_seed_demo_creates_every_account_with_its_attachment():
    call_command("seed_demo", "--password", "demo-pw", verbosity=0)

    users = {u.username: u for u in User.objects.select_related("commune", "office", "province")}
    assert sorted(users) == sorted(
        ["admin", "portal.integration", "province.40", "clerk.16690", "clerk.17329"]
        + [f"{role}.{code}" for code in ("16690", "17329") for role in ROLES]
    )
    assert (users["clerk.16690"].role, users["clerk.16690"].commune.name) == (UserRole.CLERK, "Phường Trường Vinh")
    assert (users["clerk.17329"].role, users["clerk.17329"].commune.name) == (UserRole.CLERK, "Xã Anh Sơn")
    assert (users["province.40"].role, users["province.40"].province.name) == (UserRole.PROVINCIAL, "Tỉnh Nghệ An")
    assert (users["admin"].role, users["admin"].is_superuser) == (UserRole.ADMIN, True)
    assert (users["portal.integration"].role, users["portal.integration"].is_staff) == (UserRole.INTEGRATION, False)
    today = timezone.localdate()
    for code in ("16690", "17329"):
        for role in ROLES:
            officer = users[f"{role}.{code}"]
            assert (officer.role, officer.office) == (
                UserRole.OFFICER,
                office_for_role(role=role, commune_code=code, on=today),
            )
    assert authenticate(username="residence.17329", password="demo-pw") == users["residence.17329"]


def test_seed_demo_again_resets_passwords_and_adds_nobody():
    call_command("seed_demo", "--password", "first", verbosity=0)
    call_command("seed_demo", "--password", "second", verbosity=0)

    assert User.objects.count() == 17
    assert authenticate(username="clerk.16690", password="first") is None
    assert authenticate(username="clerk.16690", password="second") is not None


def test_seed_demo_needs_a_password():
    with pytest.raises(CommandError):
        call_command("seed_demo", verbosity=0)

    assert User.objects.count() == 0
