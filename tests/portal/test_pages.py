"""Logging in, where each role lands, who may open what, and the language switch."""

import pytest
from django.urls import reverse

from agencies.choices import UserRole

pytestmark = pytest.mark.django_db


def log_in(client, username, password="pw"):
    return client.post(reverse("login"), {"username": username, "password": password}, follow=True)


@pytest.mark.parametrize(
    ("role", "landing", "heading"),
    [
        (UserRole.CLERK, "/clerk/", "Bộ phận một cửa · Phường Trường Vinh"),
        (UserRole.OFFICER, "/queue/", "Tư pháp - Hộ tịch, UBND phường Trường Vinh"),
        (UserRole.PROVINCIAL, "/reports/", "Bảng điều khiển · Tỉnh Nghệ An"),
        (UserRole.INTEGRATION, "/integration/", "Tài khoản tích hợp"),
    ],
)
def test_each_role_lands_on_its_own_page(client, make_user, role, landing, heading):
    user = make_user(role)

    response = log_in(client, user.username)

    assert response.redirect_chain == [("/", 302), (landing, 302)]
    assert f"<h1>{heading}</h1>" in response.content.decode()


def test_the_administrator_lands_in_the_admin(client, django_user_model):
    django_user_model.objects.create_superuser("root", password="pw")

    response = log_in(client, "root")

    assert response.request["PATH_INFO"] == "/admin/"
    assert response.status_code == 200


def test_a_wrong_password_is_refused_in_vietnamese(client, make_user):
    make_user(UserRole.CLERK, username="clerk")

    response = log_in(client, "clerk", password="wrong")

    assert response.request["PATH_INFO"] == "/accounts/login/"
    assert "Vui lòng điền vào Tên đăng nhập và mật khẩu chính xác." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_clerk_sees_the_offices_serving_the_commune_today(client, make_user):
    client.force_login(make_user(UserRole.CLERK, commune="17329"))

    page = client.get("/clerk/").content.decode()

    for office in (
        "Tư pháp - Hộ tịch, UBND xã Anh Sơn",
        "Công an xã Anh Sơn",
        "Bảo hiểm xã hội cơ sở Anh Sơn",
        "Sở Nội vụ tỉnh Nghệ An",
        "Chủ tịch UBND xã Anh Sơn",
    ):
        assert f"<td>{office}</td>" in page


@pytest.mark.parametrize(
    ("role", "path"),
    [
        (UserRole.CLERK, "/queue/"),
        (UserRole.OFFICER, "/clerk/"),
        (UserRole.PROVINCIAL, "/clerk/"),
        (UserRole.PROVINCIAL, "/queue/"),
        (UserRole.INTEGRATION, "/reports/"),
        (UserRole.INTEGRATION, "/clerk/"),
        (UserRole.CLERK, "/admin/"),
    ],
)
def test_pages_of_other_roles_are_closed(client, make_user, role, path):
    client.force_login(make_user(role))

    response = client.get(path)

    assert response.status_code == (302 if path == "/admin/" else 403)


@pytest.mark.parametrize("path", ["/", "/clerk/", "/queue/", "/reports/", "/integration/"])
def test_anonymous_visitors_are_sent_to_log_in(client, path):
    response = client.get(path)

    assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={path}")


def test_log_out_ends_the_session(client, make_user):
    client.force_login(make_user(UserRole.CLERK))

    response = client.post("/accounts/logout/")

    assert (response.status_code, response["Location"]) == (302, "/accounts/login/")
    assert client.get("/clerk/").status_code == 302


def test_password_change(client, make_user):
    user = make_user(UserRole.OFFICER)
    client.force_login(user)

    response = client.post(
        "/accounts/password_change/",
        {"old_password": "pw", "new_password1": "Tru0ng-Vinh-2026", "new_password2": "Tru0ng-Vinh-2026"},
    )

    user.refresh_from_db()
    assert response["Location"] == "/accounts/password_change/done/"
    assert user.check_password("Tru0ng-Vinh-2026")


def test_password_change_with_a_wrong_old_password_changes_nothing(client, make_user):
    user = make_user(UserRole.OFFICER)
    client.force_login(user)

    response = client.post(
        "/accounts/password_change/",
        {"old_password": "nope", "new_password1": "Tru0ng-Vinh-2026", "new_password2": "Tru0ng-Vinh-2026"},
    )

    user.refresh_from_db()
    assert response.status_code == 200
    assert "Mật khẩu cũ không chính xác. Hãy nhập lại lần nữa" in response.content.decode()
    assert user.check_password("pw")


def test_pages_are_in_vietnamese_whatever_the_browser_and_switch_to_english(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "<h1>Đăng nhập</h1>" in page

    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})

    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in page
    assert "<h1>Log in</h1>" in page
