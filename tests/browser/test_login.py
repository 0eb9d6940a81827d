"""A clerk and an officer log in through the browser, land on their page, switch language and log out."""

import pytest
from django.core.management import call_command

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("username", "landing", "heading"),
    [
        ("clerk.17329", "/clerk/", "Bộ phận một cửa · Xã Anh Sơn"),
        ("residence.16690", "/queue/", "Công an phường Trường Vinh"),
        ("province.40", "/reports/", "Bảng điều khiển · Tỉnh Nghệ An"),
    ],
)
def test_log_in_land_switch_language_log_out(page, live_server, username, landing, heading):
    call_command("seed_demo", "--password", "demo-pw", verbosity=0)
    page.goto(live_server.url + "/")

    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill("demo-pw")
    page.get_by_role("button", name="Đăng nhập").click()

    page.wait_for_url(live_server.url + landing)
    assert page.get_by_role("heading", level=1).inner_text() == heading
    screenshot(page, f"login-{username}")

    page.get_by_role("button", name="English").click()
    assert page.get_by_role("link", name="Change password").is_visible()

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(live_server.url + "/accounts/login/")
    assert page.get_by_role("heading", level=1).inner_text() == "Log in"


def test_a_wrong_password_keeps_the_username_and_says_why(page, live_server):
    page.goto(live_server.url + "/accounts/login/")

    page.get_by_label("Tên đăng nhập").fill("clerk.17329")
    page.get_by_label("Mật khẩu").fill("wrong")
    page.get_by_role("button", name="Đăng nhập").click()

    assert page.get_by_role("alert").inner_text().startswith("Vui lòng điền vào Tên đăng nhập và mật khẩu chính xác.")
    assert page.get_by_label("Tên đăng nhập").input_value() == "clerk.17329"
    screenshot(page, "login-refused")
