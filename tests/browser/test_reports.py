"""Provincial staff in a real browser: the dashboard for a chosen period, the drill-down to one
commune, and the periodic report as a PDF, whose pages are turned into PNGs to look at."""

from urllib.parse import urljoin

import pytest

from agencies.choices import UserRole
from agencies.models import User
from reporting.services import obstacle_file
from reporting.summaries import summaries_rebuild
from signing.verify import verify_pdf
from tests.browser.conftest import SCREENSHOTS, screenshot
from tests.cases.conftest import _fresh_rules_and_in_process_tasks  # noqa: F401
from tests.pdfs import pdf_text, pdf_to_pngs
from tests.reporting.test_rates import file

pytestmark = pytest.mark.django_db(transaction=True)


def rate_rows(page) -> dict[str, list[str]]:
    rows = page.locator("section").first.locator("tbody tr")
    cells = ([cell.inner_text().strip() for cell in row.locator("td").all()] for row in rows.all())
    return {unit: figures for unit, *figures in cells}


def test_the_province_picks_a_period_drills_down_and_downloads_the_report(page, portal, signing, pki):
    partner = User.objects.create(username="partner", role=UserRole.INTEGRATION)
    for n, (commune, channel) in enumerate([("16690", "online"), ("16690", "online"), ("16690", "direct")]):
        file(partner, commune, f"2026-03-0{n + 2}T09:00:00+07:00", channel, n)
    file(partner, "17329", "2026-03-10T09:00:00+07:00", "postal", 9)
    file(partner, "16690", "2026-01-12T09:00:00+07:00", "online", 10)  # for the year's trend
    summaries_rebuild()
    obstacle_file(user=User.objects.get(username="clerk.17329"), title="Mạng chậm", description="Không gửi được.")

    portal("province.40")
    signing(unit=User.objects.get(username="province.40").province)  # the province signs its report
    page.get_by_label("Từ ngày").fill("01/03/2026")
    page.get_by_label("Đến ngày").fill("31/03/2026")
    page.get_by_role("button", name="Xem").click()
    page.wait_for_url("**/reports/?*from=01%2F03%2F2026*")

    rows = rate_rows(page)
    assert rows["Phường Trường Vinh đơn vị điểm"] == ["3", "2", "66,7%", "90%", "chưa đạt"]
    assert rows["Xã Anh Sơn"] == ["1", "0", "0,0%", "50%", "chưa đạt"]
    assert rows["Xã Nhân Hòa"] == ["0", "0", "—", "50%", "không có hồ sơ"]
    screenshot(page, "reports-1-province")

    # Sort by the rate (a link: ascending, then descending), keep it while filtering, pilot units first.
    page.get_by_role("link", name="Tỷ lệ trực tuyến", exact=True).click()
    page.wait_for_url("**sort=rate*")
    assert list(rate_rows(page))[:3] == ["Xã Anh Sơn", "Phường Trường Vinh đơn vị điểm", "Phường Thành Vinh"]
    page.get_by_role("link", name="Tỷ lệ trực tuyến", exact=True).click()
    page.wait_for_url("**sort=-rate*")
    assert page.locator("th[aria-sort]").inner_text().strip() == "Tỷ lệ trực tuyến ▼"
    assert list(rate_rows(page))[:2] == ["Phường Trường Vinh đơn vị điểm", "Xã Anh Sơn"]
    page.get_by_label("Lọc").select_option(label="chưa đạt chỉ tiêu")
    page.get_by_role("button", name="Xem").click()
    page.wait_for_url("**only=below*")
    assert list(rate_rows(page)) == ["Phường Trường Vinh đơn vị điểm", "Xã Anh Sơn"]
    screenshot(page, "reports-1b-below-target")
    page.get_by_label("Lọc").select_option(label="mọi đơn vị")
    page.get_by_label("Đơn vị điểm lên đầu").check()
    page.get_by_role("button", name="Xem").click()
    page.wait_for_url("**pilot_first=1*")
    units = list(rate_rows(page))
    assert len(units) == 130 and units[0] == "Phường Trường Vinh đơn vị điểm" and units[10] == "Xã Anh Sơn"
    assert all(unit.endswith("đơn vị điểm") for unit in units[:10])
    screenshot(page, "reports-1c-pilots-first")

    # The year's trend: every month on the axis, a legend, the figures as a table.
    page.get_by_label("Từ ngày").fill("2026-01-01")
    page.get_by_label("Đến ngày").fill("2026-12-31")
    page.get_by_role("button", name="Xem").click()
    page.wait_for_url("**to=2026-12-31*")
    chart = page.locator("svg.chart")
    assert chart.locator("text.month").all_text_contents() == [f"{m:02d}/2026" for m in range(1, 13)]
    assert chart.locator("text.legend").all_text_contents() == ["Trực tuyến", "Kênh khác", "Tỷ lệ trực tuyến (%)",
                                                              "Chỉ tiêu 50%"]  # fmt: skip
    chart.screenshot(path=str(SCREENSHOTS / "reports-1d-trend.png"))
    page.get_by_text("Số liệu của biểu đồ").click()
    figures = page.locator(".chart-data tbody tr").all_inner_texts()
    assert figures[0].split("\t") == ["01/2026", "1", "1", "0", "100,0%"] and len(figures) == 12
    assert figures[2].split("\t") == ["03/2026", "4", "2", "2", "50,0%"]
    page.get_by_text("Số liệu của biểu đồ").scroll_into_view_if_needed()
    screenshot(page, "reports-1e-year")
    page.goto(page.url.split("?")[0] + "?from=2026-03-01&to=2026-03-31")  # back to March, as it was

    page.get_by_role("link", name="Phường Trường Vinh").click()
    page.get_by_role("heading", level=1, name="Bảng điều khiển · Phường Trường Vinh").wait_for()
    assert page.get_by_role("navigation", name="Đơn vị cấp trên").inner_text() == "Tỉnh Nghệ An › Phường Trường Vinh"
    screenshot(page, "reports-2-commune")

    link = page.get_by_role("link", name="Báo cáo định kỳ (PDF)").get_attribute("href") or ""
    pdf = page.request.get(urljoin(page.url, link))
    assert pdf.headers["content-type"] == "application/pdf"  # signed in-process: no broker here
    assert verify_pdf(pdf.body(), trust_roots=[pki.cert("root")]).valid
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
