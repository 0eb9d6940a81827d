"""Bad dossiers are refused with a message under each field that is wrong, and nothing is kept."""

import pytest

from cases.models import Bundle, Event, Outbox, Step
from tests.cases.conftest import birth, death

pytestmark = pytest.mark.django_db


def refused(api, user, data, language="vi"):
    response = api(user).post("/api/v1/bundles/", data, format="json", headers={"Accept-Language": language})
    assert response.status_code == 400, response.json()
    assert (Bundle.objects.count(), Step.objects.count(), Event.objects.count(), Outbox.objects.count()) == (0, 0, 0, 0)
    return response.json()


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            birth(mother__id_number="040095001234"),
            {"mother.id_number": ["Chữ số thứ 4 (giới tính và thế kỷ) không khớp với nữ sinh năm 1995."]},
        ),
        (
            birth(father__id_number="040092005678"),
            {"father.id_number": ["Chữ số thứ 5–6 (năm sinh) không khớp với năm 1993."]},
        ),
        (birth(applicant__id_number="999195001234"), {"applicant.id_number": ["999 không phải mã tỉnh."]}),
        (birth(child__date_of_birth="2026-03-03"), {"child.date_of_birth": ["Ngày sinh không được ở tương lai."]}),
        (
            birth(child__date_of_birth="2020-03-01"),
            {
                "child.date_of_birth": [
                    "Thẻ BHYT qua nhóm thủ tục này chỉ cấp cho trẻ dưới 6 tuổi vào ngày nộp hồ sơ."
                ],
            },
        ),
        (
            birth(residence__household_head_consent=False),
            {
                "residence.household_head_consent": [
                    "Chủ hộ phải đồng ý cho trẻ đăng ký thường trú vào hộ (tờ khai CT01)."
                ]
            },
        ),
        (
            birth(residence__owner_consent=False),
            {"residence.owner_consent": ["Chủ sở hữu chỗ ở hợp pháp phải đồng ý (tờ khai CT01)."]},
        ),
        (birth(residence=None), {"residence": ["Trường này là bắt buộc."]}),
        (birth(insurance=None), {"insurance": ["Trường này là bắt buộc."]}),
        (
            birth(procedures=["birth_registration"], residence=None, insurance=None),
            {"procedures": ["Tổ hợp thủ tục này không phải nhóm thủ tục liên thông mà cổng cung cấp."]},
        ),
        (
            birth(procedures=["birth_registration", "permanent_residence"]),
            {"insurance": ["Chỉ dùng khi hồ sơ có thủ tục cấp thẻ BHYT."]},
        ),
        (birth(child__birth_certificate_number=None), {"child.birth_certificate_number": ["Trường này là bắt buộc."]}),
        (birth(commune="99999"), {"commune": ["Không có đơn vị hành chính mã 99999 vào ngày 2026-03-02."]}),
        (
            birth(received_at="2099-01-01T08:00:00+07:00"),
            {"received_at": ["Thời điểm tiếp nhận không được ở tương lai."]},
        ),
        (birth(channel="fax"), {"channel": ['"fax" không phải là một lựa chọn hợp lệ.']}),
        (
            death(deceased__date_of_death="2026-03-05", death_notice__date="2026-03-05"),
            {
                "deceased.date_of_death": ["Ngày mất không được ở tương lai."],
                "death_notice.date": ["Giấy báo tử không được ghi ngày ở tương lai."],
            },
        ),
        (
            death(deceased__date_of_death="1949-01-01", death_notice__date="1949-01-02"),
            {"deceased.date_of_death": ["Ngày mất không được trước ngày sinh."]},
        ),
        (
            death(death_notice__date="2026-02-24"),
            {"death_notice.date": ["Giấy báo tử không được ghi ngày trước ngày mất."]},
        ),
        (death(funeral_category=None), {"funeral_category": ["Chọn đúng một diện hưởng mai táng phí."]}),
        (
            death(procedures=["death_registration", "residence_deregistration"], survivor_benefit=None),
            {"funeral_category": ["Chỉ dùng khi hồ sơ có thủ tục mai táng phí."]},
        ),
        (death(death_notice=None), {"death_notice": ["Trường này là bắt buộc."]}),
        (
            death(deceased__id_number="040150009876"),
            {"deceased.id_number": ["Chữ số thứ 4 (giới tính và thế kỷ) không khớp với nam sinh năm 1950."]},
        ),
    ],
)
def test_each_broken_rule_is_named_under_its_field(api, integration, data, errors):
    body = refused(api, integration, data)

    assert body["detail"] == "Yêu cầu có lỗi: xem từng trường."
    assert body["errors"] == errors


def test_messages_are_in_english_on_request(api, integration):
    body = refused(api, integration, birth(residence__owner_consent=False), language="en")

    assert body == {
        "detail": "The request has errors: see each field.",
        "errors": {
            "residence.owner_consent": ["The owner of the residence must agree to the registration (form CT01)."]
        },
    }


def test_late_birth_registration_is_accepted_and_flagged(api, integration):
    response = api(integration).post("/api/v1/bundles/", birth(child__date_of_birth="2025-12-31"), format="json")

    assert (response.status_code, response.json()["late_registration"]) == (201, True)


def test_a_death_registered_within_15_days_is_not_late(api, integration):
    response = api(integration).post("/api/v1/bundles/", death(), format="json")

    assert (response.status_code, response.json()["late_registration"]) == (201, False)
