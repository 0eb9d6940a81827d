"""Issue 26 §4: the receipt of a dossier received online. The one-stop desk of the commune
received it ("tiếp nhận trực tuyến"), whoever sent it (the citizen, the national portal), and the
receipt prints the desk's contacts from the reference data; a dossier filed from a hospital notice
lists that notice among the electronic documents received."""

import pytest
import time_machine

from agencies.models import AdministrativeUnit
from cases import documents, services
from cases.api.serializers import BundleCreateSerializer
from tests.cases.conftest import at, birth
from tests.citizens.test_area import citizen_user
from tests.health.conftest import LAN, facility, post, signed, signer  # noqa: F401
from tests.pdfs import pdf_text

pytestmark = pytest.mark.django_db

NUMBER = "GCS-2026-000123"
RECEIVER = "CƠ QUAN TIẾP NHẬN HỒ SƠ (tiếp nhận trực tuyến) Bộ phận Một cửa UBND phường Trường Vinh"
DESK = (
    "Nơi tiếp nhận: Bộ phận Một cửa UBND phường Trường Vinh (tiếp nhận trực tuyến) – "
    "Địa chỉ: Trụ sở UBND phường Trường Vinh"
)


def typed(data: dict) -> dict:
    serializer = BundleCreateSerializer(data=data)
    assert serializer.is_valid(), serializer.errors
    return serializer.validated_data


def citizen_files(**changes):
    with time_machine.travel(at(2026, 12, 7, 9), tick=False):
        bundle, _new = services.bundle_file(
            user=citizen_user(LAN), data=typed(birth(received_at=None, **changes)), assurance="2"
        )
    return bundle


def test_the_reference_data_gives_each_commune_its_desks_address_and_no_made_up_phone():
    units = AdministrativeUnit.objects.filter(code="16690").order_by("valid_from")

    assert [(unit.name, unit.desk_address, unit.desk_phone) for unit in units] == [
        ("Phường Trường Thi", "Trụ sở UBND phường Trường Thi", ""),
        ("Phường Trường Thi", "Trụ sở UBND phường Trường Thi", ""),
        ("Phường Trường Vinh", "Trụ sở UBND phường Trường Vinh", ""),
    ]


def test_a_citizens_receipt_names_the_communes_desk_as_receiver_not_the_citizen():
    bundle = citizen_files()

    text = pdf_text(documents.receipt_pdf(bundle))

    assert "Hình thức nộp: Trực tuyến" in text
    assert DESK in text
    assert text.endswith(RECEIVER + " Trang 1/1")
    assert "NGƯỜI TIẾP NHẬN" not in text
    assert text.count("Nguyễn Thị Lan") == 1  # the applicant, never the receiver
    assert "Điện thoại" not in text  # no phone is known: none is printed, not even a dash
    assert "—" not in text


def test_a_partners_receipt_names_the_communes_desk_as_receiver_not_the_partner(integration):
    bundle, _new = services.bundle_file(user=integration, data=typed(birth()))

    text = pdf_text(documents.receipt_pdf(bundle))

    assert DESK in text
    assert text.endswith(RECEIVER + " Trang 1/1")
    assert "portal.integration" not in text


def test_the_desks_phone_is_printed_once_the_reference_data_knows_it():
    AdministrativeUnit.objects.filter(code="16690", name="Phường Trường Vinh").update(desk_phone="0238 3 000 000")
    bundle = citizen_files()

    text = pdf_text(documents.receipt_pdf(bundle))

    assert f"{DESK}; Điện thoại: 0238 3 000 000" in text


def test_a_receipt_filed_from_a_hospital_notice_lists_the_notice_as_an_electronic_document(post, signer):  # noqa: F811
    from health.models import HealthNotice

    assert post(signed(signer)).status_code == 201
    notice = HealthNotice.objects.get()
    bundle = citizen_files(health_notice=notice.pk, child__birth_certificate_number=NUMBER)

    text = pdf_text(documents.receipt_pdf(bundle))

    assert (
        "2. Thành phần hồ sơ đã nhận Bản điện tử: Giấy chứng sinh số GCS-2026-000123 của Bệnh viện Sản Nhi "
        "Nghệ An (đã kiểm tra chữ ký số). 3. Ngày hẹn trả kết quả"
    ) in text
    assert "Không có giấy tờ nào được đính kèm" not in text
