"""The receipt and appointment slip and the apology letter, read back from the PDF as text."""

import datetime
import os
import re
import subprocess
import sys

import pytest
import segno
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from agencies.choices import UserRole
from agencies.models import AdministrativeUnit, User
from cases import documents, services
from cases.api.serializers import BundleCreateSerializer
from cases.checks import public_base_url_check
from cases.models import Bundle
from cases.services import attachment_add
from signing import layout
from tests.cases.conftest import at, birth, death
from tests.pdfs import A4_PORTRAIT, pdf_fonts, pdf_lines, pdf_pages, pdf_text, signed_get
from tests.scans import PDF

pytestmark = pytest.mark.django_db

D = datetime.date.fromisoformat


def typed(data: dict) -> dict:
    serializer = BundleCreateSerializer(data=data)
    assert serializer.is_valid(), serializer.errors
    return serializer.validated_data


PUBLIC = "https://dichvucong.nghean.gov.vn"


@pytest.fixture(autouse=True)
def _public_address(settings):
    settings.PUBLIC_BASE_URL = PUBLIC


def tracking_url(bundle: Bundle) -> str:
    return f"{PUBLIC}/track/?code={bundle.code}"


def step_rows(html: str) -> list[tuple[str, ...]]:
    """The rows of the receipt's table of procedures, cell by cell, from the rendered HTML."""
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    return [
        tuple(cell.strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S))
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


@pytest.fixture
def birth_bundle(integration, settings, tmp_path):
    """Filed online by the portal at 14:10 on Monday 2 March 2026, with the birth certificate attached."""
    settings.MEDIA_ROOT = tmp_path / "media"
    bundle, _new = services.bundle_file(user=integration, data=typed(birth()))
    scan = SimpleUploadedFile("chung-sinh.pdf", PDF, content_type="application/pdf")
    attachment_add(user=integration, code=str(bundle.code), kind="Giấy chứng sinh", file=scan)
    return bundle


@pytest.fixture
def death_bundle(make_user, officer):
    """Filed at the desk of xã Anh Sơn at 10:00 on 2 March 2026; the death is registered at 11:00."""
    clerk = make_user(UserRole.CLERK, commune="17329", first_name="Phạm Thị Hoa")
    with time_machine.travel(at(2026, 3, 2, 10), tick=False):
        bundle, _new = services.bundle_file(user=clerk, data=typed(death(received_at=None)))
    first = bundle.steps.get(procedure_id="death_registration")
    with time_machine.travel(at(2026, 3, 2, 11), tick=False):
        services.step_complete(
            user=officer("civil_status", commune="17329"), step_pk=first.pk, result={"register_number": "KT-45/2026"}
        )
    return bundle


def test_the_receipt_of_a_birth_bundle_gives_the_code_steps_offices_dates_and_tracking(birth_bundle, tmp_path):
    text = pdf_text(documents.receipt_pdf(birth_bundle))

    code = birth_bundle.code
    assert code == f"KS-40-2026-{birth_bundle.pk:06d}"
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "UBND PHƯỜNG TRƯỜNG VINH" in text
    assert "Trường Vinh, ngày 02 tháng 3 năm 2026" in text
    assert f"Mã hồ sơ: {code}" in text
    assert "Người nộp hồ sơ: Nguyễn Thị Lan" in text
    assert "Số điện thoại: 0912345678" in text
    assert "Thời gian tiếp nhận: 02/03/2026 14:10" in text
    assert "Hình thức nộp: Trực tuyến" in text
    assert "Đăng ký khai sinh" in text
    assert "Bản điện tử: Giấy chứng sinh." in text
    assert "Ngày hẹn trả kết quả: 04/03/2026" in text
    assert (
        "4. Cơ quan giải quyết và thông tin liên hệ Tư pháp - Hộ tịch, UBND phường Trường Vinh "
        "Công an phường Trường Vinh Bảo hiểm xã hội cơ sở Vinh Tra cứu tình trạng hồ sơ"
    ) in text  # no contact is known: none is printed, not even a dash
    assert tracking_url(birth_bundle) in text
    assert "4 chữ số cuối số định danh cá nhân" in text
    # Received online: the commune's desk is the receiver, never the partner system that sent it.
    assert "CƠ QUAN TIẾP NHẬN HỒ SƠ (tiếp nhận trực tuyến) Bộ phận Một cửa UBND phường Trường Vinh" in text
    assert "portal.integration" not in text


def test_the_receipt_shows_no_id_number_and_no_personal_data_beyond_the_applicants_name_and_phone(
    birth_bundle, tmp_path
):
    text = pdf_text(documents.receipt_pdf(birth_bundle))

    for private in ("040195001234", "040093005678", "Trần Minh An", "Trần Văn Bình", "Lê Hồng Phong", "CS-2026"):
        assert private not in text
    assert "Nguyễn Thị Lan" in text


def test_the_receipt_of_a_death_bundle_at_the_desk_lists_every_office_and_the_clerk(death_bundle, tmp_path):
    pdf = documents.receipt_pdf(death_bundle)
    text = pdf_text(pdf)

    assert death_bundle.code == f"KT-40-2026-{death_bundle.pk:06d}"
    assert f"Mã hồ sơ: {death_bundle.code}" in text
    assert "UBND XÃ ANH SƠN" in text
    assert "Bộ phận Một cửa UBND xã Anh Sơn" in text
    assert "Anh Sơn, ngày 02 tháng 3 năm 2026" in text
    assert "Thời gian tiếp nhận: 02/03/2026 10:00" in text
    assert "Hình thức nộp: Trực tiếp" in text
    assert "Người nộp hồ sơ: Lê Văn Hùng" in text
    assert "Không có giấy tờ nào được đính kèm dưới dạng điện tử." in text
    assert f"Ngày hẹn trả kết quả: {death_bundle.due_date:%d/%m/%Y}" in text
    assert death_bundle.due_date == D("2026-03-16")
    assert (
        "4. Cơ quan giải quyết và thông tin liên hệ Tư pháp - Hộ tịch, UBND xã Anh Sơn Công an xã Anh Sơn "
        "Bảo hiểm xã hội cơ sở Anh Sơn Tra cứu"
    ) in text
    assert "Địa chỉ" not in text and "—" not in text
    assert tracking_url(death_bundle) in text
    assert "NGƯỜI NỘP HỒ SƠ" in text
    assert "Phạm Thị Hoa" in text
    for private in ("040080004321", "040050009876", "Lê Văn Tâm", "BT-2026-0456"):
        assert private not in text
    assert pdf_pages(pdf) == [A4_PORTRAIT]


def test_the_receipt_dates_the_first_step_and_says_the_waiting_ones_follow_it(birth_bundle):
    html = documents.receipt_html(birth_bundle)

    assert step_rows(html) == [
        ("1", "Đăng ký khai sinh", "Tư pháp - Hộ tịch, UBND phường Trường Vinh", "02/03/2026"),
        ("2", "Đăng ký thường trú", "Công an phường Trường Vinh", "sau khi bước trước hoàn thành"),
        (
            "3",
            "Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi",
            "Bảo hiểm xã hội cơ sở Vinh",
            "sau khi bước trước hoàn thành",
        ),
    ]


def test_the_receipt_printed_after_the_first_step_dates_every_step(death_bundle):
    html = documents.receipt_html(death_bundle)

    assert step_rows(html) == [
        ("1", "Đăng ký khai tử", "Tư pháp - Hộ tịch, UBND xã Anh Sơn", "02/03/2026"),
        ("2", "Xóa đăng ký thường trú", "Công an xã Anh Sơn", "04/03/2026"),
        ("3", "Trợ cấp mai táng phí / hỗ trợ chi phí mai táng", "Bảo hiểm xã hội cơ sở Anh Sơn", "13/03/2026"),
        ("4", "Giải quyết chế độ tử tuất", "Bảo hiểm xã hội cơ sở Anh Sơn", "13/03/2026"),
    ]


def test_the_receipt_prints_an_offices_contacts_when_it_has_them(death_bundle, tmp_path):
    police = death_bundle.steps.get(procedure_id="residence_deregistration").office
    police.address, police.phone, police.email = "Khối 1, xã Anh Sơn", "0238 3872 113", "ca.anhson@nghean.gov.vn"
    police.save()

    text = pdf_text(documents.receipt_pdf(death_bundle))

    assert (
        "Công an xã Anh Sơn – Địa chỉ: Khối 1, xã Anh Sơn; Điện thoại: 0238 3872 113; "
        "Thư điện tử: ca.anhson@nghean.gov.vn"
    ) in text


def test_the_receipt_carries_segnos_qr_code_of_the_tracking_url(birth_bundle):
    url = tracking_url(birth_bundle)

    html = documents.receipt_html(birth_bundle)

    assert segno.make_qr(url).svg_inline(scale=layout.QR_SCALE) in html
    assert html.count("<svg") == 1


def test_the_apology_letter_names_the_office_procedure_code_and_new_appointment(birth_bundle, officer, tmp_path):
    justice = officer("civil_status")
    justice.first_name = "Đặng Văn Minh"
    justice.save()
    first = birth_bundle.steps.get(procedure_id="birth_registration")
    with time_machine.travel(at(2026, 3, 4, 9), tick=False):
        step = services.step_apologise(user=justice, step_pk=first.pk, new_appointment_on=D("2026-03-06"))
        pdf = documents.apology_pdf(step, new_appointment_on=D("2026-03-06"), signer=justice)

    text = pdf_text(pdf)

    assert step.new_appointment_on == D("2026-03-06")
    assert "THƯ XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Trường Vinh, ngày 04 tháng 3 năm 2026" in text
    assert "Kính gửi: Ông/Bà Nguyễn Thị Lan" in text
    assert f"hồ sơ liên thông mã số {birth_bundle.code}" in text
    assert "thủ tục Đăng ký khai sinh do Tư pháp - Hộ tịch, UBND phường Trường Vinh giải quyết" in text
    assert "hẹn trả kết quả ngày 02/03/2026" in text
    assert "Lý do: Hồ sơ chưa được giải quyết đúng hạn." in text
    assert "hẹn lại ngày trả kết quả là ngày 06/03/2026" in text
    assert "Đặng Văn Minh" in text
    assert "040195001234" not in text
    assert pdf_pages(pdf) == [A4_PORTRAIT]


def test_the_apology_letter_never_repeats_an_earlier_supplement_or_refusal_reason(birth_bundle, officer, tmp_path):
    step = birth_bundle.steps.get(procedure_id="birth_registration")
    step.reason = "Thiếu giấy chứng sinh bản chính."  # left by an earlier return for supplement

    pdf = documents.apology_pdf(step, new_appointment_on=D("2026-03-06"), signer=officer("civil_status"))

    text = pdf_text(pdf)
    assert "Lý do: Hồ sơ chưa được giải quyết đúng hạn." in text
    assert "Thiếu giấy chứng sinh" not in text
    assert "civil_status.16690.2026-03-02" in text  # an officer without a name signs with the username


@pytest.mark.parametrize(
    ("day", "line"),
    [
        ("2026-01-05", "Trường Vinh, ngày 05 tháng 01 năm 2026"),
        ("2026-02-28", "Trường Vinh, ngày 28 tháng 02 năm 2026"),
        ("2026-03-09", "Trường Vinh, ngày 09 tháng 3 năm 2026"),
        ("2026-12-10", "Trường Vinh, ngày 10 tháng 12 năm 2026"),
    ],
)
def test_the_date_line_pads_days_below_10_and_months_below_3(day, line):
    ward = AdministrativeUnit.objects.valid_on(D(day)).get(code="16690")

    assert documents.place_and_date(ward, D(day)) == line


def test_a_receipt_with_four_offices_and_all_their_contacts_fits_on_one_a4_page(integration, tmp_path):
    bundle, _new = services.bundle_file(user=integration, data=typed(death(funeral_category="merit")))
    for office in {step.office for step in bundle.steps.all()}:
        office.address = "Số 16, đường Trường Thi, phường Trường Vinh, tỉnh Nghệ An"
        office.phone, office.email = "0238 3844 111", "mot.cua@nghean.gov.vn"
        office.save()

    pdf = documents.receipt_pdf(bundle)
    text = pdf_text(pdf)

    assert "Sở Nội vụ tỉnh Nghệ An – Địa chỉ: Số 16, đường Trường Thi, phường Trường Vinh, tỉnh Nghệ An" in text
    assert text.count("Điện thoại: 0238 3844 111; Thư điện tử: mot.cua@nghean.gov.vn") == 4
    assert pdf_pages(pdf) == [A4_PORTRAIT]


def test_the_receipt_leaves_out_the_contacts_an_office_has_not_given(death_bundle):
    police = death_bundle.steps.get(procedure_id="residence_deregistration").office
    police.phone = "0238 3872 113"
    police.save()

    lines = pdf_lines(documents.receipt_pdf(death_bundle))

    contacts = lines[lines.index("4. Cơ quan giải quyết và thông tin liên hệ") + 1 :][:3]
    assert contacts == [
        "Tư pháp - Hộ tịch, UBND xã Anh Sơn",
        "Công an xã Anh Sơn – Điện thoại: 0238 3872 113",
        "Bảo hiểm xã hội cơ sở Anh Sơn",
    ]


def test_the_administrator_edits_an_offices_contacts_and_the_next_receipt_prints_them(death_bundle, client):
    admin = User.objects.create_superuser("province.admin", password="pw", role=UserRole.ADMIN)
    client.force_login(admin)
    police = death_bundle.steps.get(procedure_id="residence_deregistration").office
    form = {"name": police.name, "agency": police.agency, "unit": police.unit_id}

    saved = client.post(
        f"/admin/agencies/office/{police.pk}/change/",
        {**form, "address": "Khối 1, xã Anh Sơn", "phone": "0238 3872 113", "email": "ca.anhson@nghean.gov.vn"},
    )

    assert saved.status_code == 302
    text = pdf_text(documents.receipt_pdf(death_bundle))
    assert (
        "Công an xã Anh Sơn – Địa chỉ: Khối 1, xã Anh Sơn; Điện thoại: 0238 3872 113; "
        "Thư điện tử: ca.anhson@nghean.gov.vn"
    ) in text


@pytest.mark.parametrize(
    ("code", "on", "desk"),
    [
        ("16690", "2026-03-02", "UBND PHƯỜNG TRƯỜNG VINH"),
        ("18118", "2026-03-02", "UBND PHƯỜNG NAM HỒNG LĨNH"),  # the longest name of the two provinces today
        ("17713", "2024-05-01", "UBND THỊ TRẤN THANH CHƯƠNG"),  # the longest of any period
    ],
)
def test_the_national_motto_and_the_desk_never_wrap_in_the_header(birth_bundle, code, on, desk):
    birth_bundle.commune = AdministrativeUnit.objects.valid_on(D(on)).get(code=code)

    lines = pdf_lines(documents.receipt_pdf(birth_bundle))

    assert " ".join(lines[0].split()) == f"{desk} CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert " ".join(lines[1].split()) == "BỘ PHẬN MỘT CỬA Độc lập - Tự do - Hạnh phúc"
    assert lines[2].strip().startswith(f"{birth_bundle.commune.bare_name}, ngày 02 tháng 3 năm 2026")


def test_the_receipts_tracking_link_and_qr_code_use_the_public_address_not_the_printers(
    death_bundle, client, settings, signing
):
    signing(unit=death_bundle.commune)
    settings.PUBLIC_BASE_URL = "https://dichvucong.nghean.gov.vn"
    settings.ALLOWED_HOSTS = ["127.0.0.1"]  # the desk's own machine, where the clerk prints
    client.force_login(death_bundle.filed_by)

    response = signed_get(client, f"/bundles/{death_bundle.code}/receipt.pdf", HTTP_HOST="127.0.0.1:8000")
    html = documents.receipt_html(death_bundle)

    text = pdf_text(response.content)
    url = f"https://dichvucong.nghean.gov.vn/track/?code={death_bundle.code}"
    assert response.status_code == 200
    assert url in text
    assert "127.0.0.1" not in text
    assert segno.make_qr(url).svg_inline(scale=layout.QR_SCALE) in html


@pytest.mark.parametrize(
    ("debug", "address", "errors"),
    [
        (False, "", ["cases.E001"]),
        (False, "dichvucong.nghean.gov.vn", ["cases.E001"]),
        (False, "https://dichvucong.nghean.gov.vn", []),
        (True, "", []),
    ],
)
def test_outside_debug_the_public_address_must_be_set(settings, debug, address, errors):
    settings.DEBUG, settings.PUBLIC_BASE_URL = debug, address

    assert [error.id for error in public_base_url_check()] == errors


@pytest.mark.parametrize(
    ("category", "line"),
    [
        (
            "social_insurance",
            "Chế độ mai táng: Trợ cấp mai táng (bảo hiểm xã hội); mức dự kiến 23.400.000 đồng theo mức quy định "
            "tại tháng người chết qua đời, do Bảo hiểm xã hội cơ sở Anh Sơn chi trả.",
        ),
        (
            "social_protection",
            "Chế độ mai táng: Đối tượng bảo trợ xã hội; mức dự kiến 10.000.000 đồng theo mức quy định "
            "tại tháng người chết qua đời, do Chủ tịch UBND xã Anh Sơn chi trả.",
        ),
    ],
)
def test_a_death_receipt_prints_the_funeral_category_the_amount_and_who_pays(integration, category, line):
    data = death(funeral_category=category, channel="online")
    bundle, _new = services.bundle_file(user=integration, data=typed(data))

    text = pdf_text(documents.receipt_pdf(bundle))

    assert line in text


def test_a_birth_receipt_says_nothing_of_a_funeral(birth_bundle):
    assert "mai táng" not in pdf_text(documents.receipt_pdf(birth_bundle))


EMPTY_FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig><cachedir>{cache}</cachedir></fontconfig>
"""
RENDER = (
    "import sys, django; django.setup(); from signing.layout import html_to_pdf; "
    "sys.stdout.buffer.write(html_to_pdf(open(sys.argv[1], encoding='utf-8').read()))"
)


def test_a_receipt_is_the_same_on_a_machine_without_any_font(death_bundle, tmp_path):
    """The same HTML laid out by the same function in a process whose fontconfig sees no font at
    all gives the same lines on the same pages, in the vendored fonts only."""
    html = tmp_path / "receipt.html"
    html.write_text(documents.receipt_html(death_bundle), encoding="utf-8")
    config = tmp_path / "fonts.conf"
    config.write_text(EMPTY_FONTCONFIG.format(cache=tmp_path / "cache"))
    env = {**os.environ, "FONTCONFIG_FILE": str(config), "DJANGO_SETTINGS_MODULE": "portal.settings"}

    bare = subprocess.run(
        [sys.executable, "-c", RENDER, str(html)], env=env, cwd=settings.BASE_DIR, capture_output=True, check=True
    )
    here = documents.receipt_pdf(death_bundle)

    assert "No fonts configured in FontConfig" in bare.stderr.decode()  # the machine had none to offer
    assert pdf_lines(bare.stdout) == pdf_lines(here)
    assert pdf_pages(bare.stdout) == pdf_pages(here) == [A4_PORTRAIT]
    vendored = {"Lien-Thong-Serif", "Lien-Thong-Serif-Bold", "Lien-Thong-Serif-Italic"}
    assert pdf_fonts(bare.stdout) == pdf_fonts(here) == vendored


@pytest.fixture
def returned(birth_bundle, officer):
    """The civil-status officer Đặng Văn Minh returns the birth registration at 09:00 on 3 March 2026."""
    justice = officer("civil_status")
    justice.first_name = "Đặng Văn Minh"
    justice.save()
    first = birth_bundle.steps.get(procedure_id="birth_registration")
    with time_machine.travel(at(2026, 3, 3, 9), tick=False):
        services.step_return(
            user=justice,
            step_pk=first.pk,
            reason="Giấy chứng sinh bị mờ, không đọc được số.",
            missing_documents=["Giấy chứng sinh", "Giấy tờ chứng minh chỗ ở hợp pháp"],
        )
    first.refresh_from_db()
    return first


def test_the_supplement_request_lists_the_documents_the_reason_and_the_last_day(returned, make_user):
    clerk = make_user(UserRole.CLERK, commune="16690", first_name="Hồ Thị Mai")
    bundle = returned.bundle

    with time_machine.travel(at(2026, 3, 3, 10), tick=False):
        text = pdf_text(documents.supplement_request_pdf(bundle, steps=[returned], signer=clerk))

    assert returned.supplement_deadline == D("2026-03-12")
    assert text == (
        "UBND PHƯỜNG TRƯỜNG VINH CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM BỘ PHẬN MỘT CỬA Độc lập - Tự do - Hạnh phúc "
        "Trường Vinh, ngày 03 tháng 3 năm 2026 PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ "
        f"Mã hồ sơ: {bundle.code} Hồ sơ của: Nguyễn Thị Lan Số điện thoại: 0912345678 "
        "Ngày tiếp nhận: 02/03/2026 Nơi tiếp nhận: Bộ phận Một cửa UBND phường Trường Vinh (tiếp nhận trực tuyến) "
        "Nội dung yêu cầu giải quyết: liên thông các thủ tục Đăng ký khai sinh; Đăng ký thường trú; "
        "Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi. "
        "Yêu cầu Ông/Bà bổ sung, hoàn thiện hồ sơ gồm những nội dung sau: "
        "1. Thủ tục Đăng ký khai sinh (Tư pháp - Hộ tịch, UBND phường Trường Vinh) Giấy tờ cần bổ sung: "
        "• Giấy chứng sinh; • Giấy tờ chứng minh chỗ ở hợp pháp; "
        "Lý do: Giấy chứng sinh bị mờ, không đọc được số. "
        "Thời hạn bổ sung: chậm nhất ngày 12/03/2026; quá thời hạn này mà chưa bổ sung, hồ sơ của thủ tục này "
        "bị từ chối giải quyết. Người yêu cầu: Đặng Văn Minh, ngày 03/03/2026. "
        "Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, Ông/Bà liên hệ Bộ phận Một cửa UBND phường "
        "Trường Vinh hoặc cơ quan giải quyết để được hướng dẫn: Tư pháp - Hộ tịch, UBND phường Trường Vinh "
        f"Ông/Bà có thể theo dõi tình trạng hồ sơ tại {tracking_url(bundle)} bằng mã hồ sơ và 4 chữ số cuối số "
        "định danh cá nhân của người nộp hồ sơ./. "
        "NGƯỜI HƯỚNG DẪN (Ký và ghi rõ họ tên) Hồ Thị Mai Trang 1/1"
    )


def test_the_refusal_slip_gives_the_reason_who_refused_and_the_steps_that_cannot_go_on(birth_bundle, officer):
    justice = officer("civil_status")
    justice.first_name = "Đặng Văn Minh"
    justice.save()
    first = birth_bundle.steps.get(procedure_id="birth_registration")
    with time_machine.travel(at(2026, 3, 3, 9), tick=False):
        services.step_refuse(user=justice, step_pk=first.pk, reason="Người đi đăng ký không có quyền yêu cầu.")
        first.refresh_from_db()
        text = pdf_text(documents.refusal_pdf(birth_bundle, steps=[first], signer=justice))

    assert "Trường Vinh, ngày 03 tháng 3 năm 2026 PHIẾU TỪ CHỐI TIẾP NHẬN, GIẢI QUYẾT HỒ SƠ" in text
    assert f"Mã hồ sơ: {birth_bundle.code} Hồ sơ của: Nguyễn Thị Lan Số điện thoại: 0912345678" in text
    assert (
        "cơ quan có thẩm quyền từ chối giải quyết hồ sơ của Ông/Bà đối với thủ tục sau: "
        "1. Thủ tục Đăng ký khai sinh (Tư pháp - Hộ tịch, UBND phường Trường Vinh) "
        "Lý do từ chối: Người đi đăng ký không có quyền yêu cầu. Người từ chối: Đặng Văn Minh, ngày 03/03/2026. "
        "Các thủ tục không được giải quyết tiếp: "
        "• Đăng ký thường trú (Công an phường Trường Vinh): Bước trước đã bị từ chối. "
        "• Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi (Bảo hiểm xã hội cơ sở Vinh): Bước trước đã bị từ chối."
    ) in text
    assert "NGƯỜI LẬP PHIẾU (Ký và ghi rõ họ tên) Đặng Văn Minh" in text


def test_a_step_refused_when_the_documents_did_not_arrive_says_so_on_the_slip(returned, make_user):
    clerk = make_user(UserRole.CLERK, commune="16690", first_name="Hồ Thị Mai")
    with time_machine.travel(at(2026, 3, 13, 1), tick=False):
        services.supplements_expire(today=D("2026-03-13"))
        returned.refresh_from_db()
        text = pdf_text(documents.refusal_pdf(returned.bundle, steps=[returned], signer=clerk))

    assert returned.state == "refused"
    assert (
        "Lý do từ chối: Hồ sơ bổ sung không được nộp đúng hạn. "
        "Từ chối tự động khi hết thời hạn bổ sung hồ sơ, ngày 13/03/2026."
    ) in text
    assert "Trường Vinh, ngày 13 tháng 3 năm 2026" in text


def test_the_slips_show_no_id_number_and_no_personal_data_beyond_the_applicants_name_and_phone(returned, officer):
    supplement = pdf_text(
        documents.supplement_request_pdf(returned.bundle, steps=[returned], signer=officer("civil_status"))
    )
    with time_machine.travel(at(2026, 3, 4, 9), tick=False):
        services.step_refuse(user=officer("civil_status"), step_pk=returned.pk, reason="Không bổ sung.")
    returned.refresh_from_db()
    refusal = pdf_text(documents.refusal_pdf(returned.bundle, steps=[returned], signer=officer("civil_status")))

    for text in (supplement, refusal):
        for private in ("040195001234", "040093005678", "Trần Minh An", "Trần Văn Bình", "Lê Hồng Phong", "CS-2026"):
            assert private not in text
        assert "Nguyễn Thị Lan" in text


def test_the_desk_and_the_office_print_the_slips_and_nobody_else_gets_them(
    returned, client, make_user, officer, signing
):
    code, pk = returned.bundle.code, returned.pk
    desk = make_user(UserRole.CLERK, commune="16690")
    signing(user=desk)
    signing(user=officer("civil_status"))
    other_desk = make_user(UserRole.CLERK, commune="17329")
    police = officer("residence")

    def get(user, url):
        client.force_login(user)
        return client.get(url)

    assert get(desk, f"/bundles/{code}/supplement-request.pdf").status_code == 202  # issued: being signed
    assert get(officer("civil_status"), f"/steps/{pk}/supplement-request.pdf").status_code == 202
    assert get(other_desk, f"/bundles/{code}/supplement-request.pdf").status_code == 404
    assert get(police, f"/steps/{pk}/supplement-request.pdf").status_code == 404  # another office's step
    assert get(desk, f"/bundles/{code}/refusal.pdf").status_code == 404  # nothing refused
    assert get(officer("civil_status"), f"/steps/{pk}/refusal.pdf").status_code == 404
    page = get(desk, f"/bundles/{code}/").content.decode()
    step_page = get(officer("civil_status"), f"/steps/{pk}/").content.decode()
    assert f'href="/bundles/{code}/supplement-request.pdf"' in page
    assert f'href="/bundles/{code}/refusal.pdf"' not in page
    assert f'href="/steps/{pk}/supplement-request.pdf"' in step_page

    with time_machine.travel(at(2026, 3, 4, 9), tick=False):
        services.step_refuse(user=officer("civil_status"), step_pk=pk, reason="Không bổ sung.")

    assert get(desk, f"/bundles/{code}/refusal.pdf").status_code == 202
    assert get(other_desk, f"/bundles/{code}/refusal.pdf").status_code == 404
    assert get(police, f"/steps/{pk}/refusal.pdf").status_code == 404
    assert get(desk, f"/bundles/{code}/supplement-request.pdf").status_code == 404  # nothing waits any more
    assert f'href="/bundles/{code}/refusal.pdf"' in get(desk, f"/bundles/{code}/").content.decode()
    assert f'href="/steps/{pk}/refusal.pdf"' in get(officer("civil_status"), f"/steps/{pk}/").content.decode()
