"""The periodic report that goes out by itself (issue 15 §3): provincial staff set the recipients
and the cadence on a page; the morning after a period ends, beat writes one outbox message, and its
delivery e-mails the signed PDF and the XLSX to a real SMTP server (aiosmtpd as a process), in
Vietnamese, naming the open obstacles and the units that reported none; a period goes out once."""

import datetime
import email.header
import io

import openpyxl
import pytest
from django.test import Client

from agencies.choices import UserRole
from cases import services
from cases.models import Outbox
from reporting.models import Obstacle, ReportSchedule
from reporting.schedules import period_before, reports_due
from signing.verify import verify_pdf
from tests.pdfs import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(make_user):
    return make_user(UserRole.PROVINCIAL, username="province")


def page(user, data=None):
    client = Client()
    client.force_login(user)
    return client.post("/reports/schedule/", data) if data is not None else client.get("/reports/schedule/")


def test_the_page_sets_who_receives_it_and_refuses_a_bad_address_naming_it(staff, make_user):
    refused = page(staff, {"recipients": "tgv@nghean.gov.vn\nnot-an-address", "cadence": "monthly", "active": "on"})
    saved = page(staff, {"recipients": "tgv@nghean.gov.vn, snv@nghean.gov.vn", "cadence": "weekly", "active": "on"})

    assert refused.status_code == 400
    assert "Không phải địa chỉ thư điện tử: not-an-address." in refused.content.decode()
    assert saved.status_code == 302
    schedule = ReportSchedule.objects.get()
    assert (schedule.addresses, schedule.cadence, schedule.active) == (
        ["tgv@nghean.gov.vn", "snv@nghean.gov.vn"],
        "weekly",
        True,
    )
    assert page(make_user(UserRole.CLERK)).status_code == 403


@pytest.mark.parametrize(
    ("cadence", "today", "period"),
    [
        ("monthly", "2026-04-01", ("2026-03-01", "2026-03-31")),
        ("monthly", "2026-03-15", ("2026-02-01", "2026-02-28")),
        ("weekly", "2026-03-09", ("2026-03-02", "2026-03-08")),  # a Monday: the week before
        ("weekly", "2026-03-12", ("2026-03-02", "2026-03-08")),
    ],
)
def test_the_period_is_the_last_whole_week_or_month(cadence, today, period):
    first, last = period_before(cadence, datetime.date.fromisoformat(today))
    assert (first.isoformat(), last.isoformat()) == period


def test_the_report_is_e_mailed_once_a_period_with_its_signed_pdf_and_spreadsheet(
    staff,
    make_user,
    smtp_server,
    signing,
    pki,
):
    signing(unit=staff.province)
    page(staff, {"recipients": "tgv@nghean.gov.vn\nsnv@nghean.gov.vn", "cadence": "monthly", "active": "on"})
    desk = make_user(UserRole.CLERK, commune="16690")
    Obstacle.objects.create(
        unit=desk.commune,
        title="Mạng chậm",
        description="Không gửi được hồ sơ.",
        reported_by=desk,
        reported_at=datetime.datetime(2026, 3, 10, 9, tzinfo=datetime.UTC),
    )

    written = reports_due(today=datetime.date(2026, 4, 1))
    again = reports_due(today=datetime.date(2026, 4, 2))
    for pk in Outbox.objects.filter(topic="report.email").values_list("pk", flat=True):
        services.outbox_deliver(message_pk=pk)

    (mail,) = smtp_server()
    subject = str(email.header.make_header(email.header.decode_header(mail["Subject"])))
    parts = {part.get_filename(): part.get_payload(decode=True) for part in mail.walk() if part.get_filename()}
    body = (
        next(part for part in mail.walk() if part.get_content_type() == "text/plain").get_payload(decode=True).decode()
    )
    assert (written, again) == (1, 0)
    assert subject == "Báo cáo định kỳ Tỉnh Nghệ An, 01/03/2026 - 31/03/2026"
    assert mail["To"] == "tgv@nghean.gov.vn, snv@nghean.gov.vn"
    assert sorted(parts) == ["bao-cao-40-2026-03-31.pdf", "bao-cao-40-2026-03-31.xlsx"]
    assert verify_pdf(parts["bao-cao-40-2026-03-31.pdf"], trust_roots=[pki.cert("root")]).valid
    text = pdf_text(parts["bao-cao-40-2026-03-31.pdf"])
    assert "4. Đơn vị chưa báo cáo khó khăn, vướng mắc trong kỳ" in text and "Xã Anh Sơn" in text
    sheet = openpyxl.load_workbook(io.BytesIO(parts["bao-cao-40-2026-03-31.xlsx"])).active
    assert [cell.value for cell in sheet[1]][:3] == ["Mã", "Đơn vị", "Hồ sơ"]
    assert "- Phường Trường Vinh: Mạng chậm" in body
    silent = body.split("Đơn vị chưa báo cáo khó khăn, vướng mắc trong kỳ: ")[1]
    assert "Xã Anh Sơn" in silent and "Phường Trường Vinh" not in silent
