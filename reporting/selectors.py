"""The reports, read from the summary tables and scoped to the person asking: provincial staff
their province, a clerk their commune, an officer the communes their office serves (404 outside).

Units are taken as they were on the last day of the period. Before 1 July 2025 a province has
districts and communes; from then on only communes. With `remap`, dossiers of communes that no
longer exist are counted under today's commune through the old → new mapping; an old commune
split between several new ones is counted once, in the one that holds its seat (see `seat_of`).

The reports read the replica when there is a healthy one (`replica_reads`, portal/db_router.py):
they need not show a dossier of the last seconds, and each is cached under the refresh of the
summaries it read. The obstacles, answered on the same page, are read from the primary."""

from __future__ import annotations

import datetime
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from django.db.models import Case, Count, F, Model, Q, QuerySet, Sum, Value, When
from django.db.models.functions import TruncMonth
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from agencies import access
from agencies.choices import UnitLevel
from agencies.models import (
    AdministrativeUnit,
    Jurisdiction,
    Office,
    UnitSuccession,
    User,
    report_roots,
    within,
    workplace,
)
from agencies.selectors import seat_of
from cases import kinds as bundle_kinds
from cases.choices import Channel, Source, StepState
from cases.kinds.death import FUNERAL, FuneralCategory
from cases.models import BundleVariant, Escalation, Procedure, Step
from cases.selectors import bundle_list_for_user
from portal.dates import outside_window
from portal.db_router import primary_reads, replica_reads
from portal.errors import Invalid, NotFound
from reporting.cache import per_refresh, summaries_version
from reporting.models import (
    Obstacle,
    OpenStepCount,
    ReceivedCount,
    ReceivedMonth,
    ResultTime,
    ResultTimeMonth,
    StepCount,
    StepMonth,
    Target,
)
from reporting.summaries import RESULT_KEYS, STEP_FIELDS, STEP_KEYS, month_start

DEFAULT_TARGET = 50
EARLIEST = datetime.date(2000, 1, 1)  # the first day a report's period may start


class _Unit(NamedTuple):
    code: str
    name: str
    level: str
    parent: str


def share(online: int, total: int) -> Decimal | None:
    """`online` of `total` in per cent, one decimal, halves rounded up (66.65 → 66.7): the one rounding
    of the page, the exports, the API and the chart. None when there is nothing to divide."""
    if not total:
        return None
    return (Decimal(100 * online) / total).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class RateRow:
    code: str
    name: str
    level: str
    total: int = 0
    online: int = 0
    target: int = DEFAULT_TARGET
    pilot: bool = False

    @property
    def rate(self) -> Decimal | None:
        """Online share in per cent, one decimal; None for a unit that received nothing."""
        return share(self.online, self.total)

    @property
    def meets_target(self) -> bool | None:
        return None if self.rate is None else self.rate >= self.target


@dataclass
class RateReport:
    unit: AdministrativeUnit
    first: datetime.date
    last: datetime.date
    level: str
    remap: bool
    rows: list[RateRow]
    total: RateRow
    unplaced: int = 0  # dossiers of units that no longer exist, when not remapped
    by_channel: dict[str, int] = field(default_factory=dict)
    online_by_source: dict[str, int] = field(default_factory=dict)  # the online dossiers by cases.choices.Source
    version: int = 0  # the refresh of the summaries it was computed from (`summaries_version`)

    @property
    def channels(self) -> list[tuple[str, int]]:
        """(label, dossiers) per channel, in the order of the channel choices."""
        return [(str(label), self.by_channel[value]) for value, label in Channel.choices if value in self.by_channel]

    @property
    def online_sources(self) -> list[tuple[str, int]]:
        """(label, online dossiers) per source that sent any, in the order of the source choices."""
        counts = self.online_by_source
        return [(str(label), counts[value]) for value, label in Source.choices if counts.get(value)]


RATE_SORTS = ("code", "name", "total", "online", "rate", "target", "verdict")
RATE_FILTERS = ("below", "empty")
_LETTERS = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_MODIFIERS = ("\u0306", "\u0302", "\u031b")  # breve, circumflex, horn
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}  # CLDR's Vietnamese order


def vietnamese_key(text: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Sort key in Vietnamese alphabetical order (a ă â b c d đ e ê …, then the tones): Python's own
    order would put every "Đ" after "Z" and "Ư" after "U"'s neighbours."""
    letters: list[int] = []
    tones: list[int] = []
    for char in unicodedata.normalize("NFD", text.lower()):
        if char in _TONES:
            tones[-1:] = [_TONES[char]]
            continue
        if char in _MODIFIERS and letters:
            base = _LETTERS[letters[-1]] if 0 <= letters[-1] < len(_LETTERS) else ""
            combined = unicodedata.normalize("NFC", base + char)
            if combined in _LETTERS:
                letters[-1] = _LETTERS.index(combined)
            continue
        letters.append(_LETTERS.index(char) if char in _LETTERS else -1000 + ord(char) if char < "a" else ord(char))
        tones.append(0)
    return tuple(letters), tuple(tones)


def rate_rows(report: RateReport, *, sort: str = "", only: str = "", pilot_first: bool = False) -> list[RateRow]:
    """The report's unit rows as the page, the exports and the API list them: `only` "below" (the
    target) or "empty" (no dossier); sorted by a column of `RATE_SORTS`, "-" before it for
    descending, ties always by code; a unit with no dossier has no rate and no verdict and comes
    last whichever the direction; `pilot_first` puts the pilot units first, each group in that
    order. Cheap (no query): the report itself is cached once per refresh."""
    column = sort.removeprefix("-") or "code"
    if column not in RATE_SORTS:
        raise Invalid({"sort": [_("Sort by one of the table's columns.")]})
    if only and only not in RATE_FILTERS:
        raise Invalid({"only": [_("Show all units, those below their target or those with no dossier.")]})
    rows = [r for r in report.rows if not only or (r.meets_target is False if only == "below" else r.total == 0)]
    verdicts = {False: 0, True: 1}
    keys: dict[str, Callable[[RateRow], Any]] = {
        "code": lambda r: r.code,
        "name": lambda r: vietnamese_key(r.name),
        "total": lambda r: r.total,
        "online": lambda r: r.online,
        "rate": lambda r: r.rate,
        "target": lambda r: r.target,
        "verdict": lambda r: None if r.meets_target is None else verdicts[r.meets_target],
    }
    key = keys[column]
    rows.sort(key=lambda r: r.code)
    valued = sorted((r for r in rows if key(r) is not None), key=key, reverse=sort.startswith("-"))  # stable
    ordered = valued + [r for r in rows if key(r) is None]
    if pilot_first:
        ordered = [r for r in ordered if r.pilot] + [r for r in ordered if not r.pilot]
    return ordered


def report_unit(*, user: User | None, code: str | None, on: datetime.date) -> AdministrativeUnit:
    """The unit a report is about: `code` if the person may see it, else their own (404 outside)."""
    allowed = report_roots(user, on) if user is not None else []
    if not allowed:
        raise NotFound(_("No report for you here."))
    code = code or allowed[0]
    found = (
        AdministrativeUnit.objects.valid_on(on)
        .restrict(user, access.REPORT, on=on)
        .select_related("parent__parent")
        .filter(code=code)
        .first()
    )
    if found is None:
        raise NotFound(_("No unit %(code)s in your reports.") % {"code": code})
    return found


def period(
    first: str | None, last: str | None, today: datetime.date, labels: dict[str, Any] | None = None
) -> tuple[datetime.date, datetime.date]:
    """The period of a report (default: this month so far); refused when it does not parse, or
    when a day lies outside the years a report may span (EARLIEST to the end of next year), under
    its field (`labels`: the fields' names on a page, which says them in the message)."""
    try:
        end = datetime.date.fromisoformat(last) if last else today
        start = datetime.date.fromisoformat(first) if first else end.replace(day=1)
    except ValueError:
        raise Invalid({"from": [_("Enter dates as YYYY-MM-DD.")]}) from None
    latest = datetime.date(today.year + 1, 12, 31)
    for name, day in (("to", end), ("from", start)):  # "from" may default from "to"
        if not EARLIEST <= day <= latest:
            raise Invalid({name: [outside_window(EARLIEST, latest, (labels or {}).get(name))]})
    if start > end:
        raise Invalid({"from": [_("The period must start before it ends.")]})
    return start, end


def successor_codes() -> dict[str, str]:
    """Old commune code → the code of the commune that holds its seat today."""
    grouped: dict[str, list[UnitSuccession]] = defaultdict(list)
    for succession in UnitSuccession.objects.select_related("old", "new"):
        grouped[succession.old.code].append(succession)
    return {old: seat_of(rows) for old, rows in grouped.items()}


def targets_on(codes: list[str], on: datetime.date) -> dict[str, Target]:
    return {target.unit_code: target for target in Target.objects.valid_on(on).filter(unit_code__in=codes)}


@replica_reads()
def online_rate(
    *,
    user: User | None = None,
    code: str | None = None,
    unit: AdministrativeUnit | None = None,
    first: datetime.date,
    last: datetime.date,
    level: str = "",
    remap: bool = False,
) -> RateReport:
    """The online share of dossiers received in the period, per unit of `level` under the unit
    (`code` if `user` may see it, else their own; or a `unit` already checked), against each unit's
    target; every unit of the level is listed, also one with no dossier. Kept until the next refresh."""
    unit = unit or report_unit(user=user, code=code, on=last)
    version = summaries_version()
    key = ("rate", unit.code, first, last, level, remap)
    return per_refresh(key, lambda: _online_rate(unit, first, last, level, remap, version), version)


class _Units(NamedTuple):
    """Every unit row of every period, read once: those valid on the report's last day, and for
    each row (a commune of any period) the codes of its commune, district and province."""

    valid: list[_Unit]
    chains: dict[int, tuple[str, str, str]]

    @property
    def parent_of(self) -> dict[str, str]:
        return {u.code: u.parent for u in self.valid}


def _units(last: datetime.date) -> _Units:
    every = AdministrativeUnit.objects.values_list(
        "pk", "code", "name", "level", "parent__code", "parent__parent__code", "valid_from", "valid_to"
    )
    units = _Units([], {})
    for pk, code, name, unit_level, parent, grandparent, since, until in every:
        units.chains[pk] = (code, parent or "", grandparent or "")
        if since <= last and (until is None or until >= last):
            units.valid.append(_Unit(code, name, unit_level, parent or ""))
    return units


def _is_under(candidate: str, code: str, parent_of: dict[str, str]) -> bool:
    """Whether unit `candidate` is `code` or lies under it."""
    while candidate:
        if candidate == code:
            return True
        candidate = parent_of.get(candidate) or ""
    return False


def _rows_level(unit: AdministrativeUnit, level: str, units: _Units) -> str:
    """The level of the report's rows: communes under a commune; else as asked; else a province's
    districts where it still has them, its communes where it has none (from 1 July 2025)."""
    if unit.level == UnitLevel.COMMUNE:
        return UnitLevel.COMMUNE
    if level in (UnitLevel.DISTRICT, UnitLevel.COMMUNE):
        return level
    parent_of = units.parent_of
    has_districts = any(u.level == UnitLevel.DISTRICT and _is_under(u.code, unit.code, parent_of) for u in units.valid)
    return UnitLevel.DISTRICT if has_districts and unit.level == UnitLevel.PROVINCE else UnitLevel.COMMUNE


def _rate_row(unit: _Unit | AdministrativeUnit, targets: dict[str, Target]) -> RateRow:
    target = targets.get(unit.code)
    return RateRow(
        unit.code,
        unit.name,
        unit.level,
        target=target.percent if target else DEFAULT_TARGET,
        pilot=bool(target and target.pilot),
    )


def _online_rate(
    unit: AdministrativeUnit, first: datetime.date, last: datetime.date, level: str, remap: bool, version: int
) -> RateReport:
    units = _units(last)
    parent_of = units.parent_of
    level = _rows_level(unit, level, units)
    listed = [
        u
        for u in units.valid
        if u.level == level and _is_under(u.code, unit.code, parent_of) and (u.code != unit.code or level == unit.level)
    ]
    targets = targets_on([u.code for u in listed] + [unit.code], last)
    rows = {u.code: _rate_row(u, targets) for u in listed}
    report = RateReport(
        unit, first, last, level, remap, sorted(rows.values(), key=lambda r: r.code), _rate_row(unit, targets)
    )
    report.version = version
    _count_received(report, rows, units)
    return report


def _count_received(report: RateReport, rows: dict[str, RateRow], units: _Units) -> None:
    """Add the period's dossiers to the rows and the total. The summary rows read: the unit's
    communes of every period; with remap, the whole province's (a predecessor of one of its
    communes may have belonged to another district), each counted under the commune holding its
    seat today."""
    parent_of = units.parent_of
    communes = {u.code for u in units.valid if u.level == UnitLevel.COMMUNE}
    successors = successor_codes() if report.remap else {}
    scope = report.unit.code
    while report.remap and parent_of.get(scope):
        scope = parent_of[scope] or scope
    mine = Q(commune_id__any=[pk for pk, chain in units.chains.items() if scope in chain])
    by_channel: dict[str, int] = defaultdict(int)
    by_source: dict[str, int] = defaultdict(int)
    counts = received(report.first, report.last, ("commune_id", "channel", "source"), mine)
    for (commune_id, channel, source), n in counts.items():
        commune, *old_chain = units.chains[commune_id]
        if commune not in communes:
            commune = successors.get(commune, commune)
        if commune not in communes:
            report.unplaced += n if report.unit.code in old_chain else 0
            continue
        if not _is_under(commune, report.unit.code, parent_of):
            continue
        holder = commune if report.level == UnitLevel.COMMUNE else parent_of.get(commune)
        by_channel[channel] += n
        by_source[source] += n if channel == Channel.ONLINE else 0
        for row in (rows.get(holder or ""), report.total):
            if row is not None:
                row.total += n
                row.online += n if channel == Channel.ONLINE else 0
    report.by_channel = dict(by_channel)
    report.online_by_source = dict(by_source)


@dataclass
class SlaRow:
    office: str
    procedure: str
    procedure_name: str
    received: int = 0
    in_progress: int = 0
    done_on_time: int = 0
    done_late: int = 0
    overdue_now: int = 0
    returned: int = 0
    refused: int = 0
    apologies: int = 0
    median_days: int | None = None
    p90_days: int | None = None


def _percentile(histogram: dict[int, int], share: float) -> int | None:
    """The smallest number of working days that `share` of the steps took at most."""
    steps = sum(histogram.values())
    if not steps:
        return None
    needed = share * steps
    running = 0
    for days in sorted(histogram):
        running += histogram[days]
        if running >= needed:
            return days
    return max(histogram)


@replica_reads()
def sla(
    *,
    user: User | None = None,
    code: str | None = None,
    unit: AdministrativeUnit | None = None,
    first: datetime.date,
    last: datetime.date,
    today: datetime.date,
    by_agency: bool = False,
) -> list[SlaRow]:
    """Per office (or, `by_agency`, per kind of agency: a province's overview) and procedure: steps
    handed to it in the period, done on time or late, returned, refused, apologies owed, working
    days to result (median, 90th percentile); and now: in progress and overdue. The unit as for
    `online_rate`; kept until the next refresh."""
    unit = unit or report_unit(user=user, code=code, on=last)
    # In the page's language: the kinds of agency and the procedures are named in it.
    key = ("sla", unit.code, first, last, today, by_agency, get_language())
    return per_refresh(key, lambda: _sla(unit, first, last, today, by_agency))


def _sla(
    unit: AdministrativeUnit, first: datetime.date, last: datetime.date, today: datetime.date, by_agency: bool
) -> list[SlaRow]:
    communes = AdministrativeUnit.objects.valid_on(last).filter(
        pk__in=_units_within(unit.code), level=UnitLevel.COMMUNE
    )
    served = Jurisdiction.objects.valid_on(last).filter(unit__in=communes).values("office")
    offices = {
        office.pk: str(office.get_agency_display()) if by_agency else office.name
        for office in Office.objects.filter(pk__in=served)
    }
    names = {procedure.code: procedure.shown_name for procedure in Procedure.objects.only("code", "name", "name_en")}
    rows: dict[tuple[str, str], SlaRow] = {}

    def row(office: int, procedure: str) -> SlaRow:  # one row per office (or agency) and procedure
        key = (offices[office], procedure)
        return rows.setdefault(key, SlaRow(offices[office], procedure, names[procedure]))

    mine = Q(office_id__any=list(offices))
    figures = summed(StepCount, StepMonth, (first, last), STEP_KEYS, mine, STEP_FIELDS)
    for (office, procedure), values in figures.items():
        target = row(office, procedure)
        for name, n in zip(STEP_FIELDS, values, strict=True):
            setattr(target, name, getattr(target, name) + n)
    for entry in OpenStepCount.objects.filter(mine).values("office_id", "procedure_id", "open", "overdue"):
        target = row(entry["office_id"], entry["procedure_id"])
        target.in_progress += entry["open"]
        target.overdue_now += entry["overdue"]
    histograms: dict[tuple[str, str], Counter] = defaultdict(Counter)
    times = summed(ResultTime, ResultTimeMonth, (first, last), RESULT_KEYS, mine)
    for (office, procedure, days), (n,) in times.items():
        target = row(office, procedure)
        histograms[(target.office, target.procedure)][days] += n
    for key, histogram in histograms.items():
        rows[key].median_days, rows[key].p90_days = _percentile(histogram, 0.5), _percentile(histogram, 0.9)
    return sorted(rows.values(), key=lambda r: (r.office, r.procedure_name))


def summed(
    daily: type[Model],
    monthly: type[Model],
    span: tuple[datetime.date, datetime.date],
    fields: tuple[str, ...],
    where: Q,
    values: tuple[str, ...] = ("count",),
) -> dict[tuple, list[int]]:
    """Summary rows from the first to the last day of `span`, their `values` summed by `fields`: whole
    months from the monthly table, the days at either end from the daily one (at most three
    queries, whatever the period)."""
    first, last = span
    months_from = month_start(first) if first.day == 1 else month_start(first, 1)
    months_until = (
        month_start(last, 1)
        if month_start(last + datetime.timedelta(days=1)) != month_start(last)
        else month_start(last)
    )
    parts: list[QuerySet[Any]] = []
    days = [(first, last)]
    if months_from < months_until:
        parts.append(monthly._default_manager.filter(where, month__gte=months_from, month__lt=months_until))
        days = [(first, months_from - datetime.timedelta(days=1)), (months_until, last)]
    parts += [daily._default_manager.filter(where, day__range=edge) for edge in days if edge[0] <= edge[1]]
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(values))
    for part in parts:
        for row in part.values(*fields).annotate(**{f"sum_{name}": Sum(name) for name in values}).order_by():
            bucket = totals[tuple(row[name] for name in fields)]
            for i, name in enumerate(values):
                bucket[i] += row[f"sum_{name}"]
    return totals


def received(first: datetime.date, last: datetime.date, fields: tuple[str, ...], where: Q) -> Counter:
    """Dossiers received from `first` to `last`, summed by `fields`."""
    return Counter({key: n for key, (n,) in summed(ReceivedCount, ReceivedMonth, (first, last), fields, where).items()})


def _units_within(code: str) -> list[int]:
    """The rows of the unit `code` and of the units under it, of every period, so that summary rows
    filed under a commune that no longer exists are found too (by id: the summary query joins nothing)."""
    return list(AdministrativeUnit.objects.filter(within(code)).values_list("pk", flat=True))


def _within(report: RateReport) -> Q:
    """Summary rows of the report's unit, whichever period's units the dossiers were filed under."""
    return Q(commune_id__any=_units_within(report.unit.code))


@replica_reads()
def variant_split(report: RateReport) -> list[tuple[str, str, int, int]]:
    """(kind, variant, dossiers, online) over the report's period, most dossiers first per kind;
    the kinds and variants named in the page's language."""
    key = ("variants", report.unit.code, report.first, report.last, get_language())
    return per_refresh(key, lambda: _variant_split(report), report.version)


def _variant_split(report: RateReport) -> list[tuple[str, str, int, int]]:
    counts = received(report.first, report.last, ("variant_id", "channel"), _within(report))
    variants = {v.pk: (v.kind, v.shown_name) for v in BundleVariant.objects.all()}
    split: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for (variant, channel), n in counts.items():
        split[variants[variant]][0] += n
        split[variants[variant]][1] += n if channel == Channel.ONLINE else 0
    kinds = dict(bundle_kinds.choices())
    ordered = sorted(split.items(), key=lambda item: (item[0][0], -item[1][0]))
    return [(str(kinds[kind]), variant, total, online) for (kind, variant), (total, online) in ordered]


@replica_reads()
def monthly_trend(report: RateReport) -> list[tuple[datetime.date, int, int]]:
    """(first day of month, dossiers, online) for the unit over the report's period."""
    key = ("trend", report.unit.code, report.first, report.last)
    return per_refresh(key, lambda: _monthly_trend(report), report.version)


def _monthly_trend(report: RateReport) -> list[tuple[datetime.date, int, int]]:
    where = _within(report)
    first, last = report.first, report.last
    whole = ReceivedMonth.objects.filter(where, month__gte=month_start(first, 1), month__lt=month_start(last))
    head, tail = (first, month_start(first, 1) - datetime.timedelta(days=1)), (month_start(last), last)
    if month_start(first) == month_start(last):
        head, tail = (first, last), (last, first)  # one month: its days, nothing whole
    edges = ReceivedCount.objects.filter(where).filter(Q(day__range=head) | Q(day__range=tail))
    months: dict[datetime.date, list[int]] = defaultdict(lambda: [0, 0])
    for rows, month in ((whole, "month"), (edges.annotate(m=TruncMonth("day")), "m")):
        for r in rows.values(month, "channel").annotate(n=Sum("count")).order_by():
            months[r[month]][0] += r["n"]
            months[r[month]][1] += r["n"] if r["channel"] == Channel.ONLINE else 0
    every: list[tuple[datetime.date, int, int]] = []  # every month of the period, also one with no dossier
    day = month_start(first)
    while day <= last:
        total, online = months.get(day, [0, 0])
        every.append((day, total, online))
        day = month_start(day, 1)
    return every


@primary_reads()  # right after the refresh: the replica may not have it yet
def reports_warm(today: datetime.date) -> None:
    """Compute each province's default dashboard (this month so far) into the cache, as beat does
    right after each refresh of the summaries: nobody opening it waits for the computation."""
    first = month_start(today)
    for province in AdministrativeUnit.objects.valid_on(today).filter(level=UnitLevel.PROVINCE):
        report = online_rate(unit=province, first=first, last=today)
        sla(unit=province, first=first, last=today, today=today, by_agency=True)
        variant_split(report)
        monthly_trend(report)


def obstacle_list_for_user(*, user: User) -> QuerySet[Obstacle]:
    """Provincial staff see their province's obstacles; a desk or an office its own unit's."""
    return Obstacle.objects.restrict(user, access.REPORT).select_related("unit", "reported_by", "answered_by")


@dataclass(frozen=True)
class AmountException:
    """A funeral allowance recorded with another amount than the rate table's, and why."""

    office: str
    code: str
    commune: str
    category: str
    rule_vnd: int
    amount_vnd: int
    reason: str
    officer: str
    decided_at: datetime.datetime


@replica_reads()
def funeral_amount_exceptions(*, user: User, first: datetime.date, last: datetime.date) -> list[AmountException]:
    """The funeral allowances decided in the period at another amount than the rate table gives,
    per office (then by date): provincial staff see their province's, in one query however many.
    An officer may pay more than a legal minimum only with a reason (`cases.services.step_complete`
    keeps it with the table's amount), so each row carries both figures and the reason."""
    access.require(user, access.AMOUNTS, _("Only provincial staff see the amounts that differ from the rate table."))
    steps = (
        Step.objects.filter(
            procedure_id=FUNERAL,
            state=StepState.DONE,
            result__has_key="amount_reason",
            finished_at__date__range=(first, last),
            bundle__in=bundle_list_for_user(user=user),
        )
        .select_related("office", "claimant", "bundle__commune")
        .order_by("office__name", "finished_at", "pk")
    )
    return [
        AmountException(
            office=step.office.name,
            code=step.bundle.code,
            commune=step.bundle.commune.name,
            category=str(FuneralCategory(step.bundle.category).label),
            rule_vnd=step.result["amount_rule_vnd"],
            amount_vnd=step.result["amount_vnd"],
            reason=step.result["amount_reason"],
            officer=step.claimant.full_name if step.claimant else "",
            decided_at=step.finished_at,
        )
        for step in steps
        if step.finished_at is not None
    ]


@replica_reads()
def online_from_hospital_notices(
    *, user: User, unit: AdministrativeUnit, first: datetime.date, last: datetime.date
) -> int:
    """How many online dossiers of `unit` received in the period started from a hospital's notice
    (issue 13: the proactive offers' reach). Counted on the dossiers, not the summaries: one query."""
    return (
        bundle_list_for_user(user=user)
        .filter(within(unit.code, "commune__"), channel=Channel.ONLINE, health_notices__isnull=False)
        .filter(received_at__date__gte=first, received_at__date__lte=last)
        .distinct()
        .count()
    )


@dataclass(frozen=True)
class LadderCount:
    """How many steps (or online dossiers, at a commune's desk) of one office reached each rung of
    the escalation ladder in a period (cases/ladder.py)."""

    where: str
    holder: int
    head: int
    province: int


@replica_reads()
def ladder_counts(*, user: User, first: datetime.date, last: datetime.date) -> list[LadderCount]:
    """Per office (and per commune's desk, for the online dossiers it did not take up), how many
    rungs of each height were reached in the period, by the day they were reached: provincial
    staff see their province's, in one query however many offices."""
    access.require(user, access.LADDER_REPORT, _("Only provincial staff see the escalation ladder's counts."))
    desk = {"office__isnull": True}
    rows = (
        Escalation.objects.filter(at__date__range=(first, last), bundle__in=bundle_list_for_user(user=user))
        .annotate(
            desk_name=Case(When(**desk, then=F("bundle__commune__name")), default=Value("")),
            desk_type=Case(When(**desk, then=F("bundle__commune__type")), default=Value("")),
        )
        .values("office__name", "desk_name", "desk_type")
        .annotate(
            holder=Count("pk", filter=Q(rung=1)),
            head=Count("pk", filter=Q(rung=2)),
            province=Count("pk", filter=Q(rung=3)),
        )
    )
    counts = [
        LadderCount(
            where=row["office__name"] or workplace(None, (row["desk_name"], row["desk_type"]), None),
            holder=row["holder"],
            head=row["head"],
            province=row["province"],
        )
        for row in rows
    ]
    return sorted(counts, key=lambda count: (-count.province, -count.head, -count.holder, count.where))
