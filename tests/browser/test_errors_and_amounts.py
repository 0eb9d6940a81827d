"""Issue 26 in a real browser: a blank intake form shows every error in one round, on a wide
screen and a phone's; an amount above the rate table is refused beyond the ceiling and, recorded
with its decision, shown as labelled facts. Screenshots go to var/screenshots/."""

import datetime
import re

import pytest
from django.utils import timezone

from agencies.models import User
from cases import services
from cases.api.serializers import BundleCreateSerializer
from tests.browser.conftest import screenshot
from tests.cases.conftest import death

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 412, "height": 915}


def summary(page) -> list[str]:
    return page.locator("#error-summary li a").all_inner_texts()


def test_a_blank_birth_and_death_form_show_every_error_in_one_round(page, live_server, portal):
    portal("clerk.16690")
    page.goto(f"{live_server.url}/clerk/new/birth/")
    page.get_by_label("Khai sinh, thường trú, thẻ BHYT").check()
    page.get_by_role("button", name="Kiểm tra và xem lại").click()
    page.locator("#error-summary").wait_for()
    first = summary(page)
    screenshot(page, "issue26-birth-blank-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, "issue26-birth-blank-412")
    page.get_by_role("button", name="Kiểm tra và xem lại").click()
    page.locator("#error-summary").wait_for()
    again = summary(page)

    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/clerk/new/death/")
    page.get_by_role("button", name="Kiểm tra và xem lại").click()
    page.locator("#error-summary").wait_for()
    dead = summary(page)
    screenshot(page, "issue26-death-blank-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, "issue26-death-blank-412")

    assert len(first) == 14 and again == first
    assert first[0] == "Người nộp hồ sơ – Họ, chữ đệm và tên: Trường này là bắt buộc."
    assert [text.split(" – ")[0] for text in dead[2:5]] == ["Người nộp hồ sơ", "Người chết", "Người chết"]
    assert len(dead) == 15
    assert page.locator(".field.has-error").count() + page.locator("fieldset.has-error").count() >= 15


def test_an_amount_above_the_table_is_refused_beyond_the_ceiling_and_shown_labelled_once_recorded(
    page, live_server, portal
):
    died = timezone.localdate() - datetime.timedelta(days=3)
    data = death(
        commune="16690", received_at=None, funeral_category="social_protection", survivor_benefit=None,
        procedures=["death_registration", "residence_deregistration", "funeral_allowance"],
        deceased__date_of_death=died.isoformat(), death_notice__date=died.isoformat(),
    )  # fmt: skip
    portal("clerk.16690")  # the demo accounts exist from here on
    typed = BundleCreateSerializer(data=data)
    assert typed.is_valid(), typed.errors
    bundle = services.bundle_file(user=User.objects.get(username="clerk.16690"), data=typed.validated_data)[0]
    services.step_complete(
        user=User.objects.get(username="civil_status.16690"),
        step_pk=bundle.steps.get(procedure_id="death_registration").pk,
        result={"register_number": "KT-31/2026"},
    )
    funeral = bundle.steps.get(procedure_id="funeral_allowance")

    portal("social_protection.16690")
    page.goto(f"{live_server.url}/steps/{funeral.pk}/")
    page.get_by_text("Hoàn thành", exact=True).click()
    page.locator('[name="result-decision_number"]').fill("QĐ-12/UBND")
    page.locator('[name="result-amount_vnd"]').fill("99999999999999999999999")
    page.locator('[name="result-amount_reason"]').fill("x")
    page.get_by_label("Tôi đã kiểm tra kết quả: đã ghi thì không sửa được").check()
    page.get_by_role("button", name="Ghi kết quả").click()
    refused = page.locator("#id_result-amount_vnd-errors").inner_text()
    screenshot(page, "issue26-amount-refused-1280")

    page.locator('[name="result-amount_vnd"]').fill("15.000.000")
    page.locator('[name="result-amount_reason"]').fill(
        "Nghị quyết 12/2025/NQ-HĐND ngày 10/07/2025 của HĐND tỉnh nâng mức hỗ trợ mai táng"
    )
    page.get_by_label("Tôi đã kiểm tra kết quả: đã ghi thì không sửa được").check()
    page.get_by_role("button", name="Ghi kết quả").click()
    page.get_by_text("Bước đã hoàn thành").wait_for()
    facts = page.locator("dl.facts.card").inner_text()
    screenshot(page, "issue26-amount-recorded-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, "issue26-amount-recorded-412")

    assert refused == (
        "Tối đa 30.000.000 đồng (3 lần mức 10.000.000 đồng theo bảng mức hưởng) với diện này: kiểm tra lại số tiền."
    )
    assert re.search(r"Số tiền theo quy định\s+10\.000\.000 đồng", facts)
    assert re.search(r"Lý do khác mức\s+Nghị quyết 12/2025/NQ-HĐND", facts)
    assert "amount_" not in facts


def test_the_review_and_dossier_pages_show_the_funeral_category_amount_and_answers(page, live_server, portal):
    died = timezone.localdate() - datetime.timedelta(days=3)
    portal("clerk.16690")
    page.goto(f"{live_server.url}/clerk/new/death/")
    page.get_by_label("Khai tử, xóa thường trú, mai táng phí", exact=True).check()
    for name, value in {
        "applicant-full_name": "Lê Văn Hùng", "applicant-id_number": "040080004321", "applicant-relationship": "con",
        "deceased-full_name": "Lê Văn Tâm", "deceased-date_of_birth": "12/04/1950",
        "deceased-id_number": "040050009876", "deceased-date_of_death": f"{died:%d/%m/%Y}",
        "deceased-place_of_death": "Tại nhà", "deceased-last_residence": "Số 9, phường Trường Vinh",
        "death_notice-number": "BT-2026-0456", "death_notice-issuer": "Trạm y tế phường Trường Vinh",
        "death_notice-date": f"{died:%d/%m/%Y}",
    }.items():  # fmt: skip
        page.locator(f'[name="{name}"]').fill(value)
    page.locator('[name="deceased-sex"][value="male"]').check()
    page.get_by_label(re.compile("trợ cấp xã hội hằng tháng")).check()
    page.locator("#funeral-result").get_by_text("10.000.000 đồng").wait_for()
    page.get_by_role("button", name="Kiểm tra và xem lại").click()
    page.get_by_role("heading", level=1, name="Xem lại hồ sơ").wait_for()
    review = page.locator("section.card").first.inner_text()
    screenshot(page, "issue26-death-review-1280")
    page.get_by_role("button", name="Nộp hồ sơ").click()
    page.get_by_text("Đã tiếp nhận hồ sơ").wait_for()
    dossier = page.locator("dl.facts.card").inner_text()
    screenshot(page, "issue26-death-dossier-1280")

    month = f"{died:%m/%Y}"
    for text in (review, dossier):
        assert re.search(r"Diện hưởng mai táng\s+Đối tượng bảo trợ xã hội", text)
        assert re.search(rf"Số tiền theo quy định\s+10\.000\.000 đồng \(bảng mức hưởng tháng {month}\)", text)
        assert re.search(r"Gia đình trả lời “có”\s+Người chết có đang hưởng trợ cấp xã hội hằng tháng", text)
