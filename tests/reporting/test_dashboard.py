"""The dashboard, its exports and the report API give the same numbers; SLA figures on known data."""

import csv
import datetime
import io
import re

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from agencies.choices import UserRole
from cases import services
from cases.models import Event, Step
from reporting.models import ObstacleEvent
from reporting.services import obstacle_answer, obstacle_file
from reporting.summaries import summaries_refresh
from reporting.tasks import summaries_update_task
from tests.cases.conftest import at
from tests.pdfs import A4_LANDSCAPE, A4_PORTRAIT, pdf_lines, pdf_pages, pdf_text, signed_get
from tests.reporting.test_rates import file

pytestmark = pytest.mark.django_db
D = datetime.date.fromisoformat
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def province(client, make_user):
    user = make_user(UserRole.PROVINCIAL, username="province")
    client.force_login(user)
    return user


@pytest.fixture
def report_key(signing, province):
    """The province can sign its report."""
    signing(unit=province.province)


def march(partner) -> None:
    for n, (commune, channel) in enumerate(
        [("16690", "online"), ("16690", "online"), ("16690", "direct"), ("17329", "online"), ("17380", "postal")]
    ):
        file(partner, commune, f"2026-03-0{n + 2}T09:00:00+07:00", channel, n)
    summaries_refresh(D("2026-03-01"), D("2026-03-31"))


def page_rows(html: str) -> dict[str, list[str]]:
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    rows = {}
    for row in re.findall(r"<tr class=\"[^\"]*\">(.*?)</tr>", body, re.S):
        row = re.sub(r'<span class="tag pilot">[^<]*</span>', "", row)
        cells = [re.sub(r"<[^>]+>|\s+", " ", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        rows[cells[0]] = cells[1:5]
    return rows


def test_page_exports_and_api_agree_to_the_unit(client, api, province, partner):
    march(partner)

    page = page_rows(client.get("/reports/", MARCH).content.decode())
    exported = list(
        csv.reader(
            io.StringIO(client.get("/reports/", {**MARCH, "export": "rates.csv"}).content.decode("utf-8-sig")),
            delimiter=";",
        )
    )
    book = load_workbook(io.BytesIO(client.get("/reports/", {**MARCH, "export": "rates.xlsx"}).content))
    answer = api(province).get("/api/v1/reports/online-rate/", MARCH).json()

    assert page["Phường Trường Vinh"] == ["3", "2", "66,7%", "90%"]
    assert page["Xã Anh Sơn"] == ["1", "1", "100,0%", "50%"]
    assert page["Xã Yên Xuân"] == ["1", "0", "0,0%", "50%"]
    assert page["Xã Nhân Hòa"] == ["0", "0", "—", "50%"]
    by_code = {row["unit"]: row for row in answer["rows"]}
    assert by_code["16690"] == {"unit": "16690", "name": "Phường Trường Vinh", "total": 3, "online": 2, "rate": 66.7,
                                "target": 90, "pilot": True, "meets_target": False}  # fmt: skip
    assert answer["total"]["total"] == 5 and answer["total"]["online"] == 3 and answer["total"]["rate"] == 60.0
    csv_rows = {row[0]: row for row in exported[1:]}
    xlsx_rows = {row[0]: row for row in book.active.iter_rows(min_row=2, values_only=True)}
    for code, row in by_code.items():
        expected = [row["total"], row["online"], "" if row["rate"] is None else row["rate"], row["target"]]
        rate = float(csv_rows[code][4].replace(",", ".")) if csv_rows[code][4] else ""
        assert [int(csv_rows[code][2]), int(csv_rows[code][3]), rate, int(csv_rows[code][5])] == expected
        assert list(xlsx_rows[code][2:6]) == [row["total"], row["online"], row["rate"], row["target"]]
    assert len(exported) - 2 == len(answer["rows"]) == 130  # the rows and the total line


def test_the_dashboard_runs_the_same_queries_with_no_dossier_and_one_obstacle_or_many(
    client, province, partner, make_user
):
    def queries() -> int:
        cache.clear()  # the worst case: the report computed, not read from the cache
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/reports/", MARCH).status_code == 200
        return len(captured)

    desk = make_user(UserRole.CLERK, commune="16690")

    def obstacle(n: int) -> None:
        filed = obstacle_file(user=desk, title=f"Vướng mắc {n}", description="Mạng chậm.")
        obstacle_answer(user=province, pk=filed.pk, answer="Đã báo nhà mạng.", close=n == 2)

    obstacle(0)
    client.get("/reports/", MARCH)  # the per-process caches
    few = queries()
    march(partner)
    obstacle(1)
    obstacle(2)

    assert queries() == few


def test_a_report_is_computed_once_per_summary_refresh(client, province, partner):
    march(partner)

    def answer() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            html = client.get("/reports/", MARCH).content.decode()
        return len(captured), page_rows(html)["Phường Trường Vinh"][0]

    computed, cached = answer(), answer()
    file(partner, "16690", "2026-03-20T09:00:00+07:00", "online", 9)
    before_refresh = answer()
    summaries_refresh(D("2026-03-01"), D("2026-03-31"))
    after_refresh = answer()

    assert cached[0] < computed[0]
    assert (computed[1], cached[1], before_refresh[1], after_refresh[1]) == ("3", "3", "3", "4")


def test_beat_computes_each_province_default_report_before_anyone_opens_it(client, province, partner):
    with time_machine.travel(at(2026, 3, 20, 9), tick=False):
        march(partner)
        summaries_update_task()
        with CaptureQueriesContext(connection) as captured:
            html = client.get("/reports/").content.decode()  # this month so far: the default

    summary_reads = [q["sql"] for q in captured if "reporting_received" in q["sql"] or "reporting_step" in q["sql"]]
    assert (page_rows(html)["Phường Trường Vinh"][0], summary_reads) == ("3", [])


def test_the_tables_rendered_once_are_not_shown_in_another_language(client, province, partner):
    march(partner)

    vietnamese = client.get("/reports/", MARCH).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/reports/", MARCH).content.decode()

    assert "Tỷ lệ trực tuyến so với chỉ tiêu" in vietnamese
    assert "Online rate against the target" in english and "Tỷ lệ trực tuyến" not in english


def test_a_clerk_sees_their_commune_and_nothing_else(client, make_user, partner):
    march(partner)
    client.force_login(make_user(UserRole.CLERK, commune="16690"))

    own = client.get("/reports/", MARCH)
    other = client.get("/reports/", {**MARCH, "unit": "17329"})
    province = client.get("/reports/", {**MARCH, "unit": "40"})

    assert page_rows(own.content.decode()) == {"Phường Trường Vinh": ["3", "2", "66,7%", "90%"]}
    assert (other.status_code, province.status_code) == (404, 404)


def test_the_sla_figures_of_an_office(api, province, partner, officer, django_capture_on_commit_callbacks):
    justice = officer("civil_status")
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        for n in range(4):
            with django_capture_on_commit_callbacks(execute=True):  # the hand-off to the office
                file(partner, "16690", "2026-03-02T09:00:00+07:00", "online", n)
        steps = list(Step.objects.filter(procedure="birth_registration").order_by("pk"))
        services.step_complete(
            user=justice, step_pk=steps[0].pk, result={"register_number": "1", "personal_id_number": "040326000001"}
        )
        services.step_return(user=justice, step_pk=steps[2].pk, reason="Thiếu", missing_documents=["Giấy chứng sinh"])
        services.step_refuse(user=justice, step_pk=steps[3].pk, reason="Sai")
    with time_machine.travel(at(2026, 3, 4, 9), tick=False):
        services.lateness_record(today=D("2026-03-04"))
        services.step_complete(
            user=justice, step_pk=steps[1].pk, result={"register_number": "2", "personal_id_number": "040326000002"}
        )
        summaries_refresh(D("2026-03-01"), D("2026-03-31"))
        answer = api(province).get("/api/v1/reports/sla/", {**MARCH, "unit": "16690"}).json()
        # the same figures from the daily rows (a few days) as from the monthly ones (March whole)
        days = api(province).get("/api/v1/reports/sla/", {"from": "2026-03-02", "to": "2026-03-04", "unit": "16690"})

    assert days.json() == answer
    justice_row = next(r for r in answer["rows"] if r["procedure"] == "birth_registration")
    assert justice_row == {
        "office": "Tư pháp - Hộ tịch, UBND phường Trường Vinh", "procedure": "birth_registration",
        "procedure_name": "Đăng ký khai sinh",
        "received": 4, "in_progress": 1, "done_on_time": 1, "done_late": 1, "overdue_now": 0, "returned": 1,
        "refused": 1, "apologies": 1, "median_days": 1, "p90_days": 3,
    }  # fmt: skip


def test_a_unit_reports_an_obstacle_the_province_answers_and_closes_it_and_the_report_lists_it(
    report_key, province, client, make_user, partner
):
    desk = make_user(UserRole.CLERK, commune="16690")
    staff = province
    client.force_login(desk)
    client.post("/reports/obstacles/", {"title": "Mạng chậm", "description": "Không gửi được hồ sơ lúc 9 giờ."})
    client.force_login(staff)
    obstacle_page = client.get("/reports/", MARCH).content.decode()
    open_report = signed_get(client, "/reports/", {**MARCH, "export": "report.pdf"})

    from reporting.models import Obstacle

    obstacle = Obstacle.objects.get()
    client.post(f"/reports/obstacles/{obstacle.pk}/answer/", {"answer": "Đang kiểm tra."})
    client.post(f"/reports/obstacles/{obstacle.pk}/answer/", {"answer": "Đã nâng băng thông.", "close": "1"})
    closed_report = signed_get(client, "/reports/", {**MARCH, "export": "report.pdf"})
    refused = client.post(f"/reports/obstacles/{obstacle.pk}/answer/", {"answer": "Thêm."}, follow=True)
    page = client.get("/reports/", MARCH).content.decode()

    obstacle.refresh_from_db()
    assert (obstacle.unit.code, obstacle.reported_by, obstacle.answered_by) == ("16690", desk, staff)
    assert (obstacle.answer, obstacle.closed_at is not None) == ("Đã nâng băng thông.", True)
    assert [(e.actor, e.action, e.text) for e in obstacle.events.all()] == [
        (desk, "filed", "Không gửi được hồ sơ lúc 9 giờ."),
        (staff, "answered", "Đang kiểm tra."),
        (staff, "closed", "Đã nâng băng thông."),
    ]  # the first answer is kept in the trail, and a closed obstacle takes no more answers
    assert "Khó khăn, vướng mắc này đã đóng." in refused.content.decode()
    assert "đã trả lời: Đang kiểm tra." in page and "đã trả lời và đóng: Đã nâng băng thông." in page
    assert "Mạng chậm" in obstacle_page
    assert "Mạng chậm" in pdf_text(open_report.content) and "Mạng chậm" not in pdf_text(closed_report.content)


def test_the_periodic_report_pdf_gives_the_rates_of_the_page(report_key, client, province, partner):
    march(partner)

    pdf = signed_get(client, "/reports/", {**MARCH, "export": "report.pdf"}).content
    text = pdf_text(pdf)

    assert "BÁO CÁO KẾT QUẢ TIẾP NHẬN, GIẢI QUYẾT" in text
    assert "Từ ngày 01/03/2026 đến ngày 31/03/2026" in text
    assert "Toàn Tỉnh Nghệ An: 3/5 hồ sơ trực tuyến, tỷ lệ 60,0%, chỉ tiêu 50%." in text
    assert re.search(r"16690\s.*Phường Trường\s.*\b3\s+2\s+66,7\s+90\b", text)


def test_the_dashboard_splits_the_period_by_bundle_and_variant(client, province, partner):
    march(partner)

    html = client.get("/reports/", MARCH).content.decode()

    exported = client.get("/reports/", {**MARCH, "export": "variants.csv"}).content.decode("utf-8-sig")

    assert "<tr><td>Khai sinh</td><td>Khai sinh, thẻ BHYT</td><td>5</td><td>3</td></tr>" in html
    assert exported.splitlines()[1:] == ["Khai sinh;Khai sinh, thẻ BHYT;5;3"]


def test_the_province_page_adds_up_offices_of_the_same_kind_and_its_export_keeps_each_office(client, province, partner):
    march(partner)

    html = client.get("/reports/", MARCH).content.decode()
    exported = client.get("/reports/", {**MARCH, "export": "sla.csv"}).content.decode("utf-8-sig")

    sla = html.split("Tình hình giải quyết")[1]
    row = r"<tr class=\"[a-z]*\"><td>([^<]+)</td><td>([^<]+)</td><td>\d+</td><td>(\d+)</td>"
    assert re.findall(row, sla) == [("Tư pháp (hộ tịch)", "Đăng ký khai sinh", "5")]  # 5 in progress
    offices = sorted(row[0] for row in list(csv.reader(io.StringIO(exported), delimiter=";"))[1:])
    assert offices == ["Tư pháp - Hộ tịch, UBND phường Trường Vinh", "Tư pháp - Hộ tịch, UBND xã Anh Sơn",
                       "Tư pháp - Hộ tịch, UBND xã Yên Xuân"]  # fmt: skip


def test_an_officer_sees_the_communes_the_office_serves(client, officer, partner):
    march(partner)
    client.force_login(officer("civil_status"))

    own = client.get("/reports/", MARCH)
    other = client.get("/reports/", {**MARCH, "unit": "17329"})

    assert page_rows(own.content.decode()) == {"Phường Trường Vinh": ["3", "2", "66,7%", "90%"]}
    assert other.status_code == 404


def test_trail_records_are_never_changed(client, province, partner, make_user):
    march(partner)
    obstacle_file(user=make_user(UserRole.CLERK, commune="16690"), title="Mạng chậm", description="Chậm.")

    for model, field in ((Event, "reason"), (ObstacleEvent, "text")):
        record = model.objects.order_by("pk").first()
        kept = getattr(record, field)
        setattr(record, field, "sửa lại")
        with pytest.raises(ValueError, match="append-only"):
            record.save()
        assert getattr(model.objects.get(pk=record.pk), field) == kept


def test_the_periodic_report_puts_the_sla_table_on_a_landscape_page_readable_at_print_size(
    report_key, client, province, partner
):
    march(partner)

    pdf = signed_get(client, "/reports/", {**MARCH, "export": "report.pdf"}).content

    lines = [" ".join(line.split()) for line in pdf_lines(pdf)]
    head = lines.index("2. Tình hình giải quyết theo cơ quan và thủ tục")
    assert pdf_pages(pdf) == [A4_PORTRAIT] * 4 + [A4_LANDSCAPE]  # 130 communes, then the SLA table
    assert lines[head + 1 : head + 5] == [
        "Trung vị Phân vị",
        "Tiếp Đang giải Đang quá Yêu cầu Phải xin (ngày làm 90 (ngày",
        "Cơ quan Thủ tục nhận quyết Đúng hạn Trễ hạn hạn bổ sung Từ chối lỗi việc) làm việc)",
        "Tư pháp (hộ tịch) Đăng ký khai sinh 0 5 0 0 5 0 0 0 — —",
    ]  # headers wrap between words only, and a row is one line


def test_a_period_date_that_is_not_dd_mm_yyyy_is_refused_under_its_own_field(client, province_staff):
    page = client.get("/reports/", {"from": "2026-13-01", "to": "28/02/2026"})

    assert page.status_code == 400
    assert "Từ ngày: nhập ngày theo dạng dd/mm/yyyy, ví dụ 20/02/2026." in page.content.decode()


def test_the_bundle_and_office_tables_are_in_english_when_the_page_is(client, province, partner):
    """Issue 26 §7.2: the variant and per-office tables follow the page's language, also when the
    Vietnamese page was rendered (and its figures kept) first; the offices' names stay as they are."""
    march(partner)
    client.get("/reports/", MARCH)
    client.get("/reports/", {**MARCH, "unit": "16690"})
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get("/reports/", MARCH).content.decode()
    commune = client.get("/reports/", {**MARCH, "unit": "16690"}).content.decode()
    exported = client.get("/reports/", {**MARCH, "export": "variants.csv"}).content.decode("utf-8-sig")

    assert "<tr><td>Birth</td><td>Birth, health-insurance card</td><td>5</td><td>3</td></tr>" in html
    assert exported.splitlines() == [
        "Bundle,Procedures asked for,Dossiers,Online",
        'Birth,"Birth, health-insurance card",5,3',
    ]
    row = r"<tr class=\"[a-z]*\"><td>([^<]+)</td><td>([^<]+)</td><td>\d+</td><td>(\d+)</td>"
    assert re.findall(row, html.split("On time, per office and procedure")[1]) == [
        ("Justice (civil status)", "Birth registration", "5")
    ]
    assert re.findall(row, commune.split("On time, per office and procedure")[1]) == [
        ("Tư pháp - Hộ tịch, UBND phường Trường Vinh", "Birth registration", "3")
    ]


@pytest.mark.parametrize(
    ("given", "field", "message"),
    [
        ({"to": "31/12/9999"}, "to", "Đến ngày: chọn một ngày từ 01/01/2000 đến 31/12/2027."),
        ({"from": "01/01/0001", "to": "28/02/2026"}, "from", "Từ ngày: chọn một ngày từ 01/01/2000 đến 31/12/2027."),
    ],
)
def test_a_period_beyond_the_sane_window_is_refused_under_its_field_page_csv_and_api(
    client, province_staff, api, given, field, message
):
    """Issue 28 (low): a far date was an OverflowError (500) on the page, its CSV export and the API."""
    with time_machine.travel(datetime.datetime(2026, 12, 7, 9, tzinfo=datetime.UTC), tick=False):
        page = client.get("/reports/", given)
        exported = client.get("/reports/", {**given, "export": "rates.csv"})
        iso = {name: datetime.datetime.strptime(day, "%d/%m/%Y").date().isoformat() for name, day in given.items()}
        answer = api(province_staff).get("/api/v1/reports/online-rate/", iso)

    assert (page.status_code, exported.status_code, answer.status_code) == (400, 400, 400)
    assert message in page.content.decode() and message in exported.content.decode()
    assert answer.json()["errors"] == {field: ["Chọn một ngày từ 01/01/2000 đến 31/12/2027."]}
