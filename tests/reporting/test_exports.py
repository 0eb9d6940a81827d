"""Issue 10 §8: every export writes the page's numbers: the same rounding, the same number format
(Vietnamese: "14,3" in a semicolon-separated CSV; XLSX numeric cells showing one decimal), and no
total line that repeats a unit's row."""

import datetime
import io
import re

import pytest
from django.conf import settings
from openpyxl import load_workbook

from reporting.summaries import summaries_refresh
from tests.pdfs import pdf_text, signed_get
from tests.reporting.test_dashboard import MARCH, page_rows
from tests.reporting.test_rates import file

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_of_seven(partner):
    """Phường Trường Vinh: 7 dossiers, 1 online: 14.2857…% → 14,3%."""
    for n in range(7):
        file(partner, "16690", f"2026-03-0{n + 2}T09:00:00+07:00", "online" if n == 0 else "direct", n)
    summaries_refresh(datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))


def lines(response) -> list[str]:
    return response.content.decode("utf-8-sig").splitlines()


def test_the_csv_writes_the_rate_as_the_page_does_for_vietnamese_excel(client, api, province_staff, one_of_seven):
    page = page_rows(client.get("/reports/", MARCH).content.decode())
    exported = lines(client.get("/reports/", {**MARCH, "export": "rates.csv"}))
    answer = api(province_staff).get("/api/v1/reports/online-rate/", MARCH).json()

    assert page["Phường Trường Vinh"] == ["7", "1", "14,3%", "90%"]
    assert exported[0] == "Mã;Đơn vị;Hồ sơ;Trực tuyến;Tỷ lệ trực tuyến (%);Chỉ tiêu (%);Đơn vị điểm;Đạt chỉ tiêu"
    assert "16690;Phường Trường Vinh;7;1;14,3;90;có;chưa đạt" in exported
    assert "16681;Phường Thành Vinh;0;0;;50;;không có hồ sơ" in exported
    assert exported[-1] == ";Tổng cộng: Tỉnh Nghệ An;7;1;14,3;50;;chưa đạt"
    assert len(exported) == 1 + 130 + 1
    assert next(row for row in answer["rows"] if row["unit"] == "16690")["rate"] == 14.3


def test_the_csv_in_english_writes_the_english_page_numbers(client, province_staff, one_of_seven):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = page_rows(client.get("/reports/", MARCH).content.decode())
    exported = lines(client.get("/reports/", {**MARCH, "export": "rates.csv"}))

    assert page["Phường Trường Vinh"] == ["7", "1", "14.3%", "90%"]
    assert exported[0] == "Code,Unit,Dossiers,Online,Online rate (%),Target (%),Pilot,Meets the target"
    assert "16690,Phường Trường Vinh,7,1,14.3,90,yes,below" in exported
    assert exported[-1] == ",Total: Tỉnh Nghệ An,7,1,14.3,50,,below"


def test_the_xlsx_holds_the_rounded_rate_as_a_number_shown_with_one_decimal(client, province_staff, one_of_seven):
    book = load_workbook(io.BytesIO(client.get("/reports/", {**MARCH, "export": "rates.xlsx"}).content))

    sheet = book.active
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "16690")
    empty = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "16681")
    total = next(sheet.iter_rows(min_row=sheet.max_row))
    assert [c.value for c in row] == ["16690", "Phường Trường Vinh", 7, 1, 14.3, 90, "có", "chưa đạt"]
    assert (row[4].data_type, row[4].number_format) == ("n", "0.0")
    assert [c.value for c in empty[2:6]] == [0, 0, None, 50]
    assert [c.value for c in total] == [None, "Tổng cộng: Tỉnh Nghệ An", 7, 1, 14.3, 50, None, "chưa đạt"]
    assert total[4].number_format == "0.0"


def test_a_commune_report_has_its_one_row_and_no_total_repeating_it(client, province_staff, one_of_seven):
    params = {**MARCH, "unit": "16690"}

    html = client.get("/reports/", params).content.decode()
    exported = lines(client.get("/reports/", {**params, "export": "rates.csv"}))
    book = load_workbook(io.BytesIO(client.get("/reports/", {**params, "export": "rates.xlsx"}).content))

    assert exported == [
        "Mã;Đơn vị;Hồ sơ;Trực tuyến;Tỷ lệ trực tuyến (%);Chỉ tiêu (%);Đơn vị điểm;Đạt chỉ tiêu",
        "16690;Phường Trường Vinh;7;1;14,3;90;có;chưa đạt",
    ]
    assert book.active.max_row == 2
    assert page_rows(html) == {"Phường Trường Vinh": ["7", "1", "14,3%", "90%"]}
    table = html.split('id="rates"')[1].split("</table>")[0]
    assert "<tfoot>" not in table and "sort=" not in table and 'name="only"' not in html  # nothing to sort


def test_the_periodic_report_pdf_lists_the_units_the_page_shows_in_its_order(signing, client, province_staff, partner):
    """Issue 26 §7.1: the PDF follows the page's filter and sort, as the CSV does."""
    signing(unit=province_staff.province)
    for n in range(7):  # Trường Vinh: 1 of 7 online, 14,3% (below its 90%)
        file(partner, "16690", f"2026-03-0{n + 2}T09:00:00+07:00", "online" if n == 0 else "direct", n)
    for n in range(7, 9):  # Anh Sơn: 0 of 2, 0,0% (below its 50%)
        file(partner, "17329", f"2026-03-{n + 2:02d}T09:00:00+07:00", "direct", n)
    file(partner, "17380", "2026-03-12T09:00:00+07:00", "online", 9)  # Yên Xuân: 100% (meets)
    summaries_refresh(datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))
    shown = {**MARCH, "only": "below", "sort": "rate"}

    page = page_rows(client.get("/reports/", shown).content.decode())
    exported = lines(client.get("/reports/", {**shown, "export": "rates.csv"}))
    text = pdf_text(signed_get(client, "/reports/", {**shown, "export": "report.pdf"}).content)

    assert list(page) == ["Xã Anh Sơn", "Phường Trường Vinh"]
    assert [line.split(";")[0] for line in exported[1:]] == ["17329", "16690", ""]
    rates = text.split("1. Tỷ lệ hồ sơ")[1].split("2. Tình hình")[0]
    assert re.findall(r"\b1\d{4}\b", rates) == ["17329", "16690"]
    assert "Tổng cộng: Tỉnh Nghệ An" in rates
    assert "Đơn vị trong bảng: chưa đạt chỉ tiêu, 2/130 đơn vị; xếp theo cột «Tỷ lệ trực tuyến», tăng dần." in text
