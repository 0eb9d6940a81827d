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
        ["admin", "portal.integration", "province.40", "clerk.16690", "clerk.17329", "head.civil_status.16690"]
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
    # The head of the ward's civil-status office (its escalation ladder); nobody else heads anything.
    head = users["head.civil_status.16690"]
    assert (head.role, head.office, head.heads_workplace) == (
        UserRole.OFFICER,
        users["civil_status.16690"].office,
        True,
    )
    assert [u.username for u in users.values() if u.heads_workplace] == ["head.civil_status.16690"]


def test_seed_demo_again_resets_passwords_and_adds_nobody():
    call_command("seed_demo", "--password", "first", verbosity=0)
    call_command("seed_demo", "--password", "second", verbosity=0)

    assert User.objects.count() == 18
    assert authenticate(username="clerk.16690", password="first") is None
    assert authenticate(username="clerk.16690", password="second") is not None


def test_seed_demo_needs_a_password():
    with pytest.raises(CommandError):
        call_command("seed_demo", verbosity=0)

    assert User.objects.count() == 0


def test_every_demo_account_is_a_person_with_a_name_not_the_office_name():
    call_command("seed_demo", "--password", "demo-pw", verbosity=0)

    users = {u.username: u for u in User.objects.select_related("commune", "office", "province")}
    assert users["clerk.16690"].display_name == "Nguyễn Thị Thu Hà (Bộ phận một cửa phường Trường Vinh)"
    assert users["civil_status.16690"].display_name == "Trần Văn Minh (Tư pháp - Hộ tịch, UBND phường Trường Vinh)"
    assert users["residence.17329"].display_name == "Ngô Đức Thắng (Công an xã Anh Sơn)"
    assert users["province.40"].display_name == "Nguyễn Hữu Phước (Văn phòng UBND tỉnh Nghệ An)"
    assert (users["residence.16690"].last_name, users["residence.16690"].first_name) == ("Lê", "Quang Huy")
    people = [u for u in users.values() if u.username != "portal.integration"]
    assert len({u.get_full_name() for u in people}) == 17  # each person has their own name
    assert not [u for u in people if u.office and u.get_full_name() == u.office.name]
