"""Issue 26 §5 and §7 as a citizen sees them, on a phone (412 px) and a desktop: the dossier's
tracking page opened from the receipt's QR code (the code only) asks the last 4 digits and posts
them (they never reach the address bar); the steps come first, then who viewed the dossier as a
short summary, however many times it was listed, and each view only on request.
Screenshots go to var/screenshots/."""

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from agencies.choices import UserRole
from agencies.models import User
from cases import services
from cases.models import Bundle, PersonalDataAccess
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def busy_dossier() -> Bundle:
    """The demo's death dossier after a few days of normal work: the desk listed it 12 times and
    printed its receipt two days ago; an officer's queue showed it 50 times yesterday, and today
    they opened it."""
    call_command("seed_demo", "--password", "demo-pw", verbosity=0)
    call_command("seed_demo_dossiers", verbosity=0)
    bundle = Bundle.objects.get(kind="death")
    PersonalDataAccess.objects.filter(bundle=bundle).delete()
    clerk = User.objects.get(username="clerk.16690")
    officer = User.objects.get(username="residence.16690")
    # Yesterday at noon: the officer's hour of reads never straddles midnight (the summary's rows are per day).
    now = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0) - datetime.timedelta(days=1)
    with time_machine.travel(now - datetime.timedelta(days=1), tick=False):
        services.personal_data_access_record(user=clerk, bundles=[bundle] * 12, channel="web", kind="list")
    with time_machine.travel(now - datetime.timedelta(days=1) + datetime.timedelta(minutes=5), tick=False):
        services.personal_data_access_record(user=clerk, bundles=[bundle], channel="pdf")
    for minute in range(50):
        with time_machine.travel(now - datetime.timedelta(minutes=60 - minute), tick=False):
            services.personal_data_access_record(user=officer, bundles=[bundle], channel="web", kind="list")
    services.personal_data_access_record(user=officer, bundles=[bundle], channel="web")
    assert officer.role == UserRole.OFFICER and PersonalDataAccess.objects.filter(bundle=bundle).count() == 64
    return bundle


def look_up(page, live_server, code: str | None, last4: str) -> None:
    page.goto(f"{live_server.url}/track/?code={code}")  # what the receipt's QR code opens
    assert page.get_by_label("Mã hồ sơ (trên giấy tiếp nhận)").input_value() == code
    page.get_by_label("4 chữ số cuối số định danh của người nộp").fill(last4)
    page.get_by_role("button", name="Tra cứu").click()
    page.locator("table.reads-summary").wait_for()


def test_on_a_phone_the_steps_come_first_and_the_reads_are_a_short_summary(page, live_server):
    bundle = busy_dossier()
    page.set_viewport_size({"width": 412, "height": 915})

    look_up(page, live_server, bundle.code, "4321")

    assert page.url == f"{live_server.url}/track/"  # the digits were posted, not put in the address
    steps = page.locator("section table:not(.accesses)")
    summary = page.locator("table.reads-summary")
    assert steps.bounding_box()["y"] < summary.bounding_box()["y"]
    rows = summary.locator("tbody tr")
    assert rows.count() == 4  # 64 views: a row per day, office, role and kind
    assert [row.locator("td").nth(4).inner_text() for row in rows.all()] == ["1", "50", "1", "12"]
    assert [row.locator("td").nth(3).inner_text() for row in rows.all()] == [
        "Mở hồ sơ · Trang của cổng",
        "Thấy trong danh sách · Trang của cổng",
        "Mở hồ sơ · Giấy tờ in (PDF)",
        "Thấy trong danh sách · Trang của cổng",
    ]
    detail = page.locator("details.reads-detail table")
    assert not detail.is_visible()  # each view only on request
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 412  # nothing wider than the phone
    screenshot(page, "track-reads-412")

    page.locator("details.reads-detail summary").click()
    assert detail.is_visible() and detail.locator("tbody tr").count() == 50
    screenshot(page, "track-reads-412-detail")


def test_on_a_desktop_the_summary_sits_under_the_steps(page, live_server):
    bundle = busy_dossier()

    look_up(page, live_server, bundle.code, "4321")

    assert page.locator("table.reads-summary tbody tr").count() == 4
    screenshot(page, "track-reads-1280")
