"""The periodic report as a PDF (WeasyPrint), ready to send to the provincial working group:
period, online rates against targets, the SLA table, the obstacles still open. Vietnamese only,
as an official document; the tables are the dashboard's own rows."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation

from agencies.models import AdministrativeUnit, User
from cases.documents import place_and_date
from reporting.selectors import RateReport, RateRow, SlaRow, obstacle_list_for_user
from reporting.tables import rate_table, sla_table
from signing.layout import html_to_pdf
from signing.models import DocumentKind, IssuedDocument
from signing.services import document_issue


def report_pdf(report: RateReport, sla: list[SlaRow], *, author: User, remap: bool) -> bytes:
    return html_to_pdf(report_html(report, sla, author=author, remap=remap))


def report_issue(*, html: str, unit: AdministrativeUnit, last: datetime.date, author: User) -> IssuedDocument:
    """The periodic report of `unit` up to `last`, issued by the author's province (else the
    unit's People's Committee), by its author: from the dashboard and the scheduled e-mail."""
    return document_issue(
        kind=DocumentKind.REPORT,
        html=html,
        filename=f"bao-cao-{unit.code}-{last.isoformat()}.pdf",
        issuer=author.province or unit,
        person=author,
        actor=author,
    )


def report_html(
    report: RateReport,
    sla: list[SlaRow],
    *,
    author: User,
    remap: bool,
    silent_units: list | None = None,
    rows: Sequence[RateRow] | None = None,
    selection: Callable[[], str] | None = None,
) -> str:
    """The report's HTML. `rows`: the units as the dashboard shows them (its filter and sort; every
    unit by code by default), `selection` saying in words how they were chosen (Vietnamese: the
    report is read in Vietnamese whatever the page's language)."""
    with translation.override("vi"):
        context: dict[str, Any] = {
            "unit": report.unit,
            "report": report,
            "first": report.first,
            "last": report.last,
            "remap": remap,
            "rates": rate_table(report, rows),
            "selection": selection() if selection else "",
            "sla": sla_table(sla),
            "obstacles": obstacle_list_for_user(user=author).filter(closed_at__isnull=True),
            "author": author.get_full_name() or author.username,
            "place_and_date": place_and_date(report.unit, timezone.localdate()),
            # The scheduled report names the units that reported no obstacle in the period.
            "silent_units": silent_units,
        }
        return render_to_string("reporting/pdf/report.html", context)
