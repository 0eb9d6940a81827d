"""Issue 10 §8: the year's trend has axes with ticks and labels, a legend, a title, every month of
the period (also one with no dossier) on a readable scale, and its figures for screen readers."""

import datetime
import re
import xml.etree.ElementTree as ET

import pytest
from django.utils import translation

from reporting.charts import trend_months, trend_svg
from tests.reporting.test_dashboard import march

NS = {"svg": "http://www.w3.org/2000/svg"}
D = datetime.date


def texts(svg: ET.Element, css: str) -> list[str]:
    return [t.text or "" for t in svg.iterfind(".//svg:text", NS) if css in t.get("class", "").split()]


def test_the_trend_chart_of_a_known_period_draws_axes_legend_bars_rate_and_target():
    months = trend_months([(D(2026, 1, 1), 1, 0), (D(2026, 2, 1), 0, 0), (D(2026, 3, 1), 5, 3), (D(2026, 4, 1), 0, 0)])

    with translation.override("vi"):
        svg = ET.fromstring(str(trend_svg(months, 90)))

    assert (svg.get("role"), svg.get("aria-labelledby"), svg.get("viewBox")) == (
        "img",
        "trend-title trend-desc",
        "0 0 720 300",
    )
    assert svg.findtext("svg:title", namespaces=NS) == "Hồ sơ tiếp nhận theo tháng, 01/2026 – 04/2026"
    assert svg.findtext("svg:desc", namespaces=NS) == (
        "Chỉ tiêu: 90% trực tuyến. 01/2026: 1 hồ sơ, 0 trực tuyến (0,0%); 02/2026: 0 hồ sơ, 0 trực tuyến (—); "
        "03/2026: 5 hồ sơ, 3 trực tuyến (60,0%); 04/2026: 0 hồ sơ, 0 trực tuyến (—);"
    )
    assert texts(svg, "chart-title") == ["Hồ sơ tiếp nhận theo tháng, 01/2026 – 04/2026"]
    assert texts(svg, "legend") == ["Trực tuyến", "Kênh khác", "Tỷ lệ trực tuyến (%)", "Chỉ tiêu 90%"]
    swatches = [(e.tag.split("}")[1], e.get("class")) for e in svg.iter() if "swatch" in e.get("class", "")]
    assert swatches == [("rect", "swatch bar-online"), ("rect", "swatch bar-other"), ("line", "swatch rate-line"),
                        ("line", "swatch target-line")]  # fmt: skip
    assert texts(svg, "month") == ["01/2026", "02/2026", "03/2026", "04/2026"]
    assert texts(svg, "y-count") == ["0", "1", "2", "3", "4", "5"]
    assert texts(svg, "y-rate") == ["0%", "25%", "50%", "75%", "100%"]
    assert texts(svg, "axis-title") == ["Hồ sơ", "Tháng"]
    assert len([line for line in svg.iterfind(".//svg:line", NS) if line.get("class") == "axis"]) == 3
    bars = [(r.get("class"), r.get("y"), r.get("height")) for r in svg.iterfind(".//svg:g/svg:rect", NS)]
    assert bars == [
        ("bar-online", "252.0", "0.0"), ("bar-other", "214.4", "37.6"),  # January: 1, by post or at the desk
        ("bar-online", "252.0", "0.0"), ("bar-other", "252.0", "0.0"),  # February: nothing, still there
        ("bar-online", "139.2", "112.8"), ("bar-other", "64.0", "75.2"),  # March: 3 online of 5
        ("bar-online", "252.0", "0.0"), ("bar-other", "252.0", "0.0"),
    ]  # fmt: skip
    places = [
        (r.get("x"), r.get("width")) for r in svg.iterfind(".//svg:g/svg:rect", NS) if r.get("class") == "bar-online"
    ]
    assert places == [("100.0", "64.0"), ("252.0", "64.0"), ("404.0", "64.0"), ("556.0", "64.0")]  # centred, 64 wide
    assert [g.findtext("svg:title", namespaces=NS) for g in svg.iterfind(".//svg:g", NS)][2] == (
        "03/2026: 5 hồ sơ, 3 trực tuyến (60,0%)"
    )
    dots = [(c.get("cx"), c.get("cy")) for c in svg.iterfind(".//svg:circle", NS)]
    assert dots == [("132.0", "252.0"), ("436.0", "139.2")]  # 0% and 60%: no rate without dossiers
    target = next(line for line in svg.iterfind(".//svg:line", NS) if line.get("class") == "target-line")
    assert (target.get("y1"), target.get("y2")) == ("82.8", "82.8")  # 90% of the per-cent axis


def test_a_long_period_labels_every_other_month_so_the_labels_do_not_overlap():
    months = trend_months([(D(2025 + (m // 12), m % 12 + 1, 1), 10, 5) for m in range(24)])

    with translation.override("vi"):
        svg = ET.fromstring(str(trend_svg(months, 50)))

    assert texts(svg, "month") == [f"{m:02d}/{y}" for y in (2025, 2026) for m in range(1, 13, 2)]
    assert len(list(svg.iterfind(".//svg:g", NS))) == 24
    assert texts(svg, "y-count") == ["0", "2", "4", "6", "8", "10"]


@pytest.mark.django_db
def test_the_dashboard_shows_every_month_of_the_period_with_its_figures_as_a_table(client, province_staff, partner):
    march(partner)  # 5 dossiers in March 2026, 3 online

    html = client.get("/reports/", {"from": "2026-01-01", "to": "2026-04-30"}).content.decode()

    svg = ET.fromstring(re.search(r'<svg class="chart".*?</svg>', html, re.S).group())
    assert texts(svg, "month") == ["01/2026", "02/2026", "03/2026", "04/2026"]
    figures = html.split('class="chart-data"')[1].split("</table>")[0]
    rows = [re.findall(r"<td>([^<]*)</td>", row) for row in re.findall(r"<tr><td>.*?</tr>", figures)]
    assert rows == [
        ["01/2026", "0", "0", "0", "—"],
        ["02/2026", "0", "0", "0", "—"],
        ["03/2026", "5", "3", "2", "60,0%"],
        ["04/2026", "0", "0", "0", "—"],
    ]
