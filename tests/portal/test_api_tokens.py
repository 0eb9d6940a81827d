"""API tokens expire API_TOKEN_LIFETIME days after they were issued, their holder revokes them with
DELETE /api/v1/auth/token/, and an administrator revokes them in the admin. The cache remembers a
token used in the last API_TOKEN_CACHE_SECONDS (issue 32): a request with it then reads no token,
and a revocation or a change of its holder applies on the very next request all the same."""

import datetime
import hashlib
import os

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from agencies.choices import UserRole

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def shared_cache(settings):
    """The cache as production has it, Redis (CACHE_URL, else the broker's database: the test
    command's), remembering tokens a minute; a run with neither has the per-process cache."""
    redis = os.environ.get("CACHE_URL") or os.environ.get("CELERY_BROKER_URL")
    if redis:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis}}
    settings.API_TOKEN_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


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
    assert units(key).status_code == 200  # remembered by the cache
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
    assert units(key).status_code == 200  # remembered by the cache
    root = make_user(UserRole.ADMIN, username="root", is_staff=True, is_superuser=True)
    admin = Client()
    admin.force_login(root)

    assert "vneid" in admin.get("/admin/authtoken/tokenproxy/").content.decode()
    response = admin.post(f"/admin/authtoken/tokenproxy/{partner.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert units(key).status_code == 401


def statements(key: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert units(key).status_code == 200
    return [query["sql"] for query in captured]


def test_a_token_used_again_is_read_from_the_cache_not_the_database(partner):
    key = obtain()

    first, second = statements(key), statements(key)

    assert len(first) == 2
    assert "authtoken_token" in first[0]
    assert len(second) == 1
    assert not any("authtoken_token" in sql or "agencies_user" in sql for sql in second)


def test_the_cache_holds_a_hash_of_the_key_and_neither_the_key_nor_the_password(partner):
    key = obtain()
    units(key)

    created, columns, values = cache.get("api-token:" + hashlib.sha256(key.encode()).hexdigest())

    assert created == Token.objects.get().created
    assert "password" not in columns
    assert dict(zip(columns, values, strict=True))["username"] == "vneid"
    assert cache.get(key) is None
    assert key not in repr(values)


def test_the_user_made_of_the_cache_is_the_holder_as_the_database_has_them(partner):
    key = obtain()
    units(key)
    request = APIClient().get("/api/v1/units/", headers={"Authorization": f"Token {key}"}).wsgi_request

    user, token = request.user, request.auth  # type: ignore[attr-defined]  # DRF's, on the request it wraps

    assert (user.pk, user.username, user.role, user.is_active) == (partner.pk, "vneid", "integration", True)
    assert user._state.adding is False
    assert user.get_deferred_fields() == {"password"}
    assert token.user is user
    assert token.key == key


def test_a_holder_made_inactive_is_refused_on_the_next_request(partner):
    key = obtain()
    assert units(key).status_code == 200

    partner.is_active = False
    partner.save()

    response = units(key)
    assert response.status_code == 401
    assert response.json() == {"detail": "Người dùng không còn hoạt động, hoặc đã bị xoá."}


def test_a_holder_given_another_role_has_it_on_the_next_request(partner, make_user):
    key = obtain()
    assert units(key).wsgi_request.user.role == UserRole.INTEGRATION
    office = make_user(UserRole.OFFICER).office

    partner.role, partner.office = UserRole.OFFICER, office
    partner.save()

    user = units(key).wsgi_request.user
    assert (user.role, user.office_id) == (UserRole.OFFICER, office.pk)


def test_tokens_deleted_in_bulk_are_refused_on_the_next_request(partner, make_user):
    """QuerySet.delete() (the shell, a command) sends post_delete for each token; raw SQL would not."""
    keys = [obtain(), Token.objects.create(user=make_user(UserRole.INTEGRATION, username="bhxh")).key]
    assert [units(key).status_code for key in keys] == [200, 200]

    Token.objects.all().delete()

    assert [units(key).status_code for key in keys] == [401, 401]


def test_a_remembered_token_expires_when_its_lifetime_ends(partner, settings):
    settings.API_TOKEN_LIFETIME = 30
    with time_machine.travel(ISSUED, tick=False):
        key = obtain()
        assert units(key).status_code == 200

    with time_machine.travel(ISSUED + datetime.timedelta(days=30), tick=False), CaptureQueriesContext(connection) as q:
        response = units(key)

    assert response.status_code == 401
    assert response.json() == EXPIRED
    assert len(q) == 0  # the cache's time of issue said so
