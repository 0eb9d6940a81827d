"""Issue 10 §4 and §5 in a real browser, on the demo data: the desk sees the dossier waiting for
documents (counter, filter, the day the wait ends), the citizen sees which documents are missing
and by when, each action names the person who did it, and an officer reads their history.
Screenshots go to var/screenshots/."""

import re

import pytest
from django.core.management import call_command

from cases.models import Bundle, Step
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_waiting_for_documents_and_the_people_behind_each_action(page, live_server, portal):
    call_command("seed_demo_dossiers", verbosity=0)
    waiting = Bundle.objects.get(kind="death")
    deadline = Step.objects.get(bundle=waiting, state="returned").supplement_deadline
    day = f"{deadline:%d/%m/%Y}"

    # The desk: a counter of dossiers waiting for documents, which filters the list to them.
    portal("clerk.16690")
    assert page.locator(".site-header .who").inner_text().startswith("Nguyễn Thị Thu Hà")
    counter = page.locator(".counts li.waiting a")
    assert re.sub(r"\s+", " ", counter.inner_text()).strip() == "1 chờ bổ sung giấy tờ"
    screenshot(page, "desk-1-waiting-counter")
    counter.click()
    page.wait_for_url(re.compile(r"timing=waiting"))
    rows = page.locator("#bundle-rows tr")
    assert rows.count() == 1
    assert rows.first.get_by_role("link").inner_text() == waiting.code
    assert rows.first.locator("td").nth(5).inner_text().split("\n") == ["Chờ bổ sung giấy tờ", f"đến hết {day}"]
    screenshot(page, "desk-2-waiting-filter")

    # The dossier's page: each action names the person and their office.
    rows.first.get_by_role("link").click()
    history = page.locator("section", has=page.get_by_role("heading", name="Lịch sử xử lý"))
    returned = history.locator("tr", has_text="Yêu cầu bổ sung")
    assert returned.locator("td").nth(3).inner_text() == "Lê Quang Huy (Công an phường Trường Vinh)"
    filed = history.locator("tr", has_text="Tiếp nhận")
    assert filed.first.locator("td").nth(3).inner_text() == "Nguyễn Thị Thu Hà (Bộ phận một cửa phường Trường Vinh)"
    screenshot(page, "desk-3-dossier-people")

    # The citizen: which documents are missing and the last day, nothing personal.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/track/?code={waiting.code}")  # the receipt's QR code; the digits are posted
    page.get_by_label("4 chữ số cuối số định danh của người nộp").fill("4321")
    page.get_by_role("button", name="Tra cứu").click()
    box = page.locator(".documents-missing")
    assert box.locator("li").all_inner_texts() == ["Giấy báo tử hoặc giấy tờ thay thế"]
    assert day in box.locator("p").inner_text()
    text = page.locator("main").inner_text()
    for personal in ("Lê Văn Tâm", "Lê Văn Hùng", "040080004321", "Thiếu bản chính"):
        assert personal not in text
    screenshot(page, "track-missing-documents")

    # The officer who returned it finds it in their history, then their office's.
    portal("residence.16690")
    page.get_by_role("navigation", name="Menu chính").get_by_role("link", name="Bước đã xử lý").click()
    page.get_by_role("heading", level=1).wait_for()
    mine = page.locator("#history-rows tr")
    assert mine.count() == 2  # the return, newest first, and a residence registered before it
    cells = mine.first.locator("td").all_inner_texts()
    assert (cells[1], cells[2], cells[5]) == (waiting.code, "Xóa đăng ký thường trú", "Lê Quang Huy")
    assert cells[4].split("\n") == ["Yêu cầu bổ sung", "Giấy báo tử hoặc giấy tờ thay thế"]
    screenshot(page, "officer-1-history-mine")

    portal("civil_status.16690")
    page.goto(live_server.url + "/queue/history/?who=office")
    done = page.locator("#history-rows tr")
    assert done.count() == 3  # two births registered and one death
    assert {row.locator("td").nth(5).inner_text() for row in done.all()} == {"Trần Văn Minh"}
    screenshot(page, "officer-2-history-office")
