"""Places, agencies and people.

Administrative units are identified by (code, validity), never by code alone: the General
Statistics Office reused codes for new units (16690 was Phường Trường Thi until 30 June 2025 and
is Phường Trường Vinh since 1 July 2025). Which office plays which role for a commune on a date is
data, in the jurisdiction table, because the answer changed with the 2025 reorganisation.
"""

from __future__ import annotations

import datetime
from typing import Any, ClassVar, Self

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.choices import Agency, AgencyRole, MergeShare, UnitLevel, UnitType, UserRole


def name_in_sentence(name: str, unit_type: str) -> str:
    """ "Xã Anh Sơn" of type "Xã" → "xã Anh Sơn", as the name reads inside another name."""
    return unit_type.lower() + name[len(unit_type) :]


def workplace(office: str | None, commune: tuple[str, str] | None, province: tuple[str, str] | None) -> str:
    """Where a person works, from the names alone (an office's; a commune's or province's name and
    type): the office, the commune's one-stop desk or the provincial office. User.workplace, and
    the reads summed up in the database, which have the names but no rows."""
    if office:
        return office
    if commune:
        return _("One-stop desk of %(commune)s") % {"commune": name_in_sentence(*commune)}
    if province:
        return _("Provincial office of %(province)s") % {"province": name_in_sentence(*province)}
    return ""


class ValidityQuerySet(models.QuerySet):
    """Rows valid during [valid_from, valid_to], an open end when valid_to is empty."""

    def valid_on(self, day: datetime.date) -> Self:
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day), valid_from__lte=day)

    def overlapping(self, valid_from: datetime.date, valid_to: datetime.date | None) -> Self:
        rows = self.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from))
        return rows if valid_to is None else rows.filter(valid_from__lte=valid_to)


def within(codes: str | models.QuerySet, path: str = "") -> Q:
    """The units `codes` names (a code, or a query of codes) and the units under them (their
    communes, or their districts and theirs), of every period: the one "units within" of the
    portal. `path` leads to the unit from another row (e.g. "commune__")."""
    lookup = "code" if isinstance(codes, str) else "code__in"
    return (
        Q(**{f"{path}{lookup}": codes})
        | Q(**{f"{path}parent__{lookup}": codes})
        | Q(**{f"{path}parent__parent__{lookup}": codes})
    )


def in_province_of(user: Any, path: str = "") -> Q:
    """Units (or rows whose unit is at `path`, e.g. "commune__") within the province `user`
    staffs (in the query itself: no query of its own)."""
    return within(AdministrativeUnit.objects.filter(provincial_staff=user).values("code"), path)


class UnitQuerySet(ValidityQuerySet):
    def restrict(self, user: Any, action: str = "view", *, on: datetime.date | None = None) -> UnitQuerySet:
        """The units `user` may take `action` on, on `on` (today by default):
        - "view": the units they work for: a clerk's commune, the communes an officer's office
          serves, their province's for provincial staff; all for administrators, integration
          clients and citizens (who file where they live);
        - "report": the units within those they may report on (report_roots), in the query
          itself."""
        from agencies import access

        if not access.may(user, action):
            return self.none()
        on = on or timezone.localdate()
        if action == access.REPORT:
            return self.filter(self._report_scope(user, on))
        if user.role == UserRole.CLERK:
            return self.filter(clerks=user)
        if user.role == UserRole.OFFICER:
            return self.filter(pk__in=Jurisdiction.objects.valid_on(on).filter(office=user.office_id).values("unit"))
        if user.role == UserRole.PROVINCIAL:
            return self.filter(in_province_of(user))
        return self

    @staticmethod
    def _report_scope(user: Any, on: datetime.date) -> Q:
        units = AdministrativeUnit.objects
        if user.role == UserRole.PROVINCIAL:
            return within(units.filter(provincial_staff=user).values("code"))
        if user.role == UserRole.CLERK:
            return within(units.filter(clerks=user).values("code"))
        if user.role == UserRole.OFFICER:
            served = Jurisdiction.objects.valid_on(on).filter(office=user.office_id).values("unit__code")
            return within(units.filter(offices__officers=user).values("code")) | within(served)
        return Q()  # administrators: every province, so every unit


def report_roots(user: Any, on: datetime.date) -> list[str]:
    """The codes of the units a person may report on (and on all within them), their own first:
    a province for its staff; a clerk's commune; an officer's office's seat, then the communes it
    serves; every province for administrators."""
    if user.role == UserRole.PROVINCIAL and user.province is not None:
        return [user.province.code]
    if user.role == UserRole.CLERK and user.commune is not None:
        return [user.commune.code]
    if user.role == UserRole.OFFICER and user.office is not None:
        # The office's seat first (a provincial office sits in the province), then the communes it serves.
        served = Jurisdiction.objects.valid_on(on).filter(office=user.office_id).values_list("unit__code", flat=True)
        return [user.office.unit.code, *served]
    if user.role == UserRole.ADMIN:
        return list(
            AdministrativeUnit.objects.valid_on(on).filter(level=UnitLevel.PROVINCE).values_list("code", flat=True)
        )
    return []


def validity_constraint(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")), name=name
    )


class AdministrativeUnit(models.Model):
    """A province, district or commune as it existed during [valid_from, valid_to]."""

    code = models.CharField(_("code"), max_length=5, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    type = models.CharField(_("type"), max_length=10, choices=UnitType.choices)
    level = models.CharField(_("level"), max_length=10, choices=UnitLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    source = models.CharField(_("source file"), max_length=100, blank=True)
    # Where the unit's People's Committee receives dossiers (its one-stop desk), as its papers print
    # it: seeded from agencies/data/ (desk_contacts.csv, else "Trụ sở UBND xã X"), edited in the admin.
    desk_address = models.CharField(_("one-stop desk address"), max_length=300, blank=True)
    desk_phone = models.CharField(_("one-stop desk phone"), max_length=30, blank=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        ordering = ["code", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="unit_code_valid_from"),
            validity_constraint("unit_validity_order"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def name_in_sentence(self) -> str:
        """ "Xã Anh Sơn" → "xã Anh Sơn", as the name reads inside another name."""
        return name_in_sentence(self.name, self.type)

    @property
    def people_committee(self) -> str:
        """ "Phường Trường Vinh" → "UBND phường Trường Vinh": the body that issues the unit's papers."""
        return "UBND " + self.name_in_sentence

    @property
    def bare_name(self) -> str:
        """ "Huyện Anh Sơn" → "Anh Sơn"."""
        return self.name[len(self.type) + 1 :]

    def clean(self) -> None:
        others = AdministrativeUnit.objects.filter(code=self.code).overlapping(self.valid_from, self.valid_to)
        if others.exclude(pk=self.pk).exists():
            raise ValidationError({"valid_from": _("Another unit with this code is valid during part of this period.")})


class UnitSuccession(models.Model):
    """One line of the old → new commune mapping of a reorganisation (whole or part of the old)."""

    old = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("old unit"), on_delete=models.CASCADE, related_name="successors"
    )
    new = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("new unit"), on_delete=models.CASCADE, related_name="predecessors"
    )
    share = models.CharField(_("share"), max_length=10, choices=MergeShare.choices)
    legal_basis = models.CharField(_("legal basis"), max_length=200)

    class Meta:
        verbose_name = _("unit succession")
        verbose_name_plural = _("unit successions")
        constraints = [models.UniqueConstraint(fields=["old", "new"], name="succession_old_new")]

    def __str__(self) -> str:
        return f"{self.old} → {self.new}"


class Office(models.Model):
    """A government office that handles procedures, e.g. Công an xã Anh Sơn."""

    name = models.CharField(_("name"), max_length=200)
    agency = models.CharField(_("agency"), max_length=20, choices=Agency.choices)
    unit = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("seat"), on_delete=models.PROTECT, related_name="offices"
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)

    class Meta:
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["agency", "unit", "name"], name="office_agency_unit_name")]

    def __str__(self) -> str:
        return self.name


class Jurisdiction(models.Model):
    """Office O plays role R for administrative unit U from valid_from to valid_to."""

    office = models.ForeignKey(Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="jurisdictions")
    role = models.CharField(_("role"), max_length=20, choices=AgencyRole.choices)
    unit = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="jurisdictions"
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects = ValidityQuerySet.as_manager()

    class Meta:
        verbose_name = _("jurisdiction")
        verbose_name_plural = _("jurisdictions")
        ordering = ["unit__code", "role", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["role", "unit", "valid_from"], name="jurisdiction_role_unit_from"),
            validity_constraint("jurisdiction_validity_order"),
        ]
        indexes = [models.Index(fields=["office", "role"], name="jurisdiction_office_role")]

    def __str__(self) -> str:
        return f"{self.office} — {self.get_role_display()} — {self.unit}"

    def clean(self) -> None:
        errors = {}
        unit = self.unit if self.unit_id else None
        if unit is not None:
            if self.valid_from < unit.valid_from or (
                unit.valid_to is not None and (self.valid_to is None or self.valid_to > unit.valid_to)
            ):
                errors["valid_from"] = _("The period must lie within the unit's own validity.")
            others = Jurisdiction.objects.filter(role=self.role, unit=unit).overlapping(self.valid_from, self.valid_to)
            if others.exclude(pk=self.pk).exists():
                errors["role"] = _("Another office already plays this role for this unit during part of this period.")
        if errors:
            raise ValidationError(errors)


class PortalUserManager(UserManager["User"]):
    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra_fields: Any
    ) -> User:
        extra_fields.setdefault("role", UserRole.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person or partner system using the portal, with exactly the attachment its role needs:
    a clerk works for one commune, an officer for one office, provincial staff for one province."""

    role = models.CharField(_("role"), max_length=20, choices=UserRole.choices)
    commune = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("commune"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="clerks",
        limit_choices_to={"level": UnitLevel.COMMUNE},
    )
    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.PROTECT, null=True, blank=True, related_name="officers"
    )
    province = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("province"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="provincial_staff",
        limit_choices_to={"level": UnitLevel.PROVINCE},
    )
    # Heads the office (an officer) or the commune's one-stop desk (a clerk): may unlock the
    # sign-in of the staff there (portal.views.sign_in_locks).
    heads_workplace = models.BooleanField(
        _("heads the office or desk"),
        default=False,
        help_text=_("May unlock the sign-in of the staff of the same office (or the same commune's desk)."),
    )
    # A citizen's personal ID number (số định danh cá nhân, 12 digits): the account's key, from
    # the identity provider's signed ID token. Empty for every other role.
    personal_id = models.CharField(_("personal ID number"), max_length=12, blank=True, default="", editable=False)

    objects: ClassVar[PortalUserManager] = PortalUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role=UserRole.CLERK, commune__isnull=False, office__isnull=True, province__isnull=True)
                    | Q(role=UserRole.OFFICER, commune__isnull=True, office__isnull=False, province__isnull=True)
                    | Q(role=UserRole.PROVINCIAL, commune__isnull=True, office__isnull=True, province__isnull=False)
                    | (
                        Q(role=UserRole.CITIZEN, commune__isnull=True, office__isnull=True, province__isnull=True)
                        & ~Q(personal_id="")
                    )
                    | Q(
                        role__in=[UserRole.ADMIN, UserRole.INTEGRATION, UserRole.HEALTH_FACILITY],
                        commune__isnull=True,
                        office__isnull=True,
                        province__isnull=True,
                    )
                ),
                name="user_role_attachment",
            ),
            models.CheckConstraint(
                condition=Q(role=UserRole.CITIZEN) | Q(personal_id=""), name="user_personal_id_citizen"
            ),
            models.UniqueConstraint(
                fields=["personal_id"], condition=~Q(personal_id=""), name="user_one_account_per_person"
            ),
        ]

    def clean(self) -> None:
        super().clean()
        needed = {UserRole.CLERK: "commune", UserRole.OFFICER: "office", UserRole.PROVINCIAL: "province"}
        errors = {}
        for role, field in needed.items():
            if self.role == role and getattr(self, f"{field}_id") is None:
                errors[field] = _("Required for this role.")
            elif self.role != role and getattr(self, f"{field}_id") is not None:
                errors[field] = _("Must be empty for this role.")
        if errors:
            raise ValidationError(errors)

    # --- How a person is named, wherever an action of theirs is shown -------------------------

    def get_full_name(self) -> str:
        """The person's name as Vietnamese writes it, family name (last_name, "Họ") first, then
        the middle and given names (first_name, "Tên"): "Nguyễn Văn An"."""
        return " ".join(part for part in (self.last_name.strip(), self.first_name.strip()) if part)

    @property
    def full_name(self) -> str:
        """The person's name, or the login when no name is recorded."""
        return self.get_full_name() or self.username

    @property
    def workplace(self) -> str:
        """Where the person works: the office, the commune's one-stop desk or the province.
        Reads the attachment's row: select or prefetch it with the user in lists."""
        office = self.office if self.office_id is not None else None
        commune = self.commune if self.commune_id is not None else None
        province = self.province if self.province_id is not None else None
        return workplace(
            office.name if office else None,
            (commune.name, commune.type) if commune else None,
            (province.name, province.type) if province else None,
        )

    @property
    def display_name(self) -> str:
        """The person and where they work: "Nguyễn Văn An (Công an phường Trường Vinh)"."""
        return person_label(self.full_name, self.workplace)


def person_label(name: str, workplace: str = "") -> str:
    """How the portal names a person who did something: their name, then their workplace."""
    return f"{name} ({workplace})" if workplace else name
