from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitLevel(models.TextChoices):
    """Tier of an administrative unit. Words, not numbers: "level 2" changed meaning in 2025."""

    PROVINCE = "province", _("Province")
    DISTRICT = "district", _("District")
    COMMUNE = "commune", _("Commune")


class UnitType(models.TextChoices):
    """The official unit types, spelt as the General Statistics Office lists spell them."""

    PROVINCE = "Tỉnh", "Tỉnh"
    CITY = "Thành phố", "Thành phố"
    TOWN = "Thị xã", "Thị xã"
    RURAL_DISTRICT = "Huyện", "Huyện"
    WARD = "Phường", "Phường"
    COMMUNE = "Xã", "Xã"
    TOWNSHIP = "Thị trấn", "Thị trấn"


# Which types belong to which level, so an import can refuse a "Phường" at district level.
TYPES_BY_LEVEL: dict[str, frozenset[str]] = {
    UnitLevel.PROVINCE: frozenset({UnitType.PROVINCE, UnitType.CITY}),
    UnitLevel.DISTRICT: frozenset({UnitType.CITY, UnitType.TOWN, UnitType.RURAL_DISTRICT}),
    UnitLevel.COMMUNE: frozenset({UnitType.WARD, UnitType.COMMUNE, UnitType.TOWNSHIP}),
}
CODE_LENGTH_BY_LEVEL = {UnitLevel.PROVINCE: 2, UnitLevel.DISTRICT: 3, UnitLevel.COMMUNE: 5}


class MergeShare(models.TextChoices):
    FULL = "full", _("whole")
    PARTIAL = "partial", _("part")


class AgencyRole(models.TextChoices):
    """What an office does for a commune's dossiers. Which office plays a role is data."""

    CIVIL_STATUS = "civil_status", _("Civil status")
    RESIDENCE = "residence", _("Residence")
    SOCIAL_INSURANCE = "social_insurance", _("Social insurance")
    MERIT = "merit", _("People with meritorious services")
    SOCIAL_PROTECTION = "social_protection", _("Social protection")
    EMERGENCY_AID = "emergency_aid", _("Emergency aid")


class Agency(models.TextChoices):
    """The kind of body an office belongs to (one body may play several roles)."""

    JUSTICE = "justice", _("Justice (civil status)")
    POLICE = "police", _("Police")
    SOCIAL_INSURANCE = "social_insurance", _("Social Insurance")
    LABOUR = "labour", _("Labour, Invalids and Social Affairs")
    HOME_AFFAIRS = "home_affairs", _("Home Affairs")
    PEOPLE_COMMITTEE = "people_committee", _("People's Committee (chairman)")


class UserRole(models.TextChoices):
    CLERK = "clerk", _("One-stop desk clerk")
    OFFICER = "officer", _("Agency officer")
    PROVINCIAL = "provincial", _("Provincial office staff")
    ADMIN = "admin", _("Administrator")
    INTEGRATION = "integration", _("Integration client")
    CITIZEN = "citizen", _("Citizen")  # signs in with e-ID (OpenID Connect); no password of ours
    HEALTH_FACILITY = "health_facility", _("Health facility")  # posts birth and death notices
