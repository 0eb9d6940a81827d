"""Issue 10 §7: the pages' rough edges a first real user tripped on."""

import datetime
import re
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import formats, translation

from agencies.choices import UserRole
from cases import services
from cases.choices import BundleState, StepState
from cases.models import Bundle
from tests.cases.conftest import at, death
from tests.cases.test_pages_clerk import BIRTH_FORM, _typed, filed_birth, variant_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(client, make_user):
    user = make_user(UserRole.CLERK, commune="16690", first_name="Hoa")
    client.force_login(user)
    return user


@pytest.fixture
def travel():
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        yield


CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "portal.css"


def summary_links(response) -> list[tuple[str, str]]:
    summary = response.content.decode().split('id="error-summary"')[1].split("</div>")[0]
    return re.findall(r'<li><a href="#([^"]+)">([^<]+)</a></li>', summary)


def marked_fields(response) -> list[str]:
    return re.findall(r'<div class="field has-error">\s*<label for="([^"]+)"', response.content.decode())


def english(client) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})


# --- 1. A blank section: every error points at a field, and the summary links to each -------------


def test_a_blank_mother_and_insurance_section_mark_their_fields_and_the_summary_links_to_them(client, clerk, travel):
    form = {**BIRTH_FORM, "variant": variant_id(client, "birth", "Khai sinh, thường trú, thẻ BHYT")}
    form = {name: value for name, value in form.items() if not name.startswith(("mother-", "insurance-"))}

    response = client.post("/clerk/new/birth/", form)

    assert response.status_code == 400
    assert summary_links(response) == [
        ("id_mother-full_name", "Mẹ – Họ, chữ đệm và tên: Trường này là bắt buộc."),
        ("id_insurance-initial_clinic", "Bảo hiểm y tế – Nơi đăng ký khám chữa bệnh ban đầu: Trường này là bắt buộc."),
    ]
    assert marked_fields(response) == ["id_mother-full_name", "id_insurance-initial_clinic"]
    assert Bundle.objects.count() == 0


def test_a_blank_applicant_marks_each_field_the_applicant_needs(client, clerk, travel):
    form = {**BIRTH_FORM, "variant": variant_id(client, "birth", "Khai sinh, thường trú, thẻ BHYT")}
    form = {name: value for name, value in form.items() if not name.startswith("applicant-")}

    response = client.post("/clerk/new/birth/", form)

    assert response.status_code == 400
    assert marked_fields(response) == ["id_applicant-full_name", "id_applicant-id_number", "id_applicant-relationship"]
    assert [target for target, _text in summary_links(response)] == [
        "id_applicant-full_name",
        "id_applicant-id_number",
        "id_applicant-relationship",
    ]


# --- 2. /track/ opened from the receipt's QR code -------------------------------------------------


def test_the_tracking_page_opened_from_the_qr_code_is_filled_in_without_an_error(client, clerk, travel):
    bundle = filed_birth(clerk)
    client.logout()

    opened = client.get("/track/", {"code": bundle.code})
    sent_without_digits = client.post("/track/", {"code": bundle.code, "id_last4": ""})

    page = opened.content.decode()
    assert opened.status_code == 200
    assert 'role="alert"' not in page
    assert re.search(r'<input id="track-code" name="code" value="([^"]*)"', page).group(1) == bundle.code
    assert sent_without_digits.status_code == 400
    assert re.search(r'role="alert"><p>([^<]+)</p>', sent_without_digits.content.decode()).group(1) == (
        "Nhập 4 chữ số cuối số định danh của người nộp."
    )


# --- 3. Errors look like errors -----------------------------------------------------------------


def test_an_error_message_is_an_alert_styled_as_an_error(client, clerk, officer, travel):
    bundle = filed_birth(clerk, procedures=["birth_registration", "health_insurance_card"], residence=None)
    for procedure, role, result in (
        ("birth_registration", "civil_status", {"register_number": "12/2026", "personal_id_number": "040326001122"}),
        ("health_insurance_card", "social_insurance", {"card_number": "TE1", "valid_to": "2032-02-19"}),
    ):
        services.step_complete(user=officer(role), step_pk=bundle.steps.get(procedure_id=procedure).pk, result=result)
    client.post(f"/bundles/{bundle.code}/hand-over/", {"confirm": "on"}, follow=True)

    again = client.post(f"/bundles/{bundle.code}/hand-over/", {"confirm": "on"}, follow=True)

    assert re.findall(r'<p class="message ([^"]+)" role="([^"]+)">([^<]+)</p>', again.content.decode()) == [
        ("error", "alert", "Kết quả đã được trả trước đó.")
    ]
    rule = re.search(r"\.message\.error \{([^}]+)\}", CSS.read_text()).group(1)
    assert "var(--bad)" in rule and "var(--ok)" not in rule


# --- 4. A confirmation before what cannot be undone ------------------------------------------------


def test_refusing_recording_withdrawing_and_handing_over_without_the_tick_change_nothing(
    client, clerk, officer, travel
):
    bundle = filed_birth(clerk)
    step = bundle.steps.get(procedure_id="birth_registration")
    events = bundle.events.count()

    withdraw = client.post(f"/bundles/{bundle.code}/withdraw/", {"reason": "Gia đình xin rút"})
    client.force_login(officer("civil_status"))
    refuse = client.post(f"/steps/{step.pk}/refuse/", {"refuse-reason": "Giấy chứng sinh không hợp lệ"})
    complete = client.post(
        f"/steps/{step.pk}/complete/",
        {"result-register_number": "12/2026", "result-personal_id_number": "040326001122"},
    )

    tick = "Hãy đánh dấu vào ô xác nhận: thao tác này không thể hoàn tác."
    assert (withdraw.status_code, refuse.status_code, complete.status_code) == (400, 400, 400)
    assert re.search(r'id="withdraw-confirm-errors"><li>([^<]+)</li>', withdraw.content.decode()).group(1) == tick
    assert re.search(r'id="id_refuse-confirm-errors"><li>([^<]+)</li>', refuse.content.decode()).group(1) == tick
    assert re.search(r'id="id_result-confirm-errors"><li>([^<]+)</li>', complete.content.decode()).group(1) == tick
    assert 'value="Gia đình xin rút"' in withdraw.content.decode()  # what was typed is kept
    bundle.refresh_from_db()
    step.refresh_from_db()
    assert (bundle.state, step.state, step.result) == (BundleState.IN_PROGRESS, StepState.READY, None)
    assert bundle.events.count() == events


def test_handing_over_without_the_tick_changes_nothing(client, clerk, officer, travel):
    bundle = filed_birth(clerk, procedures=["birth_registration", "health_insurance_card"], residence=None)
    for procedure, role, result in (
        ("birth_registration", "civil_status", {"register_number": "12/2026", "personal_id_number": "040326001122"}),
        ("health_insurance_card", "social_insurance", {"card_number": "TE1", "valid_to": "2032-02-19"}),
    ):
        services.step_complete(user=officer(role), step_pk=bundle.steps.get(procedure_id=procedure).pk, result=result)

    response = client.post(f"/bundles/{bundle.code}/hand-over/")

    assert response.status_code == 400
    bundle.refresh_from_db()
    assert bundle.handed_over_at is None


# --- 5. The desk's search finds a whole ID number --------------------------------------------------


def test_the_search_finds_a_dossier_by_any_of_its_peoples_whole_id_number(client, clerk, travel):
    first = filed_birth(clerk, child__birth_certificate_number="A1")
    second = filed_birth(
        clerk,
        child__birth_certificate_number="B2",
        applicant__id_number="040195007777",
        mother__id_number="040195007777",
        father__id_number="040093009999",
        residence__household_head__id_number="040093009999",
    )
    dead = services.bundle_file(user=clerk, data=_typed(death(received_at=None, commune="16690")))[0]

    def found(q: str) -> list[str]:
        return re.findall(r'href="/bundles/([^/]+)/"', client.get("/clerk/", {"q": q}).content.decode())

    assert found("040093005678") == [first.code]  # the father and household head of the first
    assert found("040195007777") == [second.code]  # the applicant and mother of the second
    assert found("040 050 009 876") == [dead.code]  # the deceased, typed in groups
    assert found("0400930056") == []  # part of a number finds nothing


def test_searching_by_id_number_runs_the_lists_pinned_number_of_queries(client, clerk, travel):
    filed_birth(clerk, child__birth_certificate_number="A1")

    with CaptureQueriesContext(connection) as captured:
        response = client.get("/clerk/", {"q": "040093005678"})

    assert response.status_code == 200 and len(re.findall(r'href="/bundles/', response.content.decode())) == 1
    assert len(captured) == 6


# --- 7. Dates as dd/mm/yyyy -------------------------------------------------------------------


def test_a_date_typed_as_dd_mm_yyyy_is_taken_and_the_api_keeps_iso(client, clerk, travel):
    form = {
        **BIRTH_FORM,
        "variant": variant_id(client, "birth", "Khai sinh, thường trú, thẻ BHYT"),
        "child-date_of_birth": "20/02/2026",
        "mother-date_of_birth": "01/05/1995",
    }

    review = client.post("/clerk/new/birth/", form)
    back = client.post("/clerk/new/birth/", {"action": "edit", "payload": signed(review)})
    filed = client.post("/clerk/new/birth/", {"action": "file", "payload": signed(review)})

    assert review.status_code == 200 and filed.status_code == 302
    assert re.search(r'name="child-date_of_birth" value="([^"]+)"', back.content.decode()).group(1) == "20/02/2026"
    assert Bundle.objects.get().data["child"]["date_of_birth"] == "2026-02-20"


def test_a_bad_date_is_refused_next_to_its_field_naming_it(client, clerk, travel):
    form = {
        **BIRTH_FORM,
        "variant": variant_id(client, "birth", "Khai sinh, thường trú, thẻ BHYT"),
        "child-date_of_birth": "31/02/2026",
    }

    response = client.post("/clerk/new/birth/", form)

    assert response.status_code == 400
    errors = re.search(r'id="id_child-date_of_birth-errors"><li>([^<]+)</li>', response.content.decode()).group(1)
    # Under its label the message does not repeat it; the summary names the section and the field (issue 26).
    assert errors == "Ngày 31/02/2026 không có thật: kiểm tra lại ngày và tháng."
    assert summary_links(response) == [
        ("id_child-date_of_birth", "Trẻ em – Ngày sinh: Ngày 31/02/2026 không có thật: kiểm tra lại ngày và tháng.")
    ]
    assert 'type="text" name="child-date_of_birth" value="31/02/2026"' in response.content.decode()
    assert 'placeholder="dd/mm/yyyy"' in response.content.decode()
    assert Bundle.objects.count() == 0


def test_an_officers_date_is_typed_as_dd_mm_yyyy(client, clerk, officer, travel):
    bundle = filed_birth(clerk, procedures=["birth_registration", "health_insurance_card"], residence=None)
    services.step_complete(
        user=officer("civil_status"),
        step_pk=bundle.steps.get(procedure_id="birth_registration").pk,
        result={"register_number": "12/2026", "personal_id_number": "040326001122"},
    )
    step = bundle.steps.get(procedure_id="health_insurance_card")
    client.force_login(officer("social_insurance"))

    wrong = client.post(
        f"/steps/{step.pk}/complete/",
        {"result-card_number": "TE1", "result-valid_to": "2032-19-02", "result-confirm": "on"},
    )
    right = client.post(
        f"/steps/{step.pk}/complete/",
        {"result-card_number": "TE1", "result-valid_to": "19/02/2032", "result-confirm": "on"},
    )

    assert wrong.status_code == 400
    assert re.search(r'id="id_result-valid_to-errors"><li>([^<]+)</li>', wrong.content.decode()).group(1) == (
        "Có giá trị đến: nhập ngày theo dạng dd/mm/yyyy, ví dụ 20/02/2026."
    )
    assert right.status_code == 302
    step.refresh_from_db()
    assert step.result == {"card_number": "TE1", "valid_to": "2032-02-19"}


def test_pages_show_dates_as_dd_mm_yyyy_in_both_languages():
    day = datetime.date(2026, 2, 20)
    with translation.override("en"):
        english_ = (formats.date_format(day), formats.date_format(day, "SHORT_DATE_FORMAT"))
    with translation.override("vi"):
        vietnamese = (formats.date_format(day), formats.date_format(day, "SHORT_DATE_FORMAT"))

    assert english_ == vietnamese == ("20/02/2026", "20/02/2026")


def signed(response) -> str:
    return re.search(r'name="payload" value="([^"]+)"', response.content.decode()).group(1)


# --- 8. xã, phường, thị trấn by the unit's type ---------------------------------------------------


def test_the_desk_says_phuong_for_a_ward_and_xa_for_a_commune(client, make_user, travel):
    client.force_login(make_user(UserRole.CLERK, commune="16690", username="ward"))
    ward = client.get("/clerk/").content.decode()
    client.force_login(make_user(UserRole.CLERK, commune="17329", username="commune"))
    commune = client.get("/clerk/").content.decode()

    assert re.search(r"<summary>([^<]+)</summary>", ward).group(1) == (
        "Cơ quan giải quyết hồ sơ của phường Trường Vinh ngày 02/03/2026"
    )
    assert re.search(r"<summary>([^<]+)</summary>", commune).group(1) == (
        "Cơ quan giải quyết hồ sơ của xã Anh Sơn ngày 02/03/2026"
    )


# --- 9. English names for procedures, variants and documents ---------------------------------------


def test_in_english_procedures_variants_and_documents_have_english_names(client, clerk, officer, travel):
    bundle = filed_birth(clerk)
    step = bundle.steps.get(procedure_id="birth_registration")
    client.force_login(officer("civil_status"))
    english(client)

    step_page = client.get(f"/steps/{step.pk}/").content.decode()
    client.force_login(clerk)
    english(client)
    intake = client.get("/clerk/new/birth/").content.decode()
    dossier = client.get(f"/bundles/{bundle.code}/").content.decode()

    assert re.search(r"<h1>([^<]+)</h1>", step_page).group(1) == "Birth registration"
    assert re.findall(r'name="return-missing" value="[^"]+"[^>]*>\s*([^<]+?)\s*</label>', step_page)[:2] == [
        "Medical birth certificate (giấy chứng sinh)",
        "Birth registration form",
    ]
    assert re.findall(r'name="variant" value="\d+"[^>]*> ([^<]+)</label>', intake) == [
        "Birth, health-insurance card",
        "Birth, permanent residence",
        "Birth, permanent residence, health-insurance card",
    ]
    assert re.findall(r"<h3>([^<]+)</h3>", dossier) == [
        "Birth registration",
        "Permanent residence registration",
        "Health-insurance card for a child under 6",
    ]
    assert '<option value="Giấy chứng sinh">Medical birth certificate (giấy chứng sinh)</option>' in dossier


def test_in_vietnamese_the_names_stay_the_official_ones(client, clerk, travel):
    bundle = filed_birth(clerk)

    dossier = client.get(f"/bundles/{bundle.code}/").content.decode()

    assert re.findall(r"<h3>([^<]+)</h3>", dossier) == [
        "Đăng ký khai sinh",
        "Đăng ký thường trú",
        "Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi",
    ]
