"""Reads for places and agencies."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from agencies.choices import AgencyRole, UnitLevel
from agencies.models import AdministrativeUnit, Jurisdiction, Office
from portal.errors import NotFound


def unit_get_on(*, code: str, on: datetime.date) -> AdministrativeUnit:
    """The unit that carried `code` on day `on` (codes were reused, so the day matters)."""
    unit = AdministrativeUnit.objects.valid_on(on).filter(code=code).select_related("parent").first()
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


def jurisdiction_list_for_commune(*, commune: AdministrativeUnit, on: datetime.date) -> QuerySet[Jurisdiction]:
    """The offices serving a commune on a day, one row per role."""
    return (
        Jurisdiction.objects.valid_on(on)
        .filter(unit=commune)
        .select_related("office", "unit")
        .order_by("role")
    )


def commune_list_for_office(*, office: Office, on: datetime.date) -> QuerySet[AdministrativeUnit]:
    """The communes an office serves on a day (in any role), each once."""
    served = Jurisdiction.objects.valid_on(on).filter(office=office).values("unit")
    return AdministrativeUnit.objects.valid_on(on).filter(pk__in=served).select_related("parent").order_by("name")


def commune_list_for_province(*, province: AdministrativeUnit, on: datetime.date) -> QuerySet[AdministrativeUnit]:
    """The communes of a province on a day, whatever the tiers between them."""
    return (
        AdministrativeUnit.objects.valid_on(on)
        .filter(level=UnitLevel.COMMUNE)
        .filter(
            Q(parent__code=province.code, parent__level=UnitLevel.PROVINCE)
            | Q(parent__parent__code=province.code, parent__parent__level=UnitLevel.PROVINCE)
        )
        .order_by("code")
    )
