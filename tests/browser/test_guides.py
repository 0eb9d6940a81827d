"""Issue 30 §2 in Chromium: a citizen opens the guides from the footer, the death bundle's guide
with the funeral allowance, one category's guide, its PDF (one A4 page), and the page in English."""

import pytest

from cases.models import BundleVariant
from tests.browser.conftest import SCREENSHOTS, screenshot
from tests.pdfs import A4_PORTRAIT, pdf_pages, pdf_text, pdf_to_pngs

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_citizen_opens_a_guide_its_category_and_its_pdf_without_signing_in(page, live_server):
    page.goto(live_server.url + "/track/")
    page.get_by_role("link", name="Hướng dẫn", exact=True).click()
    page.get_by_role("link", name="Khai tử, xóa thường trú, mai táng phí", exact=True).click()

    assert page.get_by_role("heading", level=1).inner_text() == (
        "Hướng dẫn nộp hồ sơ: Khai tử (Khai tử, xóa thường trú, mai táng phí)"
    )
    assert page.locator("ol.guide-documents li").all_inner_texts() == [
        "Giấy báo tử hoặc giấy tờ thay thế",
        "Tờ khai đăng ký khai tử",
        "Giấy tờ tùy thân của người đi đăng ký",
        "Giấy tờ chứng minh diện hưởng trợ cấp mai táng",
    ]
    categories = page.locator("table.guide-categories tbody tr")
    assert categories.count() == 4
    screenshot(page, "guides-1-death-funeral")

    categories.nth(2).get_by_role("link").click()
    assert page.get_by_role("heading", level=1).inner_text().endswith("· Đối tượng bảo trợ xã hội")
    assert page.locator("table.guide-categories tbody tr").count() == 1
    screenshot(page, "guides-2-one-category")

    href = page.get_by_role("link", name="In hướng dẫn này (PDF, một trang A4)").get_attribute("href")
    response = page.context.request.get(live_server.url + href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    assert pdf_pages(pdf) == [A4_PORTRAIT]
    assert "Đối tượng bảo trợ xã hội" in pdf_text(pdf)
    pdf_to_pngs(pdf, SCREENSHOTS / "guides-3-pdf", dpi=80)

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    variant = BundleVariant.objects.get(kind="death", name="Khai tử, xóa thường trú, mai táng phí")
    assert page.get_by_role("heading", level=1).inner_text() == (
        f"How to file: Death ({variant.name_en}) · Social-protection beneficiary"
    )
    screenshot(page, "guides-4-english")
