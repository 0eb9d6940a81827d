"""Browser tests: the demo accounts signed in as a person would (the browser: tests/chromium.py)."""

import pytest
from django.core.management import call_command

from tests.chromium import SCREENSHOTS, screenshot  # noqa: F401  (the tests import them from here)


@pytest.fixture
def portal(page, live_server):
    """The demo accounts, and login(username) as a person would."""
    call_command("seed_demo", "--password", "demo-pw", verbosity=0)

    def login(username: str) -> None:
        page.context.clear_cookies()
        page.goto(live_server.url + "/accounts/login/")
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu").fill("demo-pw")
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_load_state()

    return login
