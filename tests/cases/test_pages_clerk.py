"""The one-stop desk's pages: the list, the intake (form → review → file), the dossier's page."""

import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.choices import UserRole
from cases import services
from cases.choices import Action, BundleState, StepState
from cases.models import Attachment, Bundle, Event, PersonalDataAccess
from tests.cases.conftest import at, birth, death
from tests.scans import PDF

pytestmark = pytest.mark.django_db

BIRTH_FORM = {
    "channel": "direct",
    "delivery": "electronic",
    "applicant-full_name": "Nguyễn Thị Lan",
    "applicant-id_number": "040195001234",
    "applicant-relationship": "mẹ",
    "applicant-phone": "0912345678",
    "child-full_name": "Trần Minh An",
    "child-sex": "female",
    "child-date_of_birth": "2026-02-20",
    "child-place_of_birth": "Bệnh viện Sản Nhi Nghệ An",
    "child-ethnicity": "Kinh",
    "child-nationality": "VN",
    "child-birth_certificate_number": "CS-2026-000123",
    "mother-full_name": "Nguyễn Thị Lan",
    "mother-date_of_birth": "1995-05-01",
    "mother-id_number": "040195001234",
    "residence-address": "Số 5, đường Lê Hồng Phong",
    "residence-household_head-full_name": "Trần Văn Bình",
    "residence-household_head-id_number": "040093005678",
    "residence-household_head-relationship_to_child": "cha",
    "residence-household_head_consent": "on",
    "residence-owner_consent": "on",
    "insurance-initial_clinic": "Trạm y tế phường Trường Vinh",
}


@pytest.fixture
def clerk(client, make_user):
    user = make_user(UserRole.CLERK, commune="16690", first_name="Hoa")
    client.force_login(user)
    return user


@pytest.fixture
def travel():
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        yield


def variant_id(client, kind, name):
    page = client.get(f"/clerk/new/{kind}/").content.decode()
    return re.search(rf'value="(\d+)"[^>]*>\s*{re.escape(name)}\s*<', page).group(1)


def signed_payload(response) -> str:
    return re.search(r'name="payload" value="([^"]+)"', response.content.decode()).group(1)


def test_a_birth_dossier_goes_from_the_form_through_review_to_filed_with_its_scan(client, clerk, travel):
    form = {**BIRTH_FORM, "variant": variant_id(client, "birth", "Khai sinh, thường trú, thẻ BHYT")}

    review = client.post("/clerk/new/birth/", form)

    assert review.status_code == 200
    page = review.content.decode()
    assert "Tư pháp - Hộ tịch, UBND phường Trường Vinh" in page
    assert "04/03/2026" in page  # 3 working days: 2, 3 and 4 March
    assert Bundle.objects.count() == 0  # the review files nothing

    filed = client.post(
        "/clerk/new/birth/",
        {
            "action": "file",
            "payload": signed_payload(review),
            "document-1-kind": "Giấy chứng sinh",
            "document-1-file": SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf"),
        },
    )

    bundle = Bundle.objects.get()
    assert filed.status_code == 302 and filed["Location"] == f"/bundles/{bundle.code}/"
    assert (bundle.channel, bundle.data["child"]["full_name"], bundle.filed_by) == ("direct", "Trần Minh An", clerk)
    assert list(bundle.steps.values_list("procedure_id", "state").order_by("pk")) == [
        ("birth_registration", StepState.READY),
        ("permanent_residence", StepState.WAITING),
        ("health_insurance_card", StepState.WAITING),
    ]
    assert list(Attachment.objects.values_list("kind", "content_type")) == [("Giấy chứng sinh", "application/pdf")]
    assert bundle.search_text == f"{bundle.code.lower()} nguyen thi lan tran minh an nguyen thi lan"


def test_a_wrong_field_is_shown_next_to_it_with_everything_typed_kept_and_nothing_filed(client, clerk, travel):
    form = {
        **BIRTH_FORM,
        "variant": variant_id(client, "birth", "Khai sinh, thường trú, thẻ BHYT"),
        "child-date_of_birth": "2027-01-01",
        "mother-id_number": "040195",
        "residence-owner_consent": "",
    }

    response = client.post("/clerk/new/birth/", form)

    assert response.status_code == 400
    page = response.content.decode()
    errors = dict(re.findall(r'id="id_([\w-]+)-errors"><li>([^<]+)</li>', page))
    assert errors == {
        "mother-id_number": "Số định danh cá nhân gồm 12 chữ số.",
        "child-date_of_birth": "Ngày sinh không được ở tương lai.",
        "residence-owner_consent": "Chủ sở hữu chỗ ở hợp pháp phải đồng ý (tờ khai CT01).",
    }
    assert 'value="Trần Minh An"' in page and 'value="Số 5, đường Lê Hồng Phong"' in page
    assert Bundle.objects.count() == 0


def test_a_scan_that_is_not_a_pdf_jpeg_or_png_files_nothing_and_says_why(client, clerk, travel):
    review = client.post(
        "/clerk/new/birth/", {**BIRTH_FORM, "variant": variant_id(client, "birth", "Khai sinh, thẻ BHYT")}
    )

    response = client.post(
        "/clerk/new/birth/",
        {
            "action": "file",
            "payload": signed_payload(review),
            "document-2-kind": "Giấy chứng sinh",
            "document-2-file": SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 not a scan", content_type="application/pdf"),
        },
    )

    assert response.status_code == 400
    assert re.search(r'id="document-2-errors"><li>([^<]+)</li>', response.content.decode()).group(1) == (
        "Chỉ nhận bản quét PDF, JPEG hoặc PNG; tệp này không thuộc loại nào trong đó."
    )
    assert Bundle.objects.count() == 0


def test_a_file_that_only_starts_like_a_pdf_files_nothing_and_says_why(client, clerk, travel):
    review = client.post(
        "/clerk/new/birth/", {**BIRTH_FORM, "variant": variant_id(client, "birth", "Khai sinh, thẻ BHYT")}
    )

    response = client.post(
        "/clerk/new/birth/",
        {
            "action": "file",
            "payload": signed_payload(review),
            "document-1-kind": "Tờ khai",
            "document-1-file": SimpleUploadedFile("to-khai.pdf", PDF, content_type="application/pdf"),
            "document-2-kind": "Giấy chứng sinh",
            "document-2-file": SimpleUploadedFile("scan.pdf", b"%PDF-1.7\n<script>", content_type="application/pdf"),
        },
    )

    assert response.status_code == 400
    assert re.findall(r'id="document-(\d)-errors"><li>([^<]+)</li>', response.content.decode()) == [
        ("2", "Tệp quét không phải là PDF đọc được: phần đầu giống PDF nhưng không mở được.")
    ]
    assert (Bundle.objects.count(), Attachment.objects.count()) == (0, 0)


def slot(page: str, row: int) -> str:
    return page.split(f'id="document-{row}"')[1].split("</fieldset>")[0]


def test_a_refused_scan_is_refused_at_its_slot_and_every_slot_keeps_its_document_type(client, clerk, travel):
    """Issue 26 §7.3: the refusal sits at the file it concerns (the summary links to it), not above
    the four slots; the types chosen stay chosen and each slot names the file to choose again."""
    review = client.post(
        "/clerk/new/birth/", {**BIRTH_FORM, "variant": variant_id(client, "birth", "Khai sinh, thẻ BHYT")}
    )

    response = client.post(
        "/clerk/new/birth/",
        {
            "action": "file",
            "payload": signed_payload(review),
            "document-1-kind": "Tờ khai đăng ký khai sinh",
            "document-1-file": SimpleUploadedFile("to-khai.pdf", PDF, content_type="application/pdf"),
            "document-3-kind": "Giấy chứng sinh",
            "document-3-file": SimpleUploadedFile(
                "chung-sinh.pdf", b"MZ\x90\x00 not a scan", content_type="application/pdf"
            ),
            "document-4-file": SimpleUploadedFile("khac.pdf", PDF, content_type="application/pdf"),
        },
    )

    page = response.content.decode()
    refusal = "Chỉ nhận bản quét PDF, JPEG hoặc PNG; tệp này không thuộc loại nào trong đó."
    assert response.status_code == 400
    assert re.findall(r'<a href="#document-(\d)-(kind|file)">([^<]+)</a>', page) == [
        ("3", "file", f"Giấy tờ 3: {refusal}"),
        ("4", "kind", "Giấy tờ 4: Chọn loại giấy tờ."),
    ]
    assert re.findall(r'<option value="([^"]+)" selected>', slot(page, 1)) == ["Tờ khai đăng ký khai sinh"]
    assert "field-errors" not in slot(page, 1) and "field-errors" not in slot(page, 2)
    assert re.findall(r'<option value="([^"]+)" selected>', slot(page, 3)) == ["Giấy chứng sinh"]
    assert (
        re.search(
            r'<div class="field has-error">\s*<label for="document-3-file">[^<]+</label>\s*'
            r'<ul class="field-errors" id="document-3-errors"><li>([^<]+)</li></ul>',
            slot(page, 3),
        ).group(1)
        == refusal
    )
    assert 'id="document-3-kind-errors"' not in page
    assert (
        re.search(
            r'<div class="field has-error">\s*<label for="document-4-kind">[^<]+</label>\s*'
            r'<ul class="field-errors" id="document-4-kind-errors"><li>([^<]+)</li></ul>',
            slot(page, 4),
        ).group(1)
        == "Chọn loại giấy tờ."
    )
    assert re.findall(r'class="help scan-chosen">([^<]+)<', page) == [
        "Tệp đã chọn: to-khai.pdf. Chưa có gì được nộp: hãy chọn lại tệp.",
        "Tệp đã chọn: chung-sinh.pdf. Chưa có gì được nộp: hãy chọn lại tệp.",
        "Tệp đã chọn: khac.pdf. Chưa có gì được nộp: hãy chọn lại tệp.",
    ]
    assert (Bundle.objects.count(), Attachment.objects.count()) == (0, 0)


def test_a_tampered_review_page_files_nothing(client, clerk, travel):
    response = client.post("/clerk/new/birth/", {"action": "file", "payload": "eyJraW5kIjoiYmlydGgifQ:forged"})

    assert response.status_code == 302 and response["Location"] == "/clerk/new/birth/"
    assert Bundle.objects.count() == 0


def test_going_back_from_the_review_shows_the_form_filled_in(client, clerk, travel):
    review = client.post(
        "/clerk/new/birth/", {**BIRTH_FORM, "variant": variant_id(client, "birth", "Khai sinh, thường trú")}
    )

    back = client.post("/clerk/new/birth/", {"action": "edit", "payload": signed_payload(review)})

    page = back.content.decode()
    assert 'value="Trần Minh An"' in page
    assert re.search(r'name="residence-owner_consent"[^>]*checked', page)
    assert re.search(
        r'<input type="radio" name="variant" value="\d+"[^>]*checked[^>]*>\s*Khai sinh, thường trú\s*<', page
    )


DEATH_FORM = {
    "channel": "direct",
    "delivery": "desk",
    "applicant-full_name": "Lê Văn Hùng",
    "applicant-id_number": "040080004321",
    "applicant-relationship": "con",
    "deceased-full_name": "Lê Văn Tâm",
    "deceased-sex": "male",
    "deceased-date_of_birth": "1950-04-12",
    "deceased-id_number": "040050009876",
    "deceased-date_of_death": "2026-02-25",
    "deceased-place_of_death": "Bệnh viện Đa khoa Nghệ An",
    "deceased-last_residence": "Số 9, phường Trường Vinh",
    "death_notice-number": "BT-2026-0456",
    "death_notice-issuer": "Bệnh viện Đa khoa Nghệ An",
    "death_notice-date": "2026-02-25",
}


def test_the_funeral_questions_lead_to_the_category_that_pays_most(client, clerk, travel):
    form = {
        **DEATH_FORM,
        "variant": variant_id(client, "death", "Khai tử, xóa thường trú, mai táng phí"),
        "funeral-social_insurance": "on",
        "funeral-emergency": "on",
    }

    answer = client.post("/clerk/funeral-category/", form, headers={"HX-Request": "true"})
    review = client.post("/clerk/new/death/", form)

    # February 2026: 10 × 2,340,000 (social insurance) < 50 × 500,000 (emergency aid)
    text = re.sub(r"<[^>]+>", "", answer.content.decode())
    assert "Trợ giúp khẩn cấp" in text and "25.000.000 đồng" in text
    assert "UBND phường Trường Vinh" in text
    assert review.status_code == 200, re.findall(r'id="([^"]*-errors)"', review.content.decode())
    assert "25.000.000 đồng" in review.content.decode()


def test_the_funeral_step_asked_for_without_any_category_is_refused_in_the_funeral_section(client, clerk, travel):
    form = {**DEATH_FORM, "variant": variant_id(client, "death", "Khai tử, xóa thường trú, mai táng phí")}

    response = client.post("/clerk/new/death/", form)

    assert response.status_code == 400
    funeral = response.content.decode().split('id="funeral-result"')[1]
    assert "Đánh dấu mọi câu trả lời “có” (ít nhất một câu)" in funeral


def test_the_desk_is_offered_only_its_channels_and_a_forged_online_dossier_is_refused_at_the_field(
    client, clerk, travel
):
    offered = re.findall(r'name="channel" value="([^"]+)"', client.get("/clerk/new/birth/").content.decode())
    form = {
        **BIRTH_FORM,
        "channel": "online",
        "variant": variant_id(client, "birth", "Khai sinh, thường trú, thẻ BHYT"),
    }

    response = client.post("/clerk/new/birth/", form)

    assert offered == ["direct", "postal"]
    assert response.status_code == 400
    assert re.findall(
        r'<ul class="field-errors" id="id_channel-errors"><li>([^<]+)</li>', response.content.decode()
    ) == [
        "Bộ phận một cửa chỉ nộp hồ sơ tiếp nhận trực tiếp hoặc qua bưu chính; "
        "hồ sơ trực tuyến đến từ Cổng dịch vụ công."
    ]
    assert Bundle.objects.count() == 0


def filed_birth(clerk, **changes) -> Bundle:
    bundle, _new = services.bundle_file(
        user=clerk, data=_typed(birth(received_at=None, **{"channel": "direct", **changes}))
    )
    return bundle


def _typed(data):
    from cases.api.serializers import BundleCreateSerializer

    serializer = BundleCreateSerializer(data=data)
    assert serializer.is_valid(), serializer.errors
    return serializer.validated_data


def test_the_list_finds_names_without_diacritics_and_counts_what_matters(client, clerk, travel):
    an = filed_birth(clerk, child__birth_certificate_number="A1")
    filed_birth(clerk, child__birth_certificate_number="B2", child__full_name="Hồ Đức Phúc")

    found = client.get("/clerk/", {"q": "tran minh AN"})
    everything = client.get("/clerk/")

    assert re.findall(r'href="/bundles/([^/]+)/"', found.content.decode()) == [an.code]
    counts = {
        label.strip(): int(number)
        for number, label in re.findall(r"<strong>(\d+)</strong>([^<]+)</a>", everything.content.decode())
    }
    assert counts == {
        "đang giải quyết": 2,
        "quá hạn": 0,
        "sắp đến hạn": 0,
        "chờ bổ sung giấy tờ": 0,
        "kết quả chờ trả": 0,
        "tổng cộng": 2,
    }


def test_the_list_runs_the_same_number_of_queries_for_1_and_50_dossiers(client, clerk, travel):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/clerk/").status_code == 200
        return len(captured)

    queries()  # the first page of the process also reads what it keeps for a minute
    filed_birth(clerk, child__birth_certificate_number="N0")
    one = queries()
    for n in range(1, 50):
        filed_birth(clerk, child__birth_certificate_number=f"N{n}")
    fifty = queries()

    # user (the session is read from the cache), the page of rows, the access record (insert), the counts
    # (what is at the desk and the commune's tally, one statement), the commune; its offices today and
    # the filters are the process's, read by the first page
    assert (one, fifty) == (5, 5)
    assert PersonalDataAccess.objects.filter(user=clerk, channel="web").count() == 1 + 50


def test_another_communes_dossier_does_not_exist_for_a_clerk(client, clerk, make_user, travel):
    elsewhere = make_user(UserRole.CLERK, commune="17329", username="elsewhere")
    bundle = filed_birth(elsewhere, commune="17329")

    assert client.get(f"/bundles/{bundle.code}/").status_code == 404
    assert client.get(f"/bundles/{bundle.code}/receipt.pdf").status_code == 404
    assert client.post(f"/bundles/{bundle.code}/withdraw/", {"reason": "x"}).status_code == 404
    assert bundle.events.filter(action=Action.WITHDRAWN).count() == 0


def test_the_dossier_page_withdraws_with_a_reason_and_refuses_without_one(client, clerk, travel):
    bundle = filed_birth(clerk)

    empty = client.post(f"/bundles/{bundle.code}/withdraw/", {"reason": " ", "confirm": "on"})
    done = client.post(f"/bundles/{bundle.code}/withdraw/", {"reason": "Gia đình xin rút", "confirm": "on"})

    assert empty.status_code == 400
    assert re.search(r'id="withdraw-reason-errors">([^<]+)<', empty.content.decode()).group(1) == (
        "Ghi rõ lý do rút hồ sơ."
    )
    assert done.status_code == 302
    bundle.refresh_from_db()
    assert bundle.state == BundleState.WITHDRAWN
    assert Event.objects.filter(bundle=bundle, action=Action.WITHDRAWN, reason="Gia đình xin rút").count() == 1


def test_results_are_handed_over_once_the_dossier_is_completed(client, clerk, officer, travel):
    bundle = filed_birth(clerk, procedures=["birth_registration", "health_insurance_card"], residence=None)
    early = client.post(f"/bundles/{bundle.code}/hand-over/", {"confirm": "on"})
    services.step_complete(
        user=officer("civil_status"),
        step_pk=bundle.steps.get(procedure_id="birth_registration").pk,
        result={"register_number": "12/2026", "personal_id_number": "040326001122"},
    )
    services.step_complete(
        user=officer("social_insurance"),
        step_pk=bundle.steps.get(procedure_id="health_insurance_card").pk,
        result={"card_number": "TE1404012345678", "valid_to": "2032-02-19"},
    )

    handed = client.post(f"/bundles/{bundle.code}/hand-over/", {"confirm": "on"})
    again = client.post(f"/bundles/{bundle.code}/hand-over/", {"confirm": "on"}, follow=True)

    assert early.status_code == 302 and handed.status_code == 302
    bundle.refresh_from_db()
    assert bundle.handed_over_at is not None
    assert "Kết quả đã được trả trước đó." in again.content.decode()
    assert bundle.events.filter(action=Action.HANDED_OVER).count() == 1


def test_the_death_dossier_page_shows_each_step_with_its_office(client, clerk, travel):
    bundle, _new = services.bundle_file(
        user=clerk, data=_typed(death(received_at=None, commune="16690", funeral_category="social_protection"))
    )

    page = client.get(f"/bundles/{bundle.code}/").content.decode()

    assert re.findall(r"<h3>([^<]+)</h3>\s*<p>([^·<]+)·", page) == [
        ("Đăng ký khai tử", "Tư pháp - Hộ tịch, UBND phường Trường Vinh "),
        ("Xóa đăng ký thường trú", "Công an phường Trường Vinh "),
        ("Trợ cấp mai táng phí / hỗ trợ chi phí mai táng", "Chủ tịch UBND phường Trường Vinh "),
        ("Giải quyết chế độ tử tuất", "Bảo hiểm xã hội cơ sở Vinh "),
    ]


def test_the_dossier_page_runs_the_same_number_of_queries_however_long_its_history(client, clerk, officer, travel):
    def queries(bundle) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/bundles/{bundle.code}/").status_code == 200
        return len(captured)

    short = filed_birth(clerk, child__birth_certificate_number="S1")
    long = filed_birth(clerk, child__birth_certificate_number="L1")
    justice = officer("civil_status")
    step = long.steps.get(procedure_id="birth_registration")
    for _ in range(10):
        services.step_claim(user=justice, step_pk=step.pk)
        services.step_release(user=justice, step_pk=step.pk)

    assert queries(long) == queries(short)


def test_the_next_page_starts_after_the_last_row_and_keeps_the_filters(client, clerk, travel):
    codes = [filed_birth(clerk, child__birth_certificate_number=f"P{n}").code for n in range(52)]
    first = client.get("/clerk/", {"kind": "birth"}).content.decode()
    more = re.search(r'<a href="\?([^"]+)" hx-get', first).group(1).replace("&amp;", "&")

    second = client.get(f"/clerk/?{more}", headers={"HX-Request": "true"}).content.decode()

    shown = re.findall(r'href="/bundles/([^/]+)/"', first) + re.findall(r'href="/bundles/([^/]+)/"', second)
    assert more.startswith("kind=birth&after=")
    assert shown == codes[::-1]  # newest first, each once
    assert "<html" not in second  # only the rows, for HTMX to append
