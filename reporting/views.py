"""The reporting pages: the dashboard (provincial staff for their province; clerks and officers
for their own unit), its exports, and the obstacles units report."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies import access
from agencies.choices import UnitLevel
from agencies.http import PortalRequest
from portal.access import redirect_back
from portal.dates import bad_date, parse_date
from portal.errors import Conflict, Invalid
from reporting import selectors, services
from reporting.charts import trend_months, trend_svg
from reporting.documents import report_html, report_issue
from reporting.models import ObstacleEvent
from reporting.selectors import obstacle_list_for_user
from reporting.tables import (
    as_csv,
    as_xlsx,
    has_total,
    ladder_table,
    rate_selection,
    rate_sort_labels,
    rate_table,
    sla_table,
    total_label,
    variant_table,
)
from signing.views import issued_response


def _period(params: Any, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The page's period, typed as dd/mm/yyyy (ISO is still taken): a date that does not parse is
    refused under its own field, in the page's format (the API's `period` asks for ISO)."""
    days, labels = {}, {"from": _("From"), "to": _("To")}
    for name, label in labels.items():
        raw = (params.get(name) or "").strip()
        day = parse_date(raw) if raw else None
        if raw and day is None:
            raise Invalid({name: [bad_date(label, raw)]})
        days[name] = day.isoformat() if day else None
    return selectors.period(days["from"], days["to"], today, labels)


def _report(request: PortalRequest) -> dict[str, Any]:
    """The report the query asks for; its SLA table, trend and split are computed when first used
    (the page may find them already rendered in the cache)."""
    params = request.GET
    today = timezone.localdate()
    first, last = _period(params, today)
    remap = params.get("remap") == "1"
    report = selectors.online_rate(
        user=request.user, code=params.get("unit"), first=first, last=last, level=params.get("level", ""), remap=remap
    )
    sort, only, pilot_first = params.get("sort", ""), params.get("only", ""), params.get("pilot_first") == "1"
    rows = selectors.rate_rows(report, sort=sort, only=only, pilot_first=pilot_first)
    # A province's page shows the SLA per kind of agency; its exports and lower units, per office.
    by_agency = report.unit.level == UnitLevel.PROVINCE and not params.get("export", "").startswith("sla.")
    return {
        "report": report,
        "first": first,
        "last": last,
        "remap": remap,
        "by_agency": by_agency,
        "rows": rows,
        "sort": sort,
        "only": only,
        "pilot_first": pilot_first,
        "selection": lambda: rate_selection(report, rows, only=only, sort=sort, pilot_first=pilot_first),
        "has_total": has_total(report),
        "total_label": total_label(report),
        "sla": lambda: selectors.sla(
            user=request.user, code=report.unit.code, first=first, last=last, today=today, by_agency=by_agency
        ),
        "months": lambda: trend_months(selectors.monthly_trend(report)),
        "trend": lambda: trend_svg(trend_months(selectors.monthly_trend(report)), report.total.target),
        "variants": lambda: selectors.variant_split(report),
    }


@access.page(access.REPORT)
def dashboard(request: PortalRequest) -> HttpResponse:
    """Online rates against targets for a unit and period, with drill-down, trend and SLA."""
    try:
        context = _report(request)
    except Invalid as refused:
        return render(request, "reporting/dashboard.html", {"errors": refused.errors}, status=400)
    report = context["report"]
    export = request.GET.get("export", "")
    if export == "report.pdf":
        with translation.override("vi"):  # an official document in Vietnamese, whatever the page's language
            sla_rows = context["sla"]()
        return issued_response(
            request,
            lambda: report_issue(
                html=report_html(
                    report,
                    sla_rows,
                    author=request.user,
                    remap=context["remap"],
                    rows=context["rows"],  # the page's filter and sort, as its CSV and XLSX
                    selection=context["selection"],
                ),
                unit=report.unit,
                last=context["last"],
                author=request.user,
            ),
        )
    if export:
        return _export(context, export)
    context["columns"] = _sort_links(request, context["sort"])
    context["version"] = report.version  # the key of the page's tables, rendered once per refresh
    context["breadcrumb"] = _breadcrumb(report.unit)
    trail = Prefetch(
        "events", ObstacleEvent.objects.select_related("actor__office", "actor__commune", "actor__province")
    )
    context["from_notices"] = selectors.online_from_hospital_notices(
        user=request.user, unit=report.unit, first=report.first, last=report.last
    )
    context["obstacles"] = obstacle_list_for_user(user=request.user).prefetch_related(trail)[:50]
    context["may_file"] = access.may(request.user, access.OBSTACLE_FILE)
    context["may_answer"] = access.may(request.user, access.OBSTACLE_ANSWER)
    return render(request, "reporting/dashboard.html", context)


@access.page(access.AMOUNTS)
def funeral_amounts(request: PortalRequest) -> HttpResponse:
    """The funeral allowances paid at another amount than the rate table's, per office, with why."""
    try:
        first, last = _period(request.GET, timezone.localdate())
    except Invalid as refused:
        return render(request, "reporting/funeral_amounts.html", {"errors": refused.errors}, status=400)
    rows = selectors.funeral_amount_exceptions(user=request.user, first=first, last=last)
    return render(request, "reporting/funeral_amounts.html", {"rows": rows, "first": first, "last": last})


@require_POST
@access.page(access.OBSTACLE_FILE)
def obstacle_new(request: PortalRequest) -> HttpResponse:
    try:
        services.obstacle_file(
            user=request.user, title=request.POST.get("title", ""), description=request.POST.get("description", "")
        )
    except Invalid as refused:
        for problems in refused.errors.values():
            for problem in problems:
                messages.error(request, problem)
        return redirect_back(request, "reporting:dashboard")
    messages.success(request, _("The obstacle was sent to the provincial office."))
    return redirect_back(request, "reporting:dashboard")


@require_POST
@access.page(access.OBSTACLE_ANSWER)
def obstacle_answer(request: PortalRequest, pk: int) -> HttpResponse:
    try:
        services.obstacle_answer(
            user=request.user, pk=pk, answer=request.POST.get("answer", ""), close=request.POST.get("close") == "1"
        )
    except (Invalid, Conflict) as refused:
        messages.error(request, str(refused) if isinstance(refused, Conflict) else refused.errors["answer"][0])
        return redirect_back(request, "reporting:dashboard")
    messages.success(request, _("The answer was recorded."))
    return redirect_back(request, "reporting:dashboard")


def _sort_links(request: PortalRequest, sort: str) -> list[dict[str, str]]:
    """The rate table's column heads: each a link sorting by it (ascending first; again, descending),
    keeping every other parameter of the page, so sorting works without JavaScript."""
    labels = rate_sort_labels()
    current, descending = sort.removeprefix("-"), sort.startswith("-")
    columns = []
    for key, label in labels.items():
        query = request.GET.copy()
        query["sort"] = f"-{key}" if key == current and not descending else key
        state = ("descending" if descending else "ascending") if key == current else "none"
        columns.append({"label": label, "href": "?" + query.urlencode(), "state": state})
    return columns


def _breadcrumb(unit: Any) -> list[Any]:
    chain: list[Any] = []
    while unit is not None:
        chain.insert(0, unit)
        unit = unit.parent
    return chain


def _export(context: dict[str, Any], export: str) -> HttpResponse:
    """?export=<rates|variants|sla>.<csv|xlsx>: the tables of the page, as they are."""
    table, _dot, kind = export.partition(".")
    tables = {
        "rates": (_("Online rate"), lambda: rate_table(context["report"], context["rows"])),
        "variants": (_("Bundles"), lambda: variant_table(context["variants"]())),
        "sla": (_("On time"), lambda: sla_table(context["sla"]())),
    }
    title, make = tables.get(table, tables["rates"])
    head, rows = make()
    return _table_response(
        title, head, rows, f"{table}-{context['report'].unit.code}-{context['first']}-{context['last']}", kind
    )


def _table_response(title: str, head: list[str], rows: list[list[Any]], name: str, kind: str) -> HttpResponse:
    """A table of a page as the file asked for: XLSX, else CSV (reporting.tables)."""
    if kind == "xlsx":
        body = as_xlsx(title, head, rows)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, content_type, kind = as_csv(head, rows), "text/csv; charset=utf-8", "csv"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    return response


@access.page(access.SCHEDULE)
def report_schedule(request: PortalRequest) -> HttpResponse:
    """Who receives the province's periodic report by e-mail, and how often."""
    from reporting.models import Cadence, ReportSchedule
    from reporting.schedules import report_schedule_set

    schedule = ReportSchedule.objects.filter(province=request.user.province).first()
    values = {
        "recipients": schedule.recipients if schedule else "",
        "cadence": schedule.cadence if schedule else Cadence.MONTHLY,
        "active": schedule.active if schedule else True,
    }
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {
            "recipients": request.POST.get("recipients", ""),
            "cadence": request.POST.get("cadence", ""),
            "active": request.POST.get("active") == "on",
        }
        try:
            report_schedule_set(user=request.user, **values)  # type: ignore[arg-type]
        except Invalid as refused:
            errors = refused.errors
        else:
            messages.success(request, _("Saved: the report goes out by itself."))
            return redirect("reporting:schedule")
    context = {"schedule": schedule, "values": values, "errors": errors, "cadences": Cadence.choices}
    return render(request, "reporting/schedule.html", context, status=400 if errors else 200)


@access.page(access.LADDER_REPORT)
def ladder_counts(request: PortalRequest) -> HttpResponse:
    """Per office, how many steps reached each rung of the escalation ladder in the period (beside
    the dashboard's SLA table); `?export=csv` gives the table as it is."""
    try:
        first, last = _period(request.GET, timezone.localdate())
    except Invalid as refused:
        return render(request, "reporting/ladder.html", {"errors": refused.errors}, status=400)
    rows = selectors.ladder_counts(user=request.user, first=first, last=last)
    if export := request.GET.get("export"):
        head, table = ladder_table(rows)
        return _table_response(_("Escalation ladder"), head, table, f"ladder-{first}-{last}", export)
    totals = [sum(getattr(row, name) for row in rows) for name in ("holder", "head", "province")]
    return render(request, "reporting/ladder.html", {"rows": rows, "totals": totals, "first": first, "last": last})
