"""The browser of every browser test (tests/browser, tests/citizens): a real headless Chromium
(Debian's `chromium`, driven by Playwright) against the live test server. One per session, so
loaded once as a plugin (tests/conftest.py). Skipped where no Chromium is installed; CI installs it."""

import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from cases import rules

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or ""
SCREENSHOTS = Path(__file__).resolve().parents[1] / "var" / "screenshots"

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
def service_workers() -> str:
    """Blocked, except where a test is about the desk's worker (tests/browser/test_offline.py
    allows it): a worker still keeping the last clerk's pages when a test signs somebody else in
    sets the CSRF cookie back under the sign-in form, which then refuses the sign-in."""
    return "block"


@pytest.fixture
def page(browser, live_server, service_workers):
    """A fresh page with the reference data in place (the live server's tests truncate tables)."""
    call_command("load_reference_data", verbosity=0)
    rules.clear_cache()  # the reference rows were just made again, with new keys
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="en-US", service_workers=service_workers
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def track(page, base_url: str, code: str, last4: str) -> None:
    """Look a dossier up as a citizen does: the receipt's QR code opens the form with the code,
    the last 4 digits are typed and posted (never put in the address)."""
    page.goto(f"{base_url}/track/?code={code}")
    page.locator("#track-last4").fill(last4)
    page.locator("#track-last4").press("Enter")
    page.wait_for_load_state()
