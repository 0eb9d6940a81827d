"""The report tables as rows of plain values: one definition shared by the API, the CSV and XLSX
exports and the PDF, so they cannot disagree with each other or with the page."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from reporting.selectors import RateReport, RateRow, SlaRow


def rate_record(row: RateRow) -> dict[str, Any]:
    return {
        "unit": row.code,
        "name": row.name,
        "total": row.total,
        "online": row.online,
        "rate": float(row.rate) if row.rate is not None else None,
        "target": row.target,
        "pilot": row.pilot,
        "meets_target": row.meets_target,
    }


def rate_table(report: RateReport) -> tuple[list[str], list[list[Any]]]:
    head = [_("Code"), _("Unit"), _("Dossiers"), _("Online"), _("Online rate (%)"), _("Target (%)"),
            _("Pilot"), _("Meets the target")]  # fmt: skip
    rows = [*report.rows, report.total]
    return head, [
        [r.code, r.name, r.total, r.online, r.rate, r.target, _("yes") if r.pilot else "", _verdict(r)] for r in rows
    ]


def _verdict(row: RateRow) -> str:
    if row.meets_target is None:
        return _("no dossier")
    return _("meets") if row.meets_target else _("below")


SLA_FIELDS = ("received", "in_progress", "done_on_time", "done_late", "overdue_now", "returned", "refused",
              "apologies", "median_days", "p90_days")  # fmt: skip


def sla_record(row: SlaRow) -> dict[str, Any]:
    return {
        "office": row.office,
        "procedure": row.procedure,
        "procedure_name": row.procedure_name,
        **{name: getattr(row, name) for name in SLA_FIELDS},
    }


def sla_table(rows: Sequence[SlaRow]) -> tuple[list[str], list[list[Any]]]:
    head = [_("Office"), _("Procedure"), _("Received"), _("In progress"), _("Done on time"), _("Done late"),
            _("Overdue now"), _("Returned"), _("Refused"), _("Apologies owed"), _("Median working days"),
            _("90th percentile working days")]  # fmt: skip
    return head, [[r.office, r.procedure_name, *(getattr(r, name) for name in SLA_FIELDS)] for r in rows]


def variant_table(split: Sequence[tuple[str, str, int, int]]) -> tuple[list[str], list[list[Any]]]:
    return [_("Bundle"), _("Procedures asked for"), _("Dossiers"), _("Online")], [list(row) for row in split]


def as_csv(head: list[str], rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(head)
    writer.writerows([["" if value is None else value for value in row] for row in rows])
    return ("\ufeff" + out.getvalue()).encode()  # with a BOM, so Excel reads the Vietnamese right


def as_xlsx(title: str, head: list[str], rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(head)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([float(v) if hasattr(v, "as_tuple") else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
