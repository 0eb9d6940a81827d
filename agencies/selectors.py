"""Reads for places and agencies."""

from __future__ import annotations

import datetime
import functools
import time
from collections.abc import Iterable
from typing import Any

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils.translation import gettext as _

from agencies import access
from agencies.choices import AgencyRole, UnitLevel, UserRole
from agencies.models import AdministrativeUnit, Jurisdiction, Office, UnitSuccession, User
from portal.errors import NotFound

ROUTING_CACHE_SECONDS = 60


class _Period:
    number = 0
    since: float | None = None  # when answers were first kept under this number


_period = _Period()  # see cache_period


def cache_period() -> int:
    """The cache keys' part that makes a kept answer (a unit, an office, a rendered filter) a minute
    old at most: it changes ROUTING_CACHE_SECONDS after the first answer kept under it, and at every
    routing_cache_clear. A minute from when answers were kept, not the clock's minute, so that one
    request, or one test counting its queries, never straddles two."""
    now = time.monotonic()
    if _period.since is None:
        _period.since = now
    elif now - _period.since >= ROUTING_CACHE_SECONDS:
        _period.number, _period.since = _period.number + 1, now
    return _period.number


@functools.lru_cache(maxsize=4096)
def _unit_on(code: str, on: datetime.date, minute: int) -> AdministrativeUnit | None:
    return AdministrativeUnit.objects.valid_on(on).filter(code=code).select_related("parent").first()


@functools.lru_cache(maxsize=4096)
def _jurisdictions(commune: int, roles: frozenset[str], on: datetime.date, minute: int) -> dict[str, Office]:
    rows = Jurisdiction.objects.valid_on(on).filter(unit=commune, role__in=roles).select_related("office")
    return {jurisdiction.role: jurisdiction.office for jurisdiction in rows}


_office_rows: dict[tuple[int, int], dict[str, Any]] = {}


def office_rows(pks: Iterable[int]) -> dict[int, dict[str, Any]]:
    """{id: {"id": …, "name": …}} of these offices, kept in the process for a minute as routing's
    are (every queue page of the API names its office): the ones not yet known read in one query."""
    minute = cache_period()
    missing = {pk for pk in pks if (pk, minute) not in _office_rows}
    if missing:
        if len(_office_rows) > 4096:
            _office_rows.clear()
        read = Office.objects.filter(pk__in=missing).values_list("id", "name")
        _office_rows.update({(pk, minute): {"id": pk, "name": name} for pk, name in read})
    return {pk: _office_rows[(pk, minute)] for pk in pks if (pk, minute) in _office_rows}


def routing_cache_clear() -> None:
    """Forget the units and offices filing looked up (after an edit, and between tests)."""
    _period.number, _period.since = _period.number + 1, None
    _unit_on.cache_clear()
    _jurisdictions.cache_clear()
    _office_rows.clear()
    _commune_jurisdictions.cache_clear()


def unit_get_on(*, code: str, on: datetime.date) -> AdministrativeUnit:
    """The unit that carried `code` on day `on` (codes were reused, so the day matters). Kept in the
    process for a minute: every filing asks, and units change a few times a decade."""
    unit = _unit_on(code, on, cache_period())
    if unit is None:
        raise NotFound(_("No administrative unit %(code)s on %(day)s.") % {"code": code, "day": on.isoformat()})
    return unit


def office_for_role(*, role: AgencyRole | str, commune_code: str, on: datetime.date) -> Office:
    """Which office plays `role` for commune `commune_code` on day `on`."""
    commune = unit_get_on(code=commune_code, on=on)
    jurisdiction = (
        Jurisdiction.objects.valid_on(on).filter(role=role, unit=commune).select_related("office__unit").first()
    )
    if jurisdiction is None:
        raise NotFound(
            _("No office plays the role %(role)s for %(unit)s on %(day)s.")
            % {"role": AgencyRole(role).label, "unit": commune, "day": on.isoformat()}
        )
    return jurisdiction.office


def offices_for_roles(*, roles: set[str], commune: AdministrativeUnit, on: datetime.date) -> dict[str, Office]:
    """The offices playing each of `roles` for `commune` on `on`, in one query, kept in the process
    for a minute as the units are."""
    found = _jurisdictions(commune.pk, frozenset(roles), on, cache_period())
    for role in sorted(roles - found.keys()):
        raise NotFound(
            _("No office plays the role %(role)s for %(unit)s on %(day)s.")
            % {"role": AgencyRole(role).label, "unit": commune, "day": on.isoformat()}
        )
    return found


def commune_list_for_user(*, user: User, on: datetime.date) -> QuerySet[AdministrativeUnit]:
    """The communes valid on `on` that `user` works for (AdministrativeUnit.objects.restrict)."""
    return (
        AdministrativeUnit.objects.valid_on(on)
        .filter(level=UnitLevel.COMMUNE)
        .restrict(user, access.VIEW, on=on)
        .select_related("parent")
    )


_ROLE_ORDER = Case(
    *(When(role=role, then=Value(position)) for position, role in enumerate(AgencyRole)), output_field=IntegerField()
)


def jurisdiction_list_for_user(*, user: User, on: datetime.date) -> list[Jurisdiction]:
    """Who plays which role on `on` for the communes `user` works for, by commune then role. A
    clerk's (their commune's: the desk's page shows them on every load) are kept in the process for
    a minute, as routing's are."""
    if user.role == UserRole.CLERK:
        return list(_commune_jurisdictions(user.commune_id, on, cache_period()))
    return list(_jurisdictions_of(commune_list_for_user(user=user, on=on), on))


def _jurisdictions_of(communes: QuerySet[AdministrativeUnit], on: datetime.date) -> QuerySet[Jurisdiction]:
    return (
        Jurisdiction.objects.valid_on(on)
        .filter(unit__in=communes.values("pk"))
        .select_related("office", "unit")
        .order_by("unit__code", _ROLE_ORDER)
    )


@functools.lru_cache(maxsize=4096)
def _commune_jurisdictions(commune: int | None, on: datetime.date, minute: int) -> tuple[Jurisdiction, ...]:
    if commune is None:
        return ()
    communes = AdministrativeUnit.objects.valid_on(on).filter(level=UnitLevel.COMMUNE, pk=commune)
    return tuple(_jurisdictions_of(communes, on))


def seat_of(successions: list[UnitSuccession]) -> str:
    """Which new commune holds an old one's seat: the one it went to whole; else the one that kept
    its code (a merged commune takes the code of the seat's commune); else the lowest code."""
    whole = [s.new.code for s in successions if s.share == "full"]
    if whole:
        return whole[0]
    same = [s.new.code for s in successions if s.new.code == s.old.code]
    return same[0] if same else min(s.new.code for s in successions)


def staff_led_by(user: User) -> QuerySet[User]:
    """The staff whose sign-in `user` may unlock: the officers of the office they head, or the
    clerks of the commune whose desk they head (themselves excepted); nobody for anyone else."""
    if not user.heads_workplace:
        return User.objects.none()
    if user.role == UserRole.OFFICER and user.office_id:
        staff = User.objects.filter(role=UserRole.OFFICER, office_id=user.office_id)
    elif user.role == UserRole.CLERK and user.commune_id:
        staff = User.objects.filter(role=UserRole.CLERK, commune_id=user.commune_id)
    else:
        return User.objects.none()
    return staff.exclude(pk=user.pk)


def sign_in_locks_for(*, user: User) -> list[dict[str, object]]:
    """The failed sign-ins on record for the staff `user` heads, one row per person (django-axes
    keeps a row per address and browser, and locks on their sum), the latest first: who, how many
    failures within the cool-off, the last one, and whether the account is locked now. Two
    queries, whatever the staff."""
    from axes.models import AccessAttempt
    from django.conf import settings
    from django.db.models import Max, Sum
    from django.utils import timezone

    staff = {person.username: person for person in staff_led_by(user).only("username", "first_name", "last_name")}
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    attempts = (
        AccessAttempt.objects.filter(username__in=list(staff), attempt_time__gt=since)
        .values("username")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .order_by("-last")
    )
    return [
        {
            "user": staff[row["username"]],
            "failures": row["failures"],
            "last": row["last"],
            "locked": row["failures"] >= settings.AXES_FAILURE_LIMIT,
        }
        for row in attempts
    ]
