"""The report tables as rows of plain values: one definition shared by the API, the CSV and XLSX
exports and the PDF, so they cannot disagree with each other or with the page."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from agencies.choices import UnitLevel
from reporting.selectors import LadderCount, RateReport, RateRow, SlaRow


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


def rate_table(report: RateReport, rows: Sequence[RateRow] | None = None) -> tuple[list[str], list[list[Any]]]:
    """The units' rows (`rows`: as sorted and filtered on the page; all of them by default), then the
    total, labelled as such; a commune's own report has one row, itself, and no total repeating it."""
    head = [_("Code"), _("Unit"), _("Dossiers"), _("Online"), _("Online rate (%)"), _("Target (%)"),
            _("Pilot"), _("Meets the target")]  # fmt: skip
    listed = list(report.rows if rows is None else rows)
    table = [
        [r.code, r.name, r.total, r.online, r.rate, r.target, _("yes") if r.pilot else "", _verdict(r)] for r in listed
    ]
    if has_total(report):
        t = report.total
        table.append(["", total_label(report), t.total, t.online, t.rate, t.target, "", _verdict(t)])
    return head, table


def rate_sort_labels() -> dict[str, str]:
    """The rate table's columns a page sorts by, with their titles on the page."""
    return {"name": _("Unit"), "total": _("Dossiers"), "online": _("Online"), "rate": _("Online rate"),
            "target": _("Target"), "verdict": _("Result")}  # fmt: skip


def rate_selection(report: RateReport, rows: Sequence[RateRow], *, only: str, sort: str, pilot_first: bool) -> str:
    """In words, which of the report's units the rows are and in what order, as the page chose them
    (filter, sort, pilot units first); "" when they are every unit in the order of their codes."""
    column = sort.removeprefix("-")
    if not (only or column not in ("", "code") or sort.startswith("-") or pilot_first):
        return ""
    filters = {"below": _("below the target"), "empty": _("with no dossier")}
    parts = [
        _("Units in the table: %(filter)s, %(shown)s/%(units)s units")
        % {"filter": filters.get(only, _("every unit")), "shown": len(rows), "units": len(report.rows)}
    ]
    if column not in ("", "code") or sort.startswith("-"):
        label = {"code": _("Code"), **rate_sort_labels()}.get(column or "code", column)
        direction = _("descending") if sort.startswith("-") else _("ascending")
        parts.append(_("sorted by the column «%(column)s», %(direction)s") % {"column": label, "direction": direction})
    if pilot_first:
        parts.append(_("pilot units first"))
    return "; ".join(parts) + "."


def has_total(report: RateReport) -> bool:
    """A total line only where it adds up several units: a commune's own report is its one row."""
    return not (report.unit.level == report.level == UnitLevel.COMMUNE)


def total_label(report: RateReport) -> str:
    return _("Total: %(unit)s") % {"unit": report.unit.name}


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


def ladder_table(rows: Sequence[LadderCount]) -> tuple[list[str], list[list[Any]]]:
    head = [_("Office"), _("Rung 1: holder"), _("Rung 2: head of office"), _("Rung 3: province")]
    return head, [[row.where, row.holder, row.head, row.province] for row in rows]


def variant_table(split: Sequence[tuple[str, str, int, int]]) -> tuple[list[str], list[list[Any]]]:
    return [_("Bundle"), _("Procedures asked for"), _("Dossiers"), _("Online")], [list(row) for row in split]


def _decimals(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def as_csv(head: list[str], rows: list[list[Any]]) -> bytes:
    """CSV as the page writes its numbers, for the spreadsheet of the page's language: in Vietnamese
    a decimal comma ("14,3"), so the cells are separated by semicolons, which is also the list
    separator Excel expects under Windows' Vietnamese regional settings; in English "14.3" and
    commas. Rates carry one decimal, as on the page; the header says the unit (%)."""
    decimal_comma = formats.get_format("DECIMAL_SEPARATOR") == ","
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if decimal_comma else ",")
    writer.writerow(head)
    for row in rows:
        writer.writerow(["" if v is None else formats.number_format(v) if isinstance(v, Decimal) else v for v in row])
    return ("\ufeff" + out.getvalue()).encode()  # with a BOM, so Excel reads the Vietnamese right


def as_xlsx(title: str, head: list[str], rows: list[list[Any]]) -> bytes:
    """Numbers as numeric cells; a rate holds its rounded value (the page's) and shows one decimal."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(head)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
        for cell, value in zip(sheet[sheet.max_row], row, strict=True):
            if isinstance(value, Decimal):
                cell.number_format = "0." + "0" * _decimals(value) if _decimals(value) else "0"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
