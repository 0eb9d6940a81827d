"""Provincial staff in a real browser: the dashboard for a chosen period, the drill-down to one
commune, and the periodic report as a PDF, whose pages are turned into PNGs to look at."""

from urllib.parse import urljoin

import pytest

from agencies.choices import UserRole
from agencies.models import User
from reporting.services import obstacle_file
from reporting.summaries import summaries_rebuild
from tests.browser.conftest import SCREENSHOTS, screenshot
from tests.cases.conftest import _fresh_rules_and_in_process_tasks  # noqa: F401
from tests.pdfs import pdf_text, pdf_to_pngs
from tests.reporting.test_rates import file

pytestmark = pytest.mark.django_db(transaction=True)


def rate_rows(page) -> dict[str, list[str]]:
    rows = page.locator("section").first.locator("tbody tr")
    cells = ([cell.inner_text().strip() for cell in row.locator("td").all()] for row in rows.all())
    return {unit: figures for unit, *figures in cells}


def test_the_province_picks_a_period_drills_down_and_downloads_the_report(page, portal):
    partner = User.objects.create(username="partner", role=UserRole.INTEGRATION)
    for n, (commune, channel) in enumerate([("16690", "online"), ("16690", "online"), ("16690", "direct")]):
        file(partner, commune, f"2026-03-0{n + 2}T09:00:00+07:00", channel, n)
    file(partner, "17329", "2026-03-10T09:00:00+07:00", "postal", 9)
    summaries_rebuild()
    obstacle_file(user=User.objects.get(username="clerk.17329"), title="Mạng chậm", description="Không gửi được.")

    portal("province.40")
    page.get_by_label("Từ ngày").fill("01/03/2026")
    page.get_by_label("Đến ngày").fill("31/03/2026")
    page.get_by_role("button", name="Xem").click()
    page.wait_for_url("**/reports/?*from=01%2F03%2F2026*")

    rows = rate_rows(page)
    assert rows["Phường Trường Vinh đơn vị điểm"] == ["3", "2", "66,7%", "90%", "chưa đạt"]
    assert rows["Xã Anh Sơn"] == ["1", "0", "0,0%", "50%", "chưa đạt"]
    assert rows["Xã Nhân Hòa"] == ["0", "0", "—", "50%", "không có hồ sơ"]
    screenshot(page, "reports-1-province")

    page.get_by_role("link", name="Phường Trường Vinh").click()
    page.get_by_role("heading", level=1, name="Bảng điều khiển · Phường Trường Vinh").wait_for()
    assert page.get_by_role("navigation", name="Đơn vị cấp trên").inner_text() == "Tỉnh Nghệ An › Phường Trường Vinh"
    screenshot(page, "reports-2-commune")

    link = page.get_by_role("link", name="Báo cáo định kỳ (PDF)").get_attribute("href") or ""
    pdf = page.request.get(urljoin(page.url, link))
    assert pdf.headers["content-type"] == "application/pdf"
    (SCREENSHOTS / "reports-3-periodic.pdf").write_bytes(pdf.body())
    text = pdf_text(pdf.body())
    assert "Phường Trường Vinh" in text and "66,7" in text
    pdf_to_pngs(pdf.body(), SCREENSHOTS / "reports-3-periodic", dpi=60)

    # Back on the province's page, the obstacle of Xã Anh Sơn is answered and closed; the page keeps the period.
    page.get_by_role("link", name="Tỉnh Nghệ An").click()
    page.get_by_label("Trả lời").fill("Đã báo nhà mạng.")
    page.get_by_label("Đóng khó khăn, vướng mắc").check()
    page.get_by_role("button", name="Gửi trả lời").click()
    page.get_by_text("Đã ghi nhận trả lời.").wait_for()
    assert page.get_by_label("Từ ngày").input_value() == "01/03/2026"
    page.get_by_text("Lịch sử xử lý").click()
    trail = [item.inner_text() for item in page.locator(".trail li").all()]
    assert [line.split(" · ", 1)[1] for line in trail] == [
        "Bùi Thị Hằng (Bộ phận một cửa xã Anh Sơn) · gửi phản ánh",
        "Nguyễn Hữu Phước (Văn phòng UBND tỉnh Nghệ An) · đã trả lời và đóng: Đã báo nhà mạng.",
    ]
    screenshot(page, "reports-4-obstacle")
