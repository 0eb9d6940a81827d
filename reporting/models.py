"""Targets, the summary tables the reports read, and the obstacles units report.

The summaries are derived data: each row can be recomputed from the bundles, steps and audit events
of its day (`reporting.summaries.summaries_refresh`), which is how beat keeps them current and how
the nightly rebuild checks them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies import access
from agencies.choices import UserRole
from agencies.models import AdministrativeUnit, Office, ValidityQuerySet, validity_constraint, within
from cases.models import AppendOnly


class Target(models.Model):
    """The share of its dossiers a unit must receive online, from a date (Plan 589/KH-UBND)."""

    unit_code = models.CharField(_("unit code"), max_length=5, db_index=True)
    percent = models.PositiveSmallIntegerField(
        _("target (%)"), validators=[MaxValueValidator(100, _("A target is at most %(limit_value)s per cent."))]
    )
    pilot = models.BooleanField(_("pilot unit"), default=False)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    note = models.CharField(_("source or note"), max_length=300, blank=True)

    objects = ValidityQuerySet.as_manager()

    class Meta:
        verbose_name = _("online-rate target")
        verbose_name_plural = _("online-rate targets")
        constraints = [
            models.UniqueConstraint(fields=["unit_code", "valid_from"], name="target_unit_from"),
            models.CheckConstraint(condition=Q(percent__lte=100), name="target_percent_at_most_100"),
            validity_constraint("target_validity_order"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_code}: {self.percent}%"

    def clean(self) -> None:
        errors = {}
        if self.unit_code and not AdministrativeUnit.objects.filter(code=self.unit_code).exists():
            errors["unit_code"] = _("No administrative unit has this code.")
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            errors["valid_to"] = _("The end of validity must not precede its start.")
        elif self.valid_from:
            others = Target.objects.filter(unit_code=self.unit_code).overlapping(self.valid_from, self.valid_to)
            if others.exclude(pk=self.pk).exists():
                errors["valid_from"] = _("Another target of this unit is valid during part of this period.")
        if errors:
            raise ValidationError(errors)


class _Received(models.Model):
    commune = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="+")
    variant = models.ForeignKey("cases.BundleVariant", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=10)
    source = models.CharField(max_length=10, default="desk")  # cases.choices.Source
    count = models.PositiveIntegerField()

    class Meta:
        abstract = True


class ReceivedCount(_Received):
    """Dossiers received on a day in a commune, by variant, channel and source: every rate, split
    and trend is a sum of these rows."""

    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "commune", "variant", "channel", "source"], name="received_count_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.commune_id} {self.variant_id} {self.channel}: {self.count}"


class ReceivedMonth(_Received):
    """The same counts a month at a time (first day of the month): long periods read these, and
    only the days at either end from ReceivedCount."""

    month = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "commune", "variant", "channel", "source"], name="received_month_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.commune_id} {self.variant_id} {self.channel}: {self.count}"


class _StepFigures(models.Model):
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    procedure = models.ForeignKey("cases.Procedure", on_delete=models.PROTECT, related_name="+")
    received = models.PositiveIntegerField(default=0)
    done_on_time = models.PositiveIntegerField(default=0)
    done_late = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)
    apologies = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class StepCount(_StepFigures):
    """What happened on a day at an office for a procedure: steps handed to it, done on time or
    late, refused, returned for supplement, found late (an apology owed)."""

    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "office", "procedure"], name="step_count_key")]

    def __str__(self) -> str:
        return f"{self.day} {self.office_id} {self.procedure_id}"


class StepMonth(_StepFigures):
    """The same figures a month at a time (first day of the month), as ReceivedMonth for ReceivedCount."""

    month = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "office", "procedure"], name="step_month_key")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.office_id} {self.procedure_id}"


class OpenStepCount(models.Model):
    """A snapshot, refreshed with the summaries, of the steps each office has open now and how
    many of them are overdue: the SLA table's live columns, without counting open steps per page."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    procedure = models.ForeignKey("cases.Procedure", on_delete=models.PROTECT, related_name="+")
    open = models.PositiveIntegerField()
    overdue = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["office", "procedure"], name="open_step_count_key")]

    def __str__(self) -> str:
        return f"{self.office_id} {self.procedure_id}: {self.open} open, {self.overdue} overdue"


class _ResultTimes(models.Model):
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    procedure = models.ForeignKey("cases.Procedure", on_delete=models.PROTECT, related_name="+")
    working_days = models.PositiveSmallIntegerField()
    count = models.PositiveIntegerField()

    class Meta:
        abstract = True


class ResultTime(_ResultTimes):
    """How many steps finished on a day at an office took a given number of working days: the
    median and 90th percentile come from these counts."""

    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "office", "procedure", "working_days"], name="result_time_key")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.office_id} {self.procedure_id} {self.working_days}: {self.count}"


class ResultTimeMonth(_ResultTimes):
    """The same counts a month at a time (first day of the month)."""

    month = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "office", "procedure", "working_days"], name="result_time_month_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.office_id} {self.procedure_id} {self.working_days}: {self.count}"


class SummaryCheck(models.Model):
    """One refresh of the summaries: when, which days, and how many rows disagreed with the raw data
    (the nightly rebuild expects none)."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    first_day = models.DateField()
    last_day = models.DateField()
    full = models.BooleanField(default=False)
    rows_changed = models.PositiveIntegerField()
    last_bundle_id = models.BigIntegerField(default=0)

    class Meta:
        get_latest_by = "finished_at"

    def __str__(self) -> str:
        return f"{self.first_day}–{self.last_day}: {self.rows_changed} rows changed"


class ObstacleQuerySet(models.QuerySet["Obstacle"]):
    def restrict(self, user: Any, action: str = access.REPORT) -> ObstacleQuerySet:
        """The obstacles `user` may take `action` on (agencies.access): provincial staff their
        province's; a desk or an office its own unit's; administrators all."""
        if not access.may(user, action):
            return self.none()
        if user.role == UserRole.PROVINCIAL and user.province is not None:
            return self.filter(within(user.province.code, "unit__"))
        if user.role == UserRole.CLERK:
            return self.filter(unit=user.commune_id)
        if user.role == UserRole.OFFICER and user.office is not None:
            return self.filter(unit=user.office.unit_id)
        if user.role == UserRole.ADMIN:
            return self
        return self.none()


class Obstacle(models.Model):
    """A difficulty a unit reports to the provincial office (khó khăn, vướng mắc), answered and
    closed by provincial staff."""

    unit = models.ForeignKey(AdministrativeUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(_("reported at"))
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = ObstacleQuerySet.as_manager()

    class Meta:
        verbose_name = _("obstacle")
        verbose_name_plural = _("obstacles")
        ordering = ["-reported_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class ObstacleAction(models.TextChoices):
    FILED = "filed", _("filed")
    ANSWERED = "answered", _("answered")
    CLOSED = "closed", _("answered and closed")


class ObstacleEvent(AppendOnly):
    """Append-only trail of an obstacle: who filed, answered or closed it, when, and what they wrote
    (an answer written again replaces the one shown, not this record)."""

    obstacle = models.ForeignKey(Obstacle, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("action"), max_length=10, choices=ObstacleAction.choices)
    text = models.TextField(_("text"), blank=True)

    class Meta:
        verbose_name = _("obstacle event")
        verbose_name_plural = _("obstacle events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class Cadence(models.TextChoices):
    WEEKLY = "weekly", _("Weekly (each Monday, for the week before)")
    MONTHLY = "monthly", _("Monthly (on the 1st, for the month before)")


class ReportSchedule(models.Model):
    """Who receives a province's periodic report by e-mail, and how often (issue 15 §3): beat
    sends each period's report once, through the outbox, the morning after the period ends."""

    province = models.OneToOneField(
        AdministrativeUnit, verbose_name=_("province"), on_delete=models.PROTECT, related_name="report_schedule"
    )
    recipients = models.TextField(_("recipients"), help_text=_("E-mail addresses, one per line."))
    cadence = models.CharField(_("how often"), max_length=10, choices=Cadence.choices, default=Cadence.MONTHLY)
    active = models.BooleanField(_("send"), default=True)
    last_period_end = models.DateField(_("last period sent"), null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("report schedule")
        verbose_name_plural = _("report schedules")

    def __str__(self) -> str:
        return f"{self.province}: {self.get_cadence_display()}"

    @property
    def addresses(self) -> list[str]:
        return addresses_in(self.recipients)


def addresses_in(text: str) -> list[str]:
    """The e-mail addresses of a text, one per line or comma-separated."""
    return [part.strip() for part in text.replace(",", "\n").splitlines() if part.strip()]
