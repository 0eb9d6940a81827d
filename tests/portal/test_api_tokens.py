"""API tokens expire API_TOKEN_LIFETIME days after they were issued, their holder revokes them with
DELETE /api/v1/auth/token/, and an administrator revokes them in the admin."""

import datetime

import pytest
import time_machine
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from agencies.choices import UserRole

pytestmark = pytest.mark.django_db

ISSUED = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
EXPIRED = {"detail": "Mã truy cập API đã hết hạn. Hãy lấy mã mới tại POST /api/v1/auth/token/."}


@pytest.fixture
def partner(make_user):
    return make_user(UserRole.INTEGRATION, username="vneid")


def obtain() -> str:
    response = APIClient().post("/api/v1/auth/token/", {"username": "vneid", "password": "pw"}, format="json")
    assert response.status_code == 200
    return response.json()["token"]


def units(key: str):
    return APIClient().get("/api/v1/units/", {"level": "province"}, headers={"Authorization": f"Token {key}"})


def test_a_token_works_until_its_lifetime_ends_then_answers_401(partner, settings):
    settings.API_TOKEN_LIFETIME = 30
    with time_machine.travel(ISSUED, tick=False):
        key = obtain()

    with time_machine.travel(ISSUED + datetime.timedelta(days=29, hours=23), tick=False):
        assert units(key).status_code == 200
    with time_machine.travel(ISSUED + datetime.timedelta(days=30), tick=False):
        response = units(key)

    assert response.status_code == 401
    assert response.json() == EXPIRED


def test_obtaining_again_before_expiry_gives_the_same_token_and_after_it_a_new_one(partner, settings):
    settings.API_TOKEN_LIFETIME = 30
    with time_machine.travel(ISSUED, tick=False):
        first = obtain()
    with time_machine.travel(ISSUED + datetime.timedelta(days=10), tick=False):
        assert obtain() == first
    with time_machine.travel(ISSUED + datetime.timedelta(days=31), tick=False):
        second = obtain()
        assert second != first
        assert units(second).status_code == 200
        assert units(first).status_code == 401
    assert list(Token.objects.values_list("key", flat=True)) == [second]


def test_the_holder_revokes_their_token(partner):
    key = obtain()
    client = APIClient()

    response = client.delete("/api/v1/auth/token/", headers={"Authorization": f"Token {key}"})

    assert response.status_code == 204
    assert Token.objects.count() == 0
    assert units(key).status_code == 401
    assert obtain() != key


def test_revoking_needs_a_valid_token(partner):
    obtain()

    assert APIClient().delete("/api/v1/auth/token/").status_code == 401
    assert APIClient().delete("/api/v1/auth/token/", headers={"Authorization": "Token nope"}).status_code == 401
    assert Token.objects.count() == 1


def test_revoking_leaves_other_holders_tokens(partner, make_user):
    other = make_user(UserRole.INTEGRATION, username="bhxh")
    theirs = Token.objects.create(user=other)

    APIClient().delete("/api/v1/auth/token/", headers={"Authorization": f"Token {obtain()}"})

    assert list(Token.objects.values_list("key", flat=True)) == [theirs.key]


def test_an_administrator_revokes_a_token_in_the_admin(partner, make_user):
    key = obtain()
    root = make_user(UserRole.ADMIN, username="root", is_staff=True, is_superuser=True)
    admin = Client()
    admin.force_login(root)

    assert "vneid" in admin.get("/admin/authtoken/tokenproxy/").content.decode()
    response = admin.post(f"/admin/authtoken/tokenproxy/{partner.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert units(key).status_code == 401
