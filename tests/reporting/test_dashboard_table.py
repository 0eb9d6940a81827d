"""Issue 10 §8: the rate table of 130 communes sorted by any column and filtered, on the page, in
its exports and in the API, from the same rows, at a fixed number of queries."""

import csv
import io
import re
from html import unescape

import pytest

from tests.reporting.test_dashboard import MARCH, march

pytestmark = pytest.mark.django_db


def names(html: str) -> list[str]:
    """The unit names of the rate table, top to bottom, without the pilot tag."""
    body = html.split('id="rates"')[1].split("<tbody>")[1].split("</tbody>")[0]
    body = re.sub(r'<span class="tag pilot">[^<]*</span>', "", body)
    cells = re.findall(r"<tr class=\"[^\"]*\">\s*<td>(.*?)</td>", body, re.S)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]


def csv_codes(response) -> list[str]:
    return [row[0] for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";")][1:]


def test_the_rate_table_sorts_by_any_column_both_ways_with_ties_by_code(client, province_staff, partner):
    march(partner)  # 16690 Trường Vinh 3 (2 online), 17329 Anh Sơn 1 (1), 17380 Yên Xuân 1 (0); 127 with none

    def first(sort: str, n: int = 4) -> list[str]:
        return names(client.get("/reports/", {**MARCH, "sort": sort}).content.decode())[:n]

    assert first("rate") == ["Xã Yên Xuân", "Phường Trường Vinh", "Xã Anh Sơn", "Phường Thành Vinh"]
    assert first("-rate") == ["Xã Anh Sơn", "Phường Trường Vinh", "Xã Yên Xuân", "Phường Thành Vinh"]
    assert first("-total") == ["Phường Trường Vinh", "Xã Anh Sơn", "Xã Yên Xuân", "Phường Thành Vinh"]
    assert first("total", 2) == ["Phường Thành Vinh", "Phường Vinh Phú"]  # 0 dossiers: by code
    assert first("-online", 3) == ["Phường Trường Vinh", "Xã Anh Sơn", "Phường Thành Vinh"]
    assert first("-target", 3) == ["Phường Trường Vinh", "Phường Vinh Phú", "Phường Cửa Lò"]  # the 90% first
    assert first("verdict") == ["Phường Trường Vinh", "Xã Yên Xuân", "Xã Anh Sơn", "Phường Thành Vinh"]
    assert first("-verdict") == ["Xã Anh Sơn", "Phường Trường Vinh", "Xã Yên Xuân", "Phường Thành Vinh"]
    # Vietnamese alphabetical order: Bạch (a) before Bắc (ă), Đ after D, not after Z
    by_name = names(client.get("/reports/", {**MARCH, "sort": "name"}).content.decode())
    assert by_name[:2] == ["Phường Cửa Lò", "Phường Hoàng Mai"]
    assert by_name.index("Xã Bạch Ngọc") + 1 == by_name.index("Xã Bắc Lý")
    assert by_name[-1] == "Xã Yên Xuân" and by_name == list(reversed(names(
        client.get("/reports/", {**MARCH, "sort": "-name"}).content.decode())))  # fmt: skip
    assert len(by_name) == 130


def test_column_heads_are_links_keeping_the_other_parameters_and_reversing_the_order(client, province_staff, partner):
    march(partner)

    html = client.get("/reports/", {**MARCH, "only": "below", "sort": "rate"}).content.decode()

    heads = re.findall(r'<th scope="col"( aria-sort="\w+")?><a href="([^"]+)">([^<]+)', html.split('id="rates"')[1])
    assert [(unescape(href), label) for _state, href, label in heads] == [
        ("?from=2026-03-01&to=2026-03-31&only=below&sort=name#rates", "Đơn vị"),
        ("?from=2026-03-01&to=2026-03-31&only=below&sort=total#rates", "Hồ sơ"),
        ("?from=2026-03-01&to=2026-03-31&only=below&sort=online#rates", "Trực tuyến"),
        ("?from=2026-03-01&to=2026-03-31&only=below&sort=-rate#rates", "Tỷ lệ trực tuyến"),
        ("?from=2026-03-01&to=2026-03-31&only=below&sort=target#rates", "Chỉ tiêu"),
        ("?from=2026-03-01&to=2026-03-31&only=below&sort=verdict#rates", "Kết quả"),
    ]
    assert [state for state, _href, _label in heads] == ["", "", "", ' aria-sort="ascending"', "", ""]


def test_filters_below_target_and_no_dossier_and_pilot_units_first_also_in_the_exports_and_the_api(
    client, api, province_staff, partner
):
    march(partner)

    below = client.get("/reports/", {**MARCH, "only": "below"}).content.decode()
    empty = client.get("/reports/", {**MARCH, "only": "empty", "sort": "-target"}).content.decode()
    pilots = client.get("/reports/", {**MARCH, "pilot_first": "1", "sort": "-rate"}).content.decode()
    exported = client.get("/reports/", {**MARCH, "pilot_first": "1", "sort": "-rate", "export": "rates.csv"})
    answer = api(province_staff).get("/api/v1/reports/online-rate/", {**MARCH, "only": "below", "sort": "-rate"}).json()

    assert names(below) == ["Phường Trường Vinh", "Xã Yên Xuân"]
    assert "Đang hiển thị 2/130 đơn vị." in below
    assert len(names(empty)) == 127 and names(empty)[:2] == ["Phường Vinh Phú", "Phường Cửa Lò"]
    pilot_names = [
        "Phường Trường Vinh",
        "Phường Vinh Phú",
        "Phường Cửa Lò",
        "Phường Thái Hòa",
        "Phường Tây Hiếu",
        "Xã Đông Hiếu",
        "Phường Hoàng Mai",
        "Phường Quỳnh Mai",
        "Phường Tân Mai",
        "Phường Vinh Hưng",
    ]  # fmt: skip  66,7%, then the pilots with no dossier by code
    assert names(pilots)[:11] == [*pilot_names, "Xã Anh Sơn"]
    assert csv_codes(exported)[:11] == re.findall(r'href="\?unit=(\d+)&', pilots.split('id="rates"')[1])[:11]
    assert [(row["unit"], row["rate"]) for row in answer["rows"]] == [("16690", 66.7), ("17380", 0.0)]


def test_a_sort_or_filter_that_does_not_exist_is_refused_under_its_name(client, api, province_staff):
    page = client.get("/reports/", {**MARCH, "sort": "population"})
    answer = api(province_staff).get("/api/v1/reports/online-rate/", {**MARCH, "only": "late"})

    assert page.status_code == 400 and "Hãy sắp xếp theo một cột của bảng." in page.content.decode()
    assert answer.status_code == 400 and list(answer.json()["errors"]) == ["only"]


@pytest.mark.parametrize(
    "params",
    [
        MARCH,  # 130 communes
        {**MARCH, "sort": "-rate", "only": "below", "pilot_first": "1"},
        {**MARCH, "unit": "16690"},  # one commune
        {"from": "2024-03-01", "to": "2024-03-31"},  # 21 districts
        {"from": "2024-03-01", "to": "2024-03-31", "level": "commune", "sort": "name"},  # 460 communes
    ],
)
def test_the_dashboard_runs_the_same_queries_whatever_the_units_sort_and_filter(
    client, province_staff, partner, params, django_assert_num_queries
):
    march(partner)
    client.get("/reports/", MARCH)  # the per-process caches

    from django.core.cache import cache

    cache.clear()  # the worst case: the report computed, not read from the cache
    with django_assert_num_queries(24):  # 23, and the online dossiers started from a hospital notice
        assert client.get("/reports/", params).status_code == 200
