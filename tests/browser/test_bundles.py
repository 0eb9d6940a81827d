"""Both bundles walked in a real browser: the desk's intake, each officer's queue, the citizen's
tracking page; a supplement and a refusal on the way. Screenshots go to var/screenshots/."""

import datetime
import re

import pytest
from django.utils import timezone

from cases.models import Bundle
from tests.browser.conftest import screenshot
from tests.scans import PDF

pytestmark = pytest.mark.django_db(transaction=True)


def fill(page, values: dict[str, str]) -> None:
    for name, value in values.items():
        page.locator(f'[name="{name}"]').fill(value)


def work_step(page, code: str, procedure: str) -> None:
    """From the officer's queue, open the step of dossier `code`, claiming it on the way (HTMX)."""
    row = page.locator("tr", has=page.get_by_role("link", name=code)).filter(has_text=procedure)
    row.get_by_role("button", name="Nhận xử lý").click()
    row.get_by_text("Đang xử lý").wait_for()
    row.get_by_role("link", name=code).click()
    page.get_by_role("heading", level=1, name=procedure).wait_for()


def complete(page, values: dict[str, str]) -> None:
    page.get_by_text("Hoàn thành", exact=True).click()
    fill(page, values)
    page.get_by_label("Tôi đã kiểm tra kết quả: đã ghi thì không sửa được").check()
    page.get_by_role("button", name="Ghi kết quả").click()
    page.get_by_text("Bước đã hoàn thành").wait_for()


def track(page, live_server, code: str, last4: str) -> list[tuple[str, str]]:
    page.context.clear_cookies()
    page.goto(live_server.url + "/track/")
    page.get_by_label("Mã hồ sơ (trên giấy tiếp nhận)").fill(code)
    page.get_by_label("4 chữ số cuối số định danh của người nộp").fill(last4)
    page.get_by_role("button", name="Tra cứu").click()
    rows = page.locator("section table:not(.accesses) tbody tr")  # the steps, not who viewed the dossier
    return [(row.locator("td").nth(0).inner_text(), row.locator("td").nth(1).inner_text()) for row in rows.all()]


def test_a_birth_dossier_from_the_desk_through_three_offices_to_the_citizen(page, live_server, portal, tmp_path):
    born = timezone.localdate() - datetime.timedelta(days=10)
    portal("clerk.16690")
    page.get_by_role("link", name="Tiếp nhận hồ sơ khai sinh").first.click()
    page.get_by_label("Khai sinh, thường trú, thẻ BHYT").check()
    fill(page, {
        "applicant-full_name": "Nguyễn Thị Lan", "applicant-id_number": "040195001234",
        "applicant-relationship": "mẹ", "applicant-phone": "0912345678",
        "child-full_name": "Trần Minh An", "child-date_of_birth": born.isoformat(),
        "child-place_of_birth": "Bệnh viện Sản Nhi Nghệ An", "child-birth_certificate_number": "CS-BROWSER-1",
        "mother-full_name": "Nguyễn Thị Lan", "mother-date_of_birth": "1995-05-01", "mother-id_number": "040195001234",
        "residence-address": "Số 5, đường Lê Hồng Phong", "residence-household_head-full_name": "Trần Văn Bình",
        "residence-household_head-id_number": "040093005678", "residence-household_head-relationship_to_child": "cha",
        "insurance-initial_clinic": "Trạm y tế phường Trường Vinh",
    })  # fmt: skip
    page.locator('[name="child-sex"][value="female"]').check()
    page.get_by_label("Chủ hộ đồng ý cho trẻ đăng ký thường trú").check()
    screenshot(page, "birth-1-intake")
    page.get_by_role("button", name="Kiểm tra và xem lại").click()

    # The form forgot the owner's consent: refused next to the field, everything typed still there.
    consent = page.locator(".field.has-error", has=page.locator('[name="residence-owner_consent"]'))
    assert consent.locator(".field-errors").inner_text() == "Chủ sở hữu chỗ ở hợp pháp phải đồng ý (tờ khai CT01)."
    assert page.locator('[name="child-full_name"]').input_value() == "Trần Minh An"
    screenshot(page, "birth-2-refused")
    page.get_by_label("Chủ sở hữu chỗ ở hợp pháp (hoặc người đại diện) đồng ý").check()
    page.get_by_role("button", name="Kiểm tra và xem lại").click()

    page.get_by_role("heading", name="Xem lại hồ sơ").wait_for()
    assert "Tư pháp - Hộ tịch, UBND phường Trường Vinh" in page.locator("main").inner_text()
    scan = tmp_path / "giay-chung-sinh.pdf"
    scan.write_bytes(PDF)
    page.get_by_label("Giấy tờ 1").select_option("Giấy chứng sinh")
    page.locator('[name="document-1-file"]').set_input_files(str(scan))
    screenshot(page, "birth-3-review")
    page.get_by_role("button", name="Nộp hồ sơ").click()

    page.get_by_text("Đã tiếp nhận hồ sơ").wait_for()
    code = page.get_by_role("heading", level=1).inner_text().split()[0]
    assert re.fullmatch(r"KS-40-\d{4}-\d{6}", code)
    screenshot(page, "birth-4-filed")

    portal("civil_status.16690")
    work_step(page, code, "Đăng ký khai sinh")
    screenshot(page, "birth-5-step")
    complete(page, {"result-register_number": "125/2026", "result-personal_id_number": f"0403{born:%y}001122"})

    portal("residence.16690")
    work_step(page, code, "Đăng ký thường trú")
    complete(page, {"result-registration_number": "TT-2026-0042"})

    portal("social_insurance.16690")
    screenshot(page, "birth-6-queue")
    work_step(page, code, "Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi")
    sixth_birthday_eve = born.replace(year=born.year + 6) - datetime.timedelta(days=1)
    complete(page, {"result-card_number": "TE1404012345678", "result-valid_to": sixth_birthday_eve.isoformat()})

    portal("clerk.16690")
    page.goto(f"{live_server.url}/bundles/{code}/")
    assert page.locator("h1 .state").inner_text() == "Đã hoàn thành"
    page.get_by_label("Công dân đã nhận kết quả: không thể hoàn tác").check()
    page.get_by_role("button", name="Đã trả kết quả cho công dân").click()
    page.get_by_text("Đã ghi nhận trả kết quả.").wait_for()
    screenshot(page, "birth-7-completed")

    assert track(page, live_server, code, "1234") == [
        ("Đăng ký khai sinh", "Đã xong"),
        ("Đăng ký thường trú", "Đã xong"),
        ("Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi", "Đã xong"),
    ]
    assert "Trần Minh An" not in page.content()
    screenshot(page, "birth-8-tracking")


def test_a_death_dossier_with_a_supplement_and_a_refused_funeral_allowance(page, live_server, portal):
    died = timezone.localdate() - datetime.timedelta(days=3)
    portal("clerk.16690")
    page.get_by_role("link", name="Tiếp nhận hồ sơ khai tử").first.click()
    page.get_by_label("Khai tử, xóa thường trú, mai táng phí", exact=True).check()
    fill(page, {
        "applicant-full_name": "Lê Văn Hùng", "applicant-id_number": "040080004321", "applicant-relationship": "con",
        "deceased-full_name": "Lê Văn Tâm", "deceased-date_of_birth": "1950-04-12",
        "deceased-id_number": "040050009876", "deceased-date_of_death": died.isoformat(),
        "deceased-place_of_death": "Tại nhà", "deceased-last_residence": "Số 9, phường Trường Vinh",
        "death_notice-number": "BT-2026-0456", "death_notice-issuer": "Trạm y tế phường Trường Vinh",
        "death_notice-date": died.isoformat(),
    })  # fmt: skip
    page.locator('[name="deceased-sex"][value="male"]').check()
    page.get_by_label(re.compile("trợ cấp xã hội hằng tháng")).check()
    result = page.locator("#funeral-result")
    result.get_by_text("Chủ tịch UBND phường Trường Vinh").wait_for()  # HTMX answered
    assert "10.000.000 đồng" in result.inner_text()
    screenshot(page, "death-1-funeral-questions")
    page.get_by_role("button", name="Kiểm tra và xem lại").click()
    page.get_by_role("button", name="Nộp hồ sơ").click()
    page.get_by_text("Đã tiếp nhận hồ sơ").wait_for()
    code = page.get_by_role("heading", level=1).inner_text().split()[0]

    portal("civil_status.16690")
    work_step(page, code, "Đăng ký khai tử")
    complete(page, {"result-register_number": "31/2026"})

    portal("residence.16690")
    work_step(page, code, "Xóa đăng ký thường trú")
    page.get_by_text("Yêu cầu bổ sung", exact=True).click()
    page.get_by_label("Lý do yêu cầu bổ sung").fill("Thiếu bản chính giấy báo tử")
    page.get_by_label("Giấy báo tử hoặc giấy tờ thay thế").check()
    page.get_by_role("button", name="Trả hồ sơ").click()
    page.get_by_text("Đã yêu cầu bổ sung").wait_for()
    screenshot(page, "death-2-returned")

    portal("clerk.16690")
    page.goto(f"{live_server.url}/bundles/{code}/")
    page.get_by_label("Công dân đã nộp bổ sung: ghi chú").fill("Đã nộp bản chính")
    page.get_by_role("button", name="Ghi nhận bổ sung").click()
    page.get_by_text("Đã ghi nhận giấy tờ bổ sung").wait_for()

    portal("residence.16690")
    work_step(page, code, "Xóa đăng ký thường trú")
    complete(page, {"result-registration_number": "XTT-2026-007"})

    portal("social_protection.16690")
    work_step(page, code, "Trợ cấp mai táng phí / hỗ trợ chi phí mai táng")
    page.get_by_text("Từ chối", exact=True).click()
    page.get_by_label("Lý do từ chối").fill("Người chết không thuộc diện bảo trợ xã hội")
    page.get_by_label("Tôi xác nhận từ chối: không thể hoàn tác").check()
    page.get_by_role("button", name="Từ chối bước này").click()
    page.get_by_text("Đã từ chối bước này.").wait_for()

    bundle = Bundle.objects.get(code=code)
    assert bundle.state == "partly_completed"
    assert track(page, live_server, code, "4321") == [
        ("Đăng ký khai tử", "Đã xong"),
        ("Xóa đăng ký thường trú", "Đã xong"),
        ("Trợ cấp mai táng phí / hỗ trợ chi phí mai táng", "Từ chối"),
    ]
    screenshot(page, "death-3-tracking")


def test_the_funeral_amount_follows_a_changed_date_of_death(page, live_server, portal):
    """The answer box under the funeral questions is refreshed when the date of death changes too,
    not only when a question is ticked: the amount is the one in force in the month of death."""
    portal("clerk.16690")
    page.goto(f"{live_server.url}/clerk/new/death/")
    page.get_by_label("Khai tử, xóa thường trú, mai táng phí", exact=True).check()
    fill(page, {"deceased-date_of_death": (timezone.localdate() - datetime.timedelta(days=3)).isoformat()})
    page.get_by_label(re.compile("trợ cấp xã hội hằng tháng")).check()
    result = page.locator("#funeral-result")
    result.get_by_text("10.000.000 đồng").wait_for()  # 20 × 500,000 from July 2024

    page.locator('[name="deceased-date_of_death"]').fill("01/12/2023")
    page.locator('[name="deceased-date_of_death"]').press("Tab")

    result.get_by_text("7.200.000 đồng").wait_for()  # 20 × 360,000, the level in force in December 2023
    assert "10.000.000" not in result.inner_text()
