"""Browser tests: a real headless Chromium (Debian's `chromium`, driven by Playwright) against
the live test server. Skipped where no Chromium is installed; CI installs it."""

import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from cases import rules

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or ""
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run beside one.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM:
        pytest.skip("no Chromium installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh page with the reference data in place (the live server's tests truncate tables)."""
    call_command("load_reference_data", verbosity=0)
    rules.clear_cache()  # the reference rows were just made again, with new keys
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


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


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
