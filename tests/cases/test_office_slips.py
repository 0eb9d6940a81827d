"""Issue 26 §7: the request for documents an office prints for its own step carries that office's
header and is signed by its officer, as the signing does; the desk's slip stays the desk's."""

import pytest
import time_machine

from agencies.choices import UserRole
from cases import documents, services
from cases.api.serializers import BundleCreateSerializer
from tests.cases.conftest import at, birth
from tests.pdfs import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def police_returned(integration, officer):
    """Birth registered on Monday 2 March 2026; the police officer Võ Văn Hải returns the residence
    registration at 09:00 on Tuesday 3 March."""
    serializer = BundleCreateSerializer(data=birth())
    assert serializer.is_valid(), serializer.errors
    bundle, _new = services.bundle_file(user=integration, data=serializer.validated_data)
    with time_machine.travel(at(2026, 3, 2, 15), tick=False):
        services.step_complete(
            user=officer("civil_status"),
            step_pk=bundle.steps.get(procedure_id="birth_registration").pk,
            result={"register_number": "KS-12/2026", "personal_id_number": "040326001234"},
        )
    police = officer("residence")
    police.first_name = "Võ Văn Hải"
    police.save()
    step = bundle.steps.get(procedure_id="permanent_residence")
    with time_machine.travel(at(2026, 3, 3, 9), tick=False):
        services.step_return(
            user=police, step_pk=step.pk, reason="Thiếu giấy tờ chỗ ở.", missing_documents=["Giấy tờ chỗ ở hợp pháp"]
        )
    step.refresh_from_db()
    return step


def test_an_offices_supplement_slip_carries_its_header_and_is_signed_by_its_officer(police_returned):
    police = police_returned.claimant

    with time_machine.travel(at(2026, 3, 3, 10), tick=False):
        text = pdf_text(
            documents.supplement_request_pdf(police_returned.bundle, steps=[police_returned], signer=police)
        )

    assert text.startswith(
        "CÔNG AN PHƯỜNG TRƯỜNG VINH CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc "
        "Trường Vinh, ngày 03 tháng 3 năm 2026 PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ"
    )
    assert "BỘ PHẬN MỘT CỬA" not in text
    assert "1. Thủ tục Đăng ký thường trú (Công an phường Trường Vinh)" in text
    assert text.endswith("NGƯỜI HƯỚNG DẪN (Ký và ghi rõ họ tên) Võ Văn Hải Trang 1/1")


def test_the_desks_supplement_slip_keeps_the_desks_header_and_its_clerk(police_returned, make_user):
    clerk = make_user(UserRole.CLERK, commune="16690", first_name="Hồ Thị Mai")

    with time_machine.travel(at(2026, 3, 3, 10), tick=False):
        text = pdf_text(documents.supplement_request_pdf(police_returned.bundle, steps=[police_returned], signer=clerk))

    assert text.startswith("UBND PHƯỜNG TRƯỜNG VINH CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM BỘ PHẬN MỘT CỬA")
    assert text.endswith("NGƯỜI HƯỚNG DẪN (Ký và ghi rõ họ tên) Hồ Thị Mai Trang 1/1")


def test_an_office_issues_only_the_slip_of_its_own_steps(police_returned):
    police = police_returned.claimant
    steps = list(police_returned.bundle.steps.select_related("procedure", "office"))

    assert documents.slip_office([police_returned], police) == police_returned.office
    assert documents.slip_office([police_returned], police_returned.bundle.filed_by) is None
    assert documents.slip_office(steps, police) is None  # other offices' steps: the desk's slip


def test_an_online_dossiers_slip_names_the_desk_that_received_it_online_and_where_to_follow_it(
    police_returned, make_user, settings
):
    """Issue 26: the slip said "Nơi tiếp nhận: Bộ phận Một cửa" without whose or how, left a missing
    phone blank where the receipt prints "—", and sent the citizen to "Cổng dịch vụ công" without
    an address."""
    settings.PUBLIC_BASE_URL = "https://dichvucong.nghean.gov.vn"
    bundle = police_returned.bundle
    bundle.data["applicant"]["phone"] = ""
    bundle.save(update_fields=["data"])
    clerk = make_user(UserRole.CLERK, commune="16690", first_name="Hồ Thị Mai")

    with time_machine.travel(at(2026, 3, 3, 10), tick=False):
        text = pdf_text(documents.supplement_request_pdf(bundle, steps=[police_returned], signer=clerk))

    assert "Số điện thoại: —" in text
    assert "Nơi tiếp nhận: Bộ phận Một cửa UBND phường Trường Vinh (tiếp nhận trực tuyến)" in text
    assert (
        f"theo dõi tình trạng hồ sơ tại https://dichvucong.nghean.gov.vn/track/?code={bundle.code} bằng mã hồ sơ"
        in text
    )
