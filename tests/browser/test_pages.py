"""Issue 10 §7 in a real browser: a blank section lands on its first error, dates typed as
dd/mm/yyyy, the tick before a refusal, the portal's 404 and the English names."""

import datetime

import pytest
from django.utils import timezone

from tests.browser.conftest import screenshot
from tests.browser.test_bundles import fill, work_step

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_desk_and_an_office_on_the_pages_first_users_tripped_on(page, live_server, portal):
    born = timezone.localdate() - datetime.timedelta(days=10)
    portal("clerk.16690")
    page.get_by_role("link", name="Tiếp nhận hồ sơ khai sinh").first.click()
    page.get_by_label("Khai sinh, thẻ BHYT", exact=True).check()
    fill(page, {
        "applicant-full_name": "Nguyễn Thị Lan", "applicant-id_number": "040195001234",
        "applicant-relationship": "mẹ", "child-full_name": "Trần Minh An",
        "child-date_of_birth": born.strftime("%d/%m/%Y"),
        "child-place_of_birth": "Bệnh viện Sản Nhi Nghệ An", "child-birth_certificate_number": "CS-PAGES-1",
    })  # fmt: skip
    page.locator('[name="child-sex"][value="female"]').check()
    page.get_by_role("button", name="Kiểm tra và xem lại").click()

    # The mother and insurance sections were left blank: the summary has the focus and links to each field.
    summary = page.locator("#error-summary")
    summary.wait_for()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert summary.get_by_role("link").all_inner_texts() == [
        "Mẹ – Họ, chữ đệm và tên: Trường này là bắt buộc.",
        "Bảo hiểm y tế – Nơi đăng ký khám chữa bệnh ban đầu: Trường này là bắt buộc.",
    ]
    screenshot(page, "pages-1-error-summary")
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "id_mother-full_name"
    assert page.locator("#id_mother-full_name").is_visible()
    screenshot(page, "pages-2-first-error")
    assert page.locator('[name="child-date_of_birth"]').input_value() == born.strftime("%d/%m/%Y")

    page.keyboard.type("Nguyễn Thị Lan")
    fill(page, {"mother-date_of_birth": "01/05/1995", "insurance-initial_clinic": "Trạm y tế phường Trường Vinh"})
    page.get_by_role("button", name="Kiểm tra và xem lại").click()
    page.get_by_role("heading", name="Xem lại hồ sơ").wait_for()
    assert born.strftime("%d/%m/%Y") in page.locator("main").inner_text()
    page.get_by_role("button", name="Nộp hồ sơ").click()
    page.get_by_text("Đã tiếp nhận hồ sơ").wait_for()
    code = page.get_by_role("heading", level=1).inner_text().split()[0]

    # Refusing needs the tick: without it nothing changes and the page says why.
    portal("civil_status.16690")
    work_step(page, code, "Đăng ký khai sinh")
    page.get_by_text("Từ chối", exact=True).click()
    page.get_by_label("Lý do từ chối").fill("Giấy chứng sinh không hợp lệ")
    page.get_by_role("button", name="Từ chối bước này").click()
    error = page.locator("#id_refuse-confirm-errors")
    assert error.inner_text() == "Hãy đánh dấu vào ô xác nhận: thao tác này không thể hoàn tác."
    assert page.locator(".facts .state").first.inner_text() == "Đang xử lý"
    screenshot(page, "pages-3-refusal-needs-the-tick")
    page.get_by_label("Tôi xác nhận từ chối: không thể hoàn tác").check()
    page.get_by_role("button", name="Từ chối bước này").click()
    page.get_by_text("Đã từ chối bước này.").wait_for()

    # The portal's own 404, in Vietnamese, with the header and a way home.
    response = page.goto(live_server.url + "/no-such-page/")
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Không tìm thấy trang"
    screenshot(page, "pages-4-not-found")
    page.get_by_role("link", name="Về trang chủ").click()
    page.wait_for_url(live_server.url + "/queue/")

    # In English, procedure and variant names are English too.
    portal("clerk.16690")
    page.goto(f"{live_server.url}/bundles/{code}/")
    page.get_by_role("button", name="English").click()
    page.get_by_role("heading", name="Steps").wait_for()
    assert page.locator(".timeline h3").all_inner_texts() == [
        "Birth registration",
        "Health-insurance card for a child under 6",
    ]
    assert "Birth, health-insurance card" in page.locator(".facts").inner_text()
    screenshot(page, "pages-5-english-names")
