"""Guessing passwords: after AXES_FAILURE_LIMIT failures for one account, or from one address,
sign-in is refused even with the right password, on the login page, the admin's login and the API's
token endpoint; an administrator's reset lets the person in again."""

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from agencies.choices import UserRole

pytestmark = pytest.mark.django_db

LOCKED = (
    "Quá nhiều lần đăng nhập sai cho tài khoản này hoặc từ địa chỉ này. "
    "Hãy thử lại sau 15 phút, hoặc nhờ quản trị viên mở khóa."
)


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.AXES_FAILURE_LIMIT = 5


@pytest.fixture
def clerk(make_user):
    return make_user(UserRole.CLERK, username="clerk")


@pytest.fixture
def admin_user(make_user):
    return make_user(UserRole.PROVINCIAL, username="root", is_staff=True, is_superuser=True)


def page_login(client: Client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def admin_login(client: Client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post("/admin/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def token(username: str, password: str, address: str = "10.0.0.1"):
    return APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json", REMOTE_ADDR=address
    )


def test_the_login_page_refuses_the_right_password_after_five_wrong_ones(clerk):
    client = Client()
    for _ in range(4):
        assert page_login(client, "clerk", "wrong").status_code == 200
    assert page_login(client, "clerk", "wrong").status_code == 429  # the fifth failure locks

    response = page_login(client, "clerk", "pw")

    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_admin_login_refuses_the_right_password_after_five_wrong_ones(admin_user):
    client = Client()
    for _ in range(4):
        assert admin_login(client, "root", "wrong").status_code == 200
    assert admin_login(client, "root", "wrong").status_code == 429

    response = admin_login(client, "root", "pw")

    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_token_endpoint_refuses_the_right_password_after_five_wrong_ones(make_user):
    make_user(UserRole.INTEGRATION, username="vneid")
    for _ in range(4):
        assert token("vneid", "wrong").status_code == 400
    assert token("vneid", "wrong").status_code == 429

    response = token("vneid", "pw")

    assert response.status_code == 429
    assert response.json() == {"detail": LOCKED}


def test_the_account_stays_locked_from_another_address(make_user):
    make_user(UserRole.INTEGRATION, username="vneid")
    for index in range(5):
        token("vneid", "wrong", address=f"10.0.1.{index}")

    assert token("vneid", "pw", address="10.9.9.9").status_code == 429


def test_one_address_is_locked_across_accounts(make_user):
    make_user(UserRole.INTEGRATION, username="vneid")
    for index in range(5):
        token(f"guess-{index}", "wrong", address="10.0.0.7")

    assert token("vneid", "pw", address="10.0.0.7").status_code == 429
    assert token("vneid", "pw", address="10.0.0.8").status_code == 200


def test_a_forged_forwarded_address_does_not_escape_the_lock(make_user):
    make_user(UserRole.INTEGRATION, username="vneid")
    for index in range(5):
        APIClient().post(
            "/api/v1/auth/token/",
            {"username": f"guess-{index}", "password": "wrong"},
            format="json",
            REMOTE_ADDR="10.0.0.7",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{index}",
        )

    assert token("vneid", "pw", address="10.0.0.7").status_code == 429


def test_the_administrators_reset_unlocks_the_account(clerk):
    client = Client()
    for index in range(5):
        page_login(client, "clerk", "wrong", address=f"10.0.2.{index}")
    assert page_login(client, "clerk", "pw", address="10.0.3.1").status_code == 429

    call_command("axes_reset_username", "clerk", verbosity=0)

    assert AccessAttempt.objects.count() == 0
    response = page_login(client, "clerk", "pw", address="10.0.3.1")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(clerk.pk)


def test_the_administrator_unlocks_the_account_in_the_admin(clerk, admin_user):
    for index in range(5):
        page_login(Client(), "clerk", "wrong", address=f"10.0.2.{index}")
    assert page_login(Client(), "clerk", "pw", address="10.0.3.1").status_code == 429
    admin = Client()
    admin.force_login(admin_user)
    attempts = list(AccessAttempt.objects.filter(username="clerk").values_list("pk", flat=True))

    listing = admin.get("/admin/axes/accessattempt/", {"q": "clerk"})
    response = admin.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": attempts, "post": "yes"},
    )

    assert listing.status_code == 200 and "10.0.2.0" in listing.content.decode()
    assert response.status_code == 302
    assert AccessAttempt.objects.filter(username="clerk").count() == 0
    assert page_login(Client(), "clerk", "pw", address="10.0.3.1").status_code == 302
