"""The periodic report that goes out by itself (issue 15 §3): provincial staff set the recipients
and the cadence; each morning beat writes, once per period, an outbox message; its delivery
e-mails the signed PDF, the rates as XLSX, the open obstacles and the units that reported none."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agencies.choices import UnitLevel, UserRole
from agencies.models import AdministrativeUnit, User
from cases.models import Outbox
from cases.services.audit import publish
from cases.services.outbox import mail_domain
from portal.db_router import replica_reads
from portal.errors import Forbidden, Invalid, Unavailable
from reporting import selectors
from reporting.documents import report_html, report_issue
from reporting.models import Cadence, Obstacle, ReportSchedule, addresses_in
from reporting.tables import as_xlsx, rate_table

TOPIC = "report.email"


def report_schedule_set(*, user: User, recipients: str, cadence: str, active: bool) -> ReportSchedule:
    """Provincial staff set who receives their province's report and how often."""
    if user.role != UserRole.PROVINCIAL or user.province is None:
        raise Forbidden(_("Only provincial staff set who receives the province's report."))
    addresses = addresses_in(recipients)
    problems: dict[str, list[str]] = {}
    bad = []
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            bad.append(address)
    if bad:
        problems["recipients"] = [_("Not an e-mail address: %(addresses)s.") % {"addresses": ", ".join(bad)}]
    elif not addresses:
        problems["recipients"] = [_("Give at least one e-mail address.")]
    if cadence not in Cadence.values:
        problems["cadence"] = [_("Choose weekly or monthly.")]
    if problems:
        raise Invalid(problems)
    schedule, _created = ReportSchedule.objects.update_or_create(
        province=user.province,
        defaults={"recipients": "\n".join(addresses), "cadence": cadence, "active": active, "updated_by": user},
    )
    return schedule


def period_before(cadence: str, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The last whole period before `today`: the week Monday to Sunday, or the calendar month."""
    if cadence == Cadence.WEEKLY:
        last = today - datetime.timedelta(days=today.weekday() + 1)
        return last - datetime.timedelta(days=6), last
    last = today.replace(day=1) - datetime.timedelta(days=1)
    return last.replace(day=1), last


def reports_due(*, today: datetime.date) -> int:
    """Beat, each morning: one outbox message per schedule whose last period was not sent yet,
    written with the period it marks as sent (so a period goes out once)."""
    written = 0
    for pk in ReportSchedule.objects.filter(active=True).values_list("pk", flat=True):
        with transaction.atomic():
            schedule = ReportSchedule.objects.select_for_update().get(pk=pk)
            first, last = period_before(schedule.cadence, today)
            if schedule.last_period_end is not None and schedule.last_period_end >= last:
                continue
            publish(TOPIC, schedule=schedule.pk, first=first.isoformat(), last=last.isoformat())
            schedule.last_period_end = last
            schedule.save(update_fields=["last_period_end"])
            written += 1
    return written


def silent_units(province: AdministrativeUnit, first: datetime.date, last: datetime.date) -> list[AdministrativeUnit]:
    """The province's communes that reported no obstacle in the period."""
    communes = AdministrativeUnit.objects.valid_on(last).filter(
        Q(parent=province) | Q(parent__parent=province), level=UnitLevel.COMMUNE
    )
    reported = Obstacle.objects.filter(reported_at__date__range=(first, last)).values("unit")
    return list(communes.exclude(pk__in=reported).order_by("name"))


def report_email_send(message: Outbox) -> None:
    """Deliver one scheduled report (the outbox's delivery of TOPIC): the e-mail with the signed
    PDF and the XLSX, in Vietnamese, its Message-ID fixed so a receiver drops a repeat."""
    with translation.override("vi"):
        _report_email_send(message)


def _report_email_send(message: Outbox) -> None:
    from signing.services import document_sign

    schedule = ReportSchedule.objects.select_related("province", "updated_by").get(pk=message.payload["schedule"])
    first = datetime.date.fromisoformat(message.payload["first"])
    last = datetime.date.fromisoformat(message.payload["last"])
    province, author = schedule.province, schedule.updated_by
    # The figures of a period that has ended, from the replica when healthy: the delivery's
    # transaction has only locked its outbox row, nothing the report reads.
    with replica_reads(inside_transaction=True):
        report = selectors.online_rate(unit=province, first=first, last=last)
        sla = selectors.sla(unit=province, first=first, last=last, today=timezone.localdate(), by_agency=True)
        silent = silent_units(province, first, last)
    name = f"bao-cao-{province.code}-{last.isoformat()}"
    period = f"{first:%d/%m/%Y} - {last:%d/%m/%Y}"
    lines = [f"Báo cáo định kỳ kết quả tiếp nhận, giải quyết thủ tục hành chính liên thông, {province.name}, {period}."]
    mail = EmailMessage(subject=f"Báo cáo định kỳ {province.name}, {period}", to=schedule.addresses)
    try:
        html = report_html(report, sla, author=author, remap=False, silent_units=silent)
        document = report_issue(html=html, unit=province, last=last, author=author)
        document_sign(document_pk=document.pk)
        document.refresh_from_db()
        with document.file.open("rb") as signed:
            mail.attach(f"{name}.pdf", signed.read(), "application/pdf")
        lines.append("Báo cáo PDF có chữ ký số đính kèm; bảng tỷ lệ trực tuyến ở tệp XLSX.")
    except Unavailable as missing:  # nobody may sign it: the figures go out, the unsigned PDF does not
        lines.append(f"Chưa gửi được báo cáo PDF có chữ ký số: {missing}")
    head, rows = rate_table(report)
    mail.attach(f"{name}.xlsx", as_xlsx("Ty le truc tuyen", head, rows), XLSX)
    open_obstacles = selectors.obstacle_list_for_user(user=author).filter(closed_at__isnull=True)
    lines.append("")
    lines.append("Khó khăn, vướng mắc chưa được giải quyết:")
    lines += [f"- {o.unit.name}: {o.title}" for o in open_obstacles] or ["- Không có."]
    lines.append("")
    lines.append(
        "Đơn vị chưa báo cáo khó khăn, vướng mắc trong kỳ: " + ("; ".join(u.name for u in silent) or "không có.")
    )
    mail.body = "\n".join(lines)
    mail.extra_headers["Message-ID"] = f"<report-{message.pk}@{mail_domain()}>"
    mail.send()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
