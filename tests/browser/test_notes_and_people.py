"""Issue 30 §3 and §4 in a real browser, on the demo data: the police leave the desk a note on a
step, the desk reads it on the dossier's page and answers; the desk looks up one person's
dossiers and, on the intake, is warned of a dossier in progress about the ID it types.
Screenshots go to var/screenshots/ (notes-*, person-*)."""

import re

import pytest
from django.core.management import call_command

from cases.models import Bundle, Note, Step
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_note_from_the_police_to_the_desk_and_back(page, live_server, portal):
    call_command("seed_demo_dossiers", verbosity=0)
    step = Step.objects.filter(procedure__agency_role="residence", bundle__kind="birth").order_by("pk").first()
    bundle = step.bundle

    portal("residence.16690")
    page.goto(f"{live_server.url}/steps/{step.pk}/")
    notes = page.locator("#notes")
    assert notes.get_by_role("heading").inner_text() == "Ghi chú giữa các cơ quan"
    notes.get_by_label("Gửi đến").select_option(label="Bộ phận một cửa")
    notes.get_by_label("Ghi chú").fill(
        "Đề nghị bộ phận một cửa xác nhận số nhà: tờ khai ghi số 5, sổ hộ khẩu ghi số 15."
    )
    notes.get_by_role("button", name="Gửi ghi chú").click()
    page.wait_for_url(re.compile(r"#notes$"))
    assert "Đã gửi ghi chú đến Bộ phận một cửa phường Trường Vinh." in page.locator(".messages").inner_text()
    assert page.locator("#notes .note").count() == 1
    page.locator("#notes").screenshot(path="/tmp/shots/notes/notes-1-step-page-section.png")
    screenshot(page, "notes-1-step-page")

    portal("clerk.16690")
    page.goto(f"{live_server.url}/bundles/{bundle.code}/")
    notes = page.locator("#notes")
    assert "Lê Quang Huy (Công an phường Trường Vinh)" in notes.locator(".note").first.inner_text()
    notes.get_by_label("Gửi đến").select_option(label="Công an phường Trường Vinh")
    notes.get_by_label("Liên quan đến").select_option(label=step.procedure.name)
    notes.get_by_label("Ghi chú").fill("Đã kiểm tra bản gốc: số nhà đúng là 15.")
    notes.get_by_role("button", name="Gửi ghi chú").click()
    page.wait_for_url(re.compile(r"#notes$"))
    assert page.locator("#notes .note").count() == 2
    page.locator("#notes").screenshot(path="/tmp/shots/notes/notes-2-dossier-page-section.png")
    screenshot(page, "notes-2-dossier-page")
    assert Note.objects.filter(bundle=bundle).count() == 2


def test_one_persons_dossiers_and_the_intake_hint(page, live_server, portal):
    call_command("seed_demo_dossiers", verbosity=0)
    father = "040093005678"
    expected = Bundle.objects.filter(id_numbers__contains=f" {father} ").count()

    portal("clerk.16690")
    page.get_by_role("link", name="Hồ sơ theo người").click()
    page.get_by_label("Số định danh cá nhân (12 chữ số)").fill("04009300567")
    page.get_by_role("button", name="Tra cứu").click()
    assert "hãy nhập đủ 12 chữ số" in page.locator(".field-errors").inner_text()
    page.screenshot(path="/tmp/shots/notes/person-0-bad-number.png", full_page=True)
    page.get_by_label("Số định danh cá nhân (12 chữ số)").fill(father)
    page.get_by_role("button", name="Tra cứu").click()
    assert page.locator("table.person-dossiers tbody tr").count() == expected > 0
    page.screenshot(path="/tmp/shots/notes/person-1-page.png", full_page=True)
    screenshot(page, "person-1-page")

    page.goto(f"{live_server.url}/clerk/new/birth/")
    page.locator("[name='applicant-id_number']").fill("040195001234")
    hint = page.locator("#person-hint .person-hint")
    hint.wait_for()
    assert hint.get_by_role("heading").inner_text() == "Người này đã có hồ sơ đang giải quyết"
    page.locator("#person-hint").scroll_into_view_if_needed()
    page.screenshot(path="/tmp/shots/notes/person-2-intake-hint.png")
    screenshot(page, "person-2-intake-hint")
