"""The numbers the law and the province set, read from effective-dated data: time limits, rates,
waiting periods, and the working-day calendar. Cached in the process for a minute, because every
filing reads them and the admin changes them a few times a year."""

from __future__ import annotations

import dataclasses
import datetime
import time
from collections import defaultdict
from collections.abc import Iterable
from functools import cache
from typing import TypeVar

from django.db.models import Prefetch
from django.utils import formats
from django.utils.translation import gettext as _

from agencies.selectors import routing_cache_clear
from cases import kinds
from cases.models import BundleVariant, CalendarOverride, Procedure, Setting
from cases.workdays import WorkingCalendar
from portal.errors import DomainError

CACHE_SECONDS = 60
SUPPLEMENT_WAIT = "supplement.wait"
ATTACHMENT_MAX_BYTES = "attachment.max_bytes"


T = TypeVar("T")


class MissingSetting(DomainError):
    status_code = 500


_loaded_at = 0.0


def _fresh() -> None:
    global _loaded_at
    if time.monotonic() - _loaded_at > CACHE_SECONDS:
        clear_cache()
        _loaded_at = time.monotonic()


def clear_cache() -> None:
    """Forget the cached settings, calendar and routing (after an edit, and between tests): they
    are read again, and kept for CACHE_SECONDS from then."""
    global _loaded_at
    _loaded_at = time.monotonic()
    routing_cache_clear()
    _settings.cache_clear()
    _calendar.cache_clear()
    _variants.cache_clear()
    _role_less.cache_clear()
    _procedures.cache_clear()
    _procedure_rows.cache_clear()


@cache
def _settings() -> dict[str, list[tuple[datetime.date, datetime.date | None, int]]]:
    table: dict[str, list[tuple[datetime.date, datetime.date | None, int]]] = defaultdict(list)
    for key, valid_from, valid_to, value in Setting.objects.values_list("key", "valid_from", "valid_to", "value"):
        table[key].append((valid_from, valid_to, value))
    return dict(table)


@cache
def _calendar() -> WorkingCalendar:
    overrides = list(CalendarOverride.objects.values_list("day", "working"))
    return WorkingCalendar(
        extra_days_off=[day for day, working in overrides if not working],
        extra_working_days=[day for day, working in overrides if working],
    )


@cache
def _variants() -> dict[str, list[tuple[BundleVariant, list[Procedure]]]]:
    ordered = Procedure.objects.order_by("position").prefetch_related("requires")
    table: dict[str, list[tuple[BundleVariant, list[Procedure]]]] = defaultdict(list)
    for variant in BundleVariant.objects.prefetch_related(Prefetch("procedures", queryset=ordered)):
        table[variant.kind].append((variant, list(variant.procedures.all())))
    return dict(table)


def variant_for(kind: str, procedures: Iterable[str]) -> tuple[BundleVariant, list[Procedure]] | None:
    """The bundle variant of `kind` made of exactly these procedures, with its procedures in order
    (each with the procedures it must follow), or None when the portal offers no such bundle."""
    _fresh()
    wanted = set(procedures)
    for variant, members in _variants().get(kind, ()):
        if {procedure.code for procedure in members} == wanted:
            return variant, members
    return None


@dataclasses.dataclass(frozen=True)
class ProcedureShape:
    """What a page or an answer needs of a procedure: the dossier's sections its office reads and
    the procedures whose results it needs first."""

    data_sections: frozenset[str]
    requires: frozenset[str]


@cache
def _procedures() -> dict[str, ProcedureShape]:
    return {
        procedure.code: ProcedureShape(
            frozenset(procedure.data_sections), frozenset(p.code for p in procedure.requires.all())
        )
        for procedure in Procedure.objects.prefetch_related("requires")
    }


@cache
def _procedure_rows() -> dict[str, Procedure]:
    return {procedure.code: procedure for procedure in Procedure.objects.all()}


def procedure_rows() -> dict[str, Procedure]:
    """Every procedure by its code, as its row (the queue page names those of its 50 steps)."""
    _fresh()
    return _procedure_rows()


def procedures() -> dict[str, ProcedureShape]:
    """Every procedure's shape by its code."""
    _fresh()
    return _procedures()


@cache
def _role_less() -> frozenset[str]:
    """The procedures whose office the bundle's category picks (no agency role of their own)."""
    return frozenset(Procedure.objects.filter(agency_role="").values_list("code", flat=True))


def setting(key: str, on: datetime.date) -> int:
    """The value of setting `key` in force on `on`."""
    _fresh()
    for valid_from, valid_to, value in _settings().get(key, ()):
        if valid_from <= on and (valid_to is None or on <= valid_to):
            return value
    raise MissingSetting(_("The setting %(key)s has no value on %(day)s.") % {"key": key, "day": on.isoformat()})


def setting_or(key: str, on: datetime.date, default: T) -> int | T:
    """The value of setting `key` in force on `on`, or `default` where none is."""
    try:
        return setting(key, on)
    except MissingSetting:
        return default


def late_after_days(kind: str, on: datetime.date) -> int:
    """Calendar days after the event before a registration of `kind` is late (the kind's
    `registration.<kind>.late_after_days` in force on `on`)."""
    return setting(f"registration.{kind}.late_after_days", on)


def calendar() -> WorkingCalendar:
    _fresh()
    return _calendar()


def step_limit(procedure: str, category: str, on: datetime.date) -> int:
    """Working days allowed for a step (`limit.step.<procedure>`). A procedure without an agency
    role of its own, whose office the bundle's category picks (cases.kinds.Kind.category_role), has
    a limit per category too (`limit.step.<procedure>.<category>`)."""
    _fresh()
    role_less = procedure in _role_less()
    return setting(f"limit.step.{procedure}" + (f".{category}" if role_less else ""), on)


def step_due(procedure: str, category: str, clock: datetime.date) -> datetime.date:
    """The due date of a step whose clock starts on `clock` (its limit in force that day)."""
    return calendar().due_date(clock, step_limit(procedure, category, clock))


# The escalation ladder's thresholds, in office hours of working days (cases/ladder.py): how long a
# ready step may wait unclaimed, how long an online dossier may wait for the desk, and how long a
# step or dossier stays on a rung, unmoved, before it climbs to the next. Each is per procedure
# (`ladder.unclaimed.<procedure>`; a dossier's per kind, `ladder.unreceived.<kind>`), else the
# province's general value (`ladder.unclaimed`).
LADDER_UNCLAIMED, LADDER_UNRECEIVED, LADDER_CLIMB = "ladder.unclaimed", "ladder.unreceived", "ladder.climb"


def ladder_hours(key: str, code: str, on: datetime.date) -> int:
    """The ladder's threshold `key` for a procedure (or a kind) `code` in force on `on`: its own
    row where it has one, else the general one."""
    own = setting_or(f"{key}.{code}", on, None)
    return setting(key, on) if own is None else own


def suggested_appointment(today: datetime.date) -> datetime.date:
    """The new appointment a late step's office is offered first: two working days from the next one."""
    return calendar().due_date(calendar().next_working_day(today), 2)


def bundle_limit(kind: str, needs_verification: bool, on: datetime.date) -> int | None:
    """Working days allowed for the whole bundle, where the law sets one for its kind (the
    kind's `bundle_limit` setting); the key + ".verification" when the dossier needs verification."""
    key = kinds.get(kind).bundle_limit
    if key is None:
        return None
    return setting(key + (".verification" if needs_verification else ""), on)


def vnd(amount: int) -> str:
    """25000000 → "25.000.000": an amount as Vietnamese writes it, on pages, in messages and papers."""
    return f"{amount:,}".replace(",", ".")


def typed_vnd(amount: int) -> str:
    """25000000 → an amount as an officer types it on a page in the active language: grouped with
    its thousands separator ("25.000.000" in Vietnamese, "25,000,000" in English)."""
    return f"{amount:,}".replace(",", formats.get_format("THOUSAND_SEPARATOR"))
