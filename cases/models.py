"""Bundles of linked procedures, their steps, and what the engine needs to route and time them.

Routing is data: each procedure names the agency role that handles it and the procedures that
must be done before it, and each bundle variant names its procedures, so a new step kind (say, a
child identity card) is rows, not code. Limits, rates and the calendar's swapped days are
effective-dated rows too. Transitions live on the models (django-fsm-2) and change only their own
row; services call them, save, and write the audit event in the same transaction.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable
from typing import Any

import django_fsm as fsm
from django.conf import settings
from django.db import connection, models
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from agencies import access
from agencies.choices import AgencyRole, UserRole
from agencies.models import (
    AdministrativeUnit,
    Office,
    ValidityQuerySet,
    in_province_of,
    person_label,
    workplace,
)
from cases import kinds
from cases.choices import Action, BundleState, Channel, LadderReason, ReadKind, Rung, Source, StepState

# --- Configuration (admin-editable data) -------------------------------------------------------


class Procedure(models.Model):
    """One kind of step, e.g. a registration at the civil-status office: who handles it, what must precede it, and which
    result fields the officer records when it is done."""

    code = models.SlugField(_("code"), max_length=40, primary_key=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True, help_text=_("Shown on English pages."))
    bundle_kind = models.CharField(_("bundle"), max_length=10, choices=kinds.choices)
    agency_role = models.CharField(
        _("agency role"),
        max_length=20,
        choices=AgencyRole.choices,
        blank=True,
        help_text=_("Empty when the bundle's category decides it."),
    )
    requires = models.ManyToManyField(
        "self", verbose_name=_("must follow"), symmetrical=False, blank=True, related_name="unlocks"
    )
    result_fields = models.JSONField(
        _("result fields"), default=list, blank=True, help_text=_('[{"name": "register_number", "type": "text"}]')
    )
    data_sections = models.JSONField(
        _("dossier sections shown"), default=list, blank=True, help_text=_('["applicant", "child", "mother"]')
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        ordering = ["bundle_kind", "position"]

    def __str__(self) -> str:
        return self.shown_name

    @property
    def shown_name(self) -> str:
        """The name in the page's language: English when the page is English and a name is given;
        official documents (PDFs) always print `name`."""
        return shown_name(self.name, self.name_en)


class BundleVariant(models.Model):
    """A set of procedures of one kind a citizen may ask for together (Decree 63 lists them)."""

    kind = models.CharField(_("bundle"), max_length=10, choices=kinds.choices)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True, help_text=_("Shown on English pages."))
    procedures = models.ManyToManyField(Procedure, verbose_name=_("procedures"), related_name="variants")

    class Meta:
        verbose_name = _("bundle variant")
        verbose_name_plural = _("bundle variants")
        ordering = ["kind", "pk"]

    def __str__(self) -> str:
        return self.shown_name

    @property
    def shown_name(self) -> str:
        return shown_name(self.name, self.name_en)


def shown_name(name: str, name_en: str) -> str:
    return name_en if name_en and (get_language() or "").startswith("en") else name


class Setting(models.Model):
    """An effective-dated number the law or the province may change: a time limit in working days
    (`limit.step.<procedure>`), a rate in VND (`rate.base_salary`), a multiple, a waiting period."""

    key = models.CharField(_("key"), max_length=80, db_index=True)
    value = models.BigIntegerField(_("value"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    note = models.CharField(_("source or note"), max_length=300, blank=True)

    objects = ValidityQuerySet.as_manager()

    class Meta:
        verbose_name = _("setting")
        verbose_name_plural = _("settings")
        ordering = ["key", "valid_from"]
        constraints = [models.UniqueConstraint(fields=["key", "valid_from"], name="setting_key_valid_from")]

    def __str__(self) -> str:
        return f"{self.key} = {self.value}"


class CalendarOverride(models.Model):
    """A day the civil service swaps: an extra day off (e.g. Tết 2026 bridge days) or an extra
    working day (e.g. Saturday 22 August 2026), as announced each year by Home Affairs."""

    day = models.DateField(_("day"), unique=True)
    working = models.BooleanField(_("working day"), help_text=_("Ticked: an extra working day; empty: a day off."))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("calendar change")
        verbose_name_plural = _("calendar changes")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y}"


# --- Bundles and steps -------------------------------------------------------------------------


# "Overdue" has one definition: the clock runs (the state is one of these) and the due date is
# past. The querysets, the lists' filters and counts (overdue_q) and the models' `overdue`
# property (is_overdue) all use it.
BUNDLE_CLOCK_RUNS = (BundleState.IN_PROGRESS,)
STEP_CLOCK_RUNS = (StepState.READY, StepState.IN_PROGRESS)


def overdue_q(clock_runs: tuple[str, ...], today: datetime.date) -> Q:
    return Q(state__in=clock_runs, due_date__lt=today)


def is_overdue(
    clock_runs: tuple[str, ...], state: str, due_date: datetime.date | None, today: datetime.date | None = None
) -> bool:
    """Whether the clock runs and the due date has passed (`today`: read once for a page of rows)."""
    return state in clock_runs and due_date is not None and due_date < (today or timezone.localdate())


class BundleQuerySet(models.QuerySet["Bundle"]):
    def restrict(self, user: Any, action: str = "view") -> BundleQuerySet:
        """The bundles `user` may take `action` on (agencies.access): clerks their commune's,
        officers those with a step at their office, provincial staff their province's,
        integration clients what they filed, administrators everything, citizens those where
        they are the applicant; none for a role the action is not for."""
        if not access.may(user, action):
            return self.none()
        if user.role == UserRole.CLERK:
            return self.filter(commune=user.commune_id)
        if user.role == UserRole.OFFICER:
            return self.filter(Exists(Step.objects.filter(bundle=OuterRef("pk"), office=user.office_id)))
        if user.role == UserRole.PROVINCIAL:
            return self.filter(in_province_of(user, "commune__"))
        if user.role == UserRole.INTEGRATION:
            return self.filter(filed_by=user)
        if user.role == UserRole.ADMIN:
            return self
        if user.role == UserRole.CITIZEN and user.personal_id:
            return self.filter(applicant_id_number=user.personal_id)
        return self.none()

    def overdue(self, today: datetime.date) -> BundleQuerySet:
        """Bundles still in progress after their due date."""
        return self.filter(overdue_q(BUNDLE_CLOCK_RUNS, today))

    def with_documents_due(self) -> BundleQuerySet:
        """Each bundle with `documents_due`: the day its wait for documents ends (the earliest
        supplement deadline of its returned steps, after which beat refuses them), else None.
        A subquery in the list's own query, so a page of any length costs no more queries."""
        first = Step.objects.filter(bundle=OuterRef("pk"), state=StepState.RETURNED).order_by("supplement_deadline")
        return self.annotate(documents_due=Subquery(first.values("supplement_deadline")[:1]))


def returned_step_exists() -> Exists:
    """True for a bundle that has a step returned for missing documents."""
    return Exists(Step.objects.filter(bundle=OuterRef("pk"), state=StepState.RETURNED))


LIVE = Q(state__in=[BundleState.IN_PROGRESS, BundleState.COMPLETED, BundleState.PARTLY_COMPLETED])
DESK_OPEN = Q(state=BundleState.IN_PROGRESS)
# Results that wait at the desk for the citizen (a dossier finished with at least one result).
DESK_RESULTS = Q(state__in=[BundleState.COMPLETED, BundleState.PARTLY_COMPLETED], handed_over_at__isnull=True)


def at_the_desk(bundle: models.Model, user: Any) -> bool:
    """The permission of the desk's transitions: the one-stop desk or the system that filed it."""
    return access.may(user, access.DESK)


@functools.cache
def _choice_labels(field: models.Field) -> dict[Any, Any]:
    return dict(field.flatchoices)


class ChoiceLabels(models.Model):
    """`get_<field>_display()` from a table of the field's choices made once per process; Django's
    own makes it on every call, hashing each lazily translated label (the queue page's 50 rows spent
    more on that than on their query); each label is translated once per language."""

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field: models.Field) -> Any:
        return _choice_label(field, getattr(self, field.attname), get_language())


def choice_label(model: type[models.Model], name: str, value: Any) -> Any:
    """The label of a value of a field with choices, in the page's language (get_<name>_display)."""
    return _choice_label(model._meta.get_field(name), value, get_language())


@functools.lru_cache(maxsize=4096)
def _choice_label(field: models.Field, value: Any, _language: str | None) -> Any:
    """A value's label in a language, translated once per process (a page of 50 rows shows the same
    few states and channels over and over)."""
    return force_str(_choice_labels(field).get(value, value), strings_only=True)


@functools.cache
def _state_fields(model: type[models.Model]) -> tuple[fsm.FSMFieldMixin, ...]:
    return tuple(field for field in model._meta.fields if isinstance(field, fsm.FSMFieldMixin))


class StateFieldsOnce:
    """django-fsm's concurrency check notes each row's state when it is made, finding the state
    field among all the model's fields every time; a list of 50 dossiers made 50 such searches."""

    @property
    def state_fields(self) -> Iterable[fsm.FSMFieldMixin]:
        return _state_fields(type(self))  # type: ignore[arg-type]


class Bundle(StateFieldsOnce, fsm.ConcurrentTransitionMixin, ChoiceLabels):
    """One citizen dossier (hồ sơ liên thông) and the state of the whole bundle."""

    code = models.CharField(_("code"), max_length=30, unique=True, null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=kinds.choices)
    variant = models.ForeignKey(BundleVariant, verbose_name=_("variant"), on_delete=models.PROTECT)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.DESK)
    commune = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("commune"), on_delete=models.PROTECT, related_name="bundles"
    )
    received_at = models.DateTimeField(_("received at"))
    clock_starts_on = models.DateField(_("clock starts on"))
    due_date = models.DateField(_("due date"))
    needs_verification = models.BooleanField(_("needs verification"), default=False)
    # The kind's category where one picks the office of a procedure without an agency role of its
    # own (cases.kinds.Kind.categories); "" when none applies.
    category = models.CharField(_("category"), max_length=20, blank=True)
    state = fsm.FSMField(
        _("state"), max_length=20, choices=BundleState.choices, default=BundleState.IN_PROGRESS, protected=True
    )
    data = models.JSONField(_("dossier data"), default=dict)
    applicant_id_last4 = models.CharField(max_length=4)
    # The applicant's whole ID number: a citizen signed in with e-ID sees the dossiers that carry theirs.
    applicant_id_number = models.CharField(max_length=20, blank=True, default="", editable=False)
    # "<kind>:<value>" of the value only one live dossier may hold (the kind's `duplicate` path:
    # e.g. a certificate's number); "" when it has none.
    duplicate_key = models.CharField(max_length=80, blank=True, default="", editable=False)
    late_registration = models.BooleanField(_("late registration"), default=False)
    late_since = models.DateField(_("late since"), null=True, blank=True)
    new_appointment_on = models.DateField(_("new appointment"), null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("filed by"), on_delete=models.PROTECT, related_name="+"
    )
    # A dossier that came from the national public-service portal: its code and procedure code
    # there (MaHoSo, MaTTHC); each change of state goes back to it (outbound/).
    national_code = models.CharField(_("national portal dossier code"), max_length=50, blank=True, default="")
    national_procedure_code = models.CharField(
        _("national portal procedure code"), max_length=50, blank=True, default=""
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    handed_over_at = models.DateTimeField(_("results handed over at"), null=True, blank=True)
    # The citizen asked for no more e-mails or texts about this dossier (a link in each e-mail).
    notices_stopped_at = models.DateTimeField(_("notices stopped at"), null=True, blank=True)
    # The code and the people's names without diacritics, for the clerks' search box.
    search_text = models.TextField(blank=True, default="", editable=False)
    # The people's ID numbers, space-delimited (" 040195001234 040093005678 "): the desk's search
    # matches a whole number only, never part of one (a code or name search reads search_text).
    id_numbers = models.TextField(blank=True, default="", editable=False)

    objects = BundleQuerySet.as_manager()

    class Meta:
        verbose_name = _("bundle")
        verbose_name_plural = _("bundles")
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["commune", "-received_at"], name="bundle_commune_received"),
            models.Index(fields=["filed_by", "-received_at"], name="bundle_filer_received"),
            models.Index(fields=["applicant_id_number", "-received_at"], name="bundle_applicant_received"),
            models.Index(fields=["state", "due_date"], name="bundle_state_due"),
            models.Index(fields=["received_at"], name="bundle_received"),  # the reports' days
            # The desk's counts (cases.selectors.bundle_counts) read only what is still at the desk:
            # the dossiers in progress, and the results not yet handed over. However long a
            # commune's history, these two stay the size of its open work.
            models.Index(fields=["commune", "due_date"], name="bundle_desk_open", condition=DESK_OPEN),
            models.Index(fields=["commune"], name="bundle_desk_results", condition=DESK_RESULTS),
        ]
        # One live dossier per child, per deceased, per whatever a kind's duplicate key names: a
        # refused or withdrawn one may be filed again.
        constraints = [
            models.UniqueConstraint(
                fields=["duplicate_key"], condition=LIVE & ~Q(duplicate_key=""), name="bundle_one_live_per_key"
            ),
            # One dossier per national portal dossier, whatever its state.
            models.UniqueConstraint(
                fields=["national_code"], condition=~Q(national_code=""), name="bundle_one_per_national_code"
            ),
        ]

    def __str__(self) -> str:
        return self.code or f"#{self.pk}"

    @property
    def overdue(self) -> bool:
        return is_overdue(BUNDLE_CLOCK_RUNS, self.state, self.due_date)

    @property
    def subject_name(self) -> str:
        """The name of the person the dossier is about (the child, the deceased): its kind says who."""
        kind = kinds.find(self.kind)
        return (self.data.get(kind.subject) or {}).get("full_name", "") if kind else ""

    @fsm.transition(field=state, source=BundleState.IN_PROGRESS, target=BundleState.COMPLETED)
    def complete(self) -> None:
        self.finished_at = timezone.now()

    @fsm.transition(field=state, source=BundleState.IN_PROGRESS, target=BundleState.PARTLY_COMPLETED)
    def complete_partly(self) -> None:
        self.finished_at = timezone.now()

    @fsm.transition(field=state, source=BundleState.IN_PROGRESS, target=BundleState.REFUSED)
    def refuse(self) -> None:
        self.finished_at = timezone.now()

    @fsm.transition(
        field=state,
        source=BundleState.IN_PROGRESS,
        target=BundleState.WITHDRAWN,
        permission=at_the_desk,
        custom={"label": _("Withdraw")},
    )
    def withdraw(self) -> None:
        self.finished_at = timezone.now()


class CommuneTally(models.Model):
    """How many dossiers a commune has received: the desk's "in all", kept as each is filed (in
    the filing's own transaction, cases.services.filing), so that the desk never recounts a
    commune's history. Dossiers are never deleted, so filing is the only change."""

    commune = models.OneToOneField(
        AdministrativeUnit, verbose_name=_("commune"), on_delete=models.PROTECT, primary_key=True, related_name="+"
    )
    received = models.PositiveBigIntegerField(_("dossiers received"), default=0)

    class Meta:
        verbose_name = _("commune tally")
        verbose_name_plural = _("commune tallies")

    def __str__(self) -> str:
        return f"{self.commune_id}: {self.received}"

    @classmethod
    def count_one(cls, commune_id: int) -> None:
        """One more dossier for this commune: one statement, whether or not its row exists yet
        (two first filings at once do not collide), holding the row until the filing commits."""
        table = connection.ops.quote_name(cls._meta.db_table)
        with connection.cursor() as cursor:
            # The one name put in is the model's own table; the commune is a parameter.
            cursor.execute(
                f"INSERT INTO {table} (commune_id, received) VALUES (%s, 1)"  # nosec B608
                f" ON CONFLICT (commune_id) DO UPDATE SET received = {table}.received + 1",
                [commune_id],
            )


OPEN = Q(state__in=[StepState.READY, StepState.IN_PROGRESS, StepState.RETURNED])


class StepQuerySet(models.QuerySet["Step"]):
    def restrict(self, user: Any, action: str = "view") -> StepQuerySet:
        """The steps `user` may take `action` on (agencies.access): an officer's office's (its
        queue). Nobody else has steps of their own; they see steps through the bundles they may
        view."""
        if user.role != UserRole.OFFICER or not access.may(user, action):
            return self.none()
        return self.filter(office=user.office_id)

    def overdue(self, today: datetime.date) -> StepQuerySet:
        return self.filter(overdue_q(STEP_CLOCK_RUNS, today))


class Step(StateFieldsOnce, fsm.ConcurrentTransitionMixin, ChoiceLabels):
    """One procedure of a bundle, in the queue of the office that plays its role for the commune."""

    bundle = models.ForeignKey(Bundle, verbose_name=_("bundle"), on_delete=models.CASCADE, related_name="steps")
    procedure = models.ForeignKey(Procedure, verbose_name=_("procedure"), on_delete=models.PROTECT)
    agency_role = models.CharField(_("agency role"), max_length=20, choices=AgencyRole.choices)
    office = models.ForeignKey(Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="steps")
    state = fsm.FSMField(
        _("state"), max_length=20, choices=StepState.choices, default=StepState.WAITING, protected=True
    )
    clock_starts_on = models.DateField(_("clock starts on"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    result = models.JSONField(_("result"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    missing_documents = models.JSONField(_("missing documents"), default=list, blank=True)
    supplement_deadline = models.DateField(_("supplement deadline"), null=True, blank=True)
    handed_off_at = models.DateTimeField(_("delivered to the office at"), null=True, blank=True)
    late_since = models.DateField(_("late since"), null=True, blank=True)
    new_appointment_on = models.DateField(_("new appointment"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = StepQuerySet.as_manager()

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["bundle", "procedure__position", "pk"]
        indexes = [
            # The queue (the office's open steps, most urgent first, any or one state or procedure)
            # reads a page's keys from this alone, in order, and stops after the page
            # (portal.paging.keys_first): the state and procedure are in it for the filters, so the
            # planner prefers that walk to fetching and sorting the whole queue, at PostgreSQL's
            # default costs too, when its statistics lag a burst of filings
            # (tests/cases/test_queue_plan.py).
            models.Index(
                fields=["office", "due_date", "id"],
                include=["state", "procedure"],
                name="step_open_queue",
                condition=OPEN,
            ),
            # The reports' days: when a step reached its office, when it finished.
            models.Index(fields=["handed_off_at"], name="step_handed_off"),
            models.Index(fields=["finished_at"], name="step_finished"),
            models.Index(
                fields=["supplement_deadline"],
                name="step_returned_deadline",
                condition=Q(state=StepState.RETURNED),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bundle} · {self.procedure_id}"

    @property
    def overdue(self) -> bool:
        return is_overdue(STEP_CLOCK_RUNS, self.state, self.due_date)

    @property
    def documents_to_bring(self) -> list[str]:
        """While the step waits for documents, what the citizen is asked to bring, fit to be shown
        in public (the tracking page): the names from the return's checklist of documents. A name
        typed in freely may hold personal data, so it shows only as "another document"; the
        officer's free-text reason is never part of it."""
        if self.state != StepState.RETURNED:
            return []
        checklist = kinds.get(self.bundle.kind).documents
        named = [name for name in checklist if name in self.missing_documents]
        if any(name not in checklist for name in self.missing_documents):
            named.append(str(_("Another document (ask the one-stop desk which)")))
        return named

    @property
    def apology_owed(self) -> bool:
        """Late and not finished: the office owes an apology and a new appointment date."""
        finished = self.state in (StepState.DONE, StepState.REFUSED, StepState.CANCELLED)
        return not finished and (self.late_since is not None or self.overdue)

    @fsm.transition(field=state, source=StepState.WAITING, target=StepState.READY)
    def unlock(self, *, clock_starts_on: datetime.date, due_date: datetime.date) -> None:
        self.clock_starts_on, self.due_date = clock_starts_on, due_date

    @fsm.transition(field=state, source=StepState.READY, target=StepState.IN_PROGRESS, custom={"label": _("Claim")})
    def claim(self, *, by: Any) -> None:
        self.claimant = by

    @fsm.transition(field=state, source=StepState.IN_PROGRESS, target=StepState.READY, custom={"label": _("Release")})
    def release(self) -> None:
        self.claimant = None

    @fsm.transition(
        field=state,
        source=[StepState.READY, StepState.IN_PROGRESS],
        target=StepState.DONE,
        custom={"label": _("Complete")},
    )
    def complete(self, *, by: Any, result: dict[str, Any]) -> None:
        self.claimant, self.result, self.finished_at = by, result, timezone.now()

    @fsm.transition(
        field=state,
        source=[StepState.READY, StepState.IN_PROGRESS],
        target=StepState.RETURNED,
        custom={"label": _("Return for supplement")},
    )
    def return_for_supplement(
        self, *, by: Any, reason: str, missing_documents: list[str], deadline: datetime.date
    ) -> None:
        self.claimant, self.reason, self.missing_documents = by, reason, missing_documents
        self.supplement_deadline = deadline

    @fsm.transition(field=state, source=[StepState.READY, StepState.IN_PROGRESS], target=StepState.IN_PROGRESS)
    def reassign(self, *, to: Any) -> None:
        self.claimant = to

    @fsm.transition(field=state, source=StepState.RETURNED, target=StepState.READY)
    def resume(self, *, clock_starts_on: datetime.date, due_date: datetime.date) -> None:
        self.clock_starts_on, self.due_date, self.supplement_deadline = clock_starts_on, due_date, None
        self.claimant = None
        self.late_since = None

    @fsm.transition(
        field=state,
        source=[StepState.READY, StepState.IN_PROGRESS, StepState.RETURNED],
        target=StepState.REFUSED,
        custom={"label": _("Refuse")},
    )
    def refuse(self, *, by: Any, reason: str) -> None:
        self.claimant, self.reason, self.finished_at = by, reason, timezone.now()

    @fsm.transition(
        field=state,
        source=[StepState.WAITING, StepState.READY, StepState.IN_PROGRESS, StepState.RETURNED],
        target=StepState.CANCELLED,
    )
    def cancel(self, *, reason: str) -> None:
        self.reason, self.finished_at = reason, timezone.now()


# --- Audit, privacy, documents, outbox -----------------------------------------------------------


class AppendOnly(models.Model):
    """A trail's record: written once, never changed (deleted only with what it records)."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError(f"{type(self).__name__} records are append-only.")
        super().save(*args, **kwargs)


class Event(AppendOnly):
    """Append-only audit trail: every transition and data change, who did it, in which role and
    office, from which state to which, and why."""

    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="events")
    step = models.ForeignKey(Step, on_delete=models.CASCADE, null=True, blank=True, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_role = models.CharField(max_length=20, blank=True)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=20, choices=Action.choices)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["bundle", "at"], name="event_bundle_at"),
            models.Index(fields=["at"], name="event_step_report", condition=Q(action__in=["returned", "late"])),
            # An office's history of finished steps, newest first (the officers' history page).
            models.Index(
                fields=["office", "-at", "-id"],
                name="event_office_history",
                condition=Q(action__in=["completed", "refused", "returned"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"

    @property
    def actor_name(self) -> str:
        """Who did it, with the office they acted for ("" when the system did it itself)."""
        if self.actor is None:
            return ""
        if self.office is not None:
            return person_label(self.actor.full_name, self.office.name)
        return self.actor.display_name


class Escalation(AppendOnly):
    """A rung of the escalation ladder a step reached (or an online dossier nobody at the desk took
    up, `step` empty), written once with the outbox message that tells the rung's people
    (cases/services/ladder.py): the unique constraints make a second notice impossible, after a
    restart or with two workers at once."""

    bundle = models.ForeignKey(Bundle, verbose_name=_("bundle"), on_delete=models.CASCADE, related_name="escalations")
    step = models.ForeignKey(
        Step, verbose_name=_("step"), on_delete=models.CASCADE, null=True, blank=True, related_name="escalations"
    )
    # The step's office when it climbed (the province counts per office); empty for a dossier at the desk.
    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rung = models.PositiveSmallIntegerField(_("rung"), choices=Rung.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=LadderReason.choices)
    since = models.DateTimeField(_("on the ladder since"))
    at = models.DateTimeField(_("reached at"), default=timezone.now)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["step", "rung"], condition=Q(step__isnull=False), name="escalation_step_rung"
            ),
            models.UniqueConstraint(
                fields=["bundle", "rung"], condition=Q(step__isnull=True), name="escalation_bundle_rung"
            ),
        ]
        indexes = [models.Index(fields=["at"], name="escalation_at")]

    def __str__(self) -> str:
        return f"{self.step or self.bundle} → {self.rung}"


class PersonalDataAccess(models.Model):
    """Who opened which bundle's personal data, and when (Decree 13/2023/NĐ-CP)."""

    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    channel = models.CharField(max_length=10)  # AccessChannel
    # Listed or opened (ReadKind); the reads recorded before the kind was are counted as opened.
    kind = models.CharField(max_length=4, choices=ReadKind.choices, default=ReadKind.OPENED)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        indexes = [models.Index(fields=["bundle", "at"], name="access_bundle_at")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.bundle_id} ({self.at:%Y-%m-%d %H:%M})"


class Attachment(models.Model):
    """A scanned document of a bundle (PDF, JPEG or PNG, checked by content)."""

    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("document"), max_length=60)
    file = models.FileField(upload_to="attachments/%Y/%m/")
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    # The Idempotency-Key it was sent with (the API; a device sending what it captured offline):
    # the same key on the same bundle gives this attachment back and stores nothing new.
    idempotency_key = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["bundle", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="attachment_bundle_idempotency_key",
            )
        ]

    def __str__(self) -> str:
        return self.kind


class Outbox(models.Model):
    """A message to another system or person, written in the transaction that caused it and
    published to the workers after commit; a beat sweeper re-publishes what was left behind."""

    topic = models.CharField(max_length=40)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [models.Index(fields=["created_at"], name="outbox_pending", condition=Q(delivered_at__isnull=True))]

    def __str__(self) -> str:
        return f"{self.topic} #{self.pk}"


class NotificationQuerySet(models.QuerySet["Notification"]):
    def restrict(self, user: Any, action: str = access.NOTICES) -> NotificationQuerySet:
        """The portal notices addressed to `user`'s workplace (agencies.access): an officer's
        office's, a clerk's one-stop desk's (its commune), provincial staff's province's."""
        if not access.may(user, action):
            return self.none()
        if user.role == UserRole.OFFICER:
            return self.filter(to_office=user.office_id)
        if user.role == UserRole.CLERK:
            return self.filter(to_unit=user.commune_id)
        if user.role == UserRole.PROVINCIAL:
            return self.filter(to_unit=user.province_id)
        return self.none()


class Notification(models.Model):
    """What was sent to an office or a citizen (SMS / portal notice), as delivered by a worker. A
    portal notice to the staff names the workplace it is for (`to_office`: an office; `to_unit`: a
    commune's one-stop desk or a province's office), whose people read it on their notices page."""

    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="notifications")
    step = models.ForeignKey(Step, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications")
    outbox = models.OneToOneField(Outbox, on_delete=models.PROTECT, related_name="notification")
    recipient = models.CharField(max_length=200)
    message = models.TextField()
    sent_at = models.DateTimeField(default=timezone.now)
    to_office = models.ForeignKey(
        Office, verbose_name=_("for office"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    to_unit = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("for the desk or province of"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = NotificationQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["to_office", "-sent_at"], name="notice_office_newest"),
            models.Index(fields=["to_unit", "-sent_at"], name="notice_unit_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.message}"


class NoteQuerySet(models.QuerySet["Note"]):
    def restrict(self, user: Any, action: str = access.NOTES) -> NoteQuerySet:
        """The notes `user` may read: those of the dossiers the desk of its commune (clerks) or one
        of its steps' offices (officers) works; nobody else's (agencies.access.NOTES)."""
        return self.filter(bundle__in=Bundle.objects.restrict(user, action))


class Note(AppendOnly):
    """A note between the offices working a dossier (a question to the desk, a remark to the
    police), on the dossier or one of its steps, from its author (for their office, or the desk
    when `author_office` is empty) to one office of the dossier (the desk when `to_office` is
    empty). Written once, never changed: the note is its own record, and the addressed office is
    told through the outbox ("note.added")."""

    bundle = models.ForeignKey(Bundle, verbose_name=_("bundle"), on_delete=models.CASCADE, related_name="notes")
    step = models.ForeignKey(
        Step, verbose_name=_("step"), on_delete=models.CASCADE, null=True, blank=True, related_name="notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    author_office = models.ForeignKey(
        Office, verbose_name=_("from office"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_office = models.ForeignKey(
        Office, verbose_name=_("to office"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    text = models.TextField(_("note"))
    at = models.DateTimeField(_("written at"), default=timezone.now)

    objects = NoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["bundle", "at"], name="note_bundle_at")]

    def __str__(self) -> str:
        return f"{self.bundle_id} · {self.at:%Y-%m-%d %H:%M}"

    @property
    def author_name(self) -> str:
        """The author and the office (or desk) they wrote for. Reads the author's commune and the
        offices: select them with the note."""
        if self.author_office is not None:
            return person_label(self.author.full_name, self.author_office.name)
        return self.author.display_name

    @property
    def to_name(self) -> str:
        """The office the note is for, or the one-stop desk of the dossier's commune."""
        if self.to_office is not None:
            return self.to_office.name
        return desk_name(self.bundle.commune)


def desk_name(commune: AdministrativeUnit) -> str:
    """The one-stop desk of a commune, as the portal names it."""
    return workplace(None, (commune.name, commune.type), None)


class IdempotencyRecord(models.Model):
    """An Idempotency-Key a client used to file a bundle, with a fingerprint of the body."""

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "key"], name="idempotency_client_key")]

    def __str__(self) -> str:
        return self.key


class Extract(models.Model):
    """The electronic extract (trích lục) of a civil-status step: a PDF signed by the civil-status
    system, checked when it was attached (intact, trusted, not revoked, timestamped); its register
    number and personal ID number are matched against the step's result when the step is
    completed (cases.services.extracts). The offices downstream read it instead of a scan."""

    step = models.OneToOneField(Step, verbose_name=_("step"), on_delete=models.CASCADE, related_name="extract")
    file = models.FileField(upload_to="extracts/%Y/%m/")
    sha256 = models.CharField(_("file hash"), max_length=64)
    signer = models.CharField(_("signer"), max_length=300)
    signed_at = models.DateTimeField(_("signed at"), null=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("attached by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("attached at"), default=timezone.now)

    class Meta:
        db_table = "signing_extract"  # its table since issue 14, when the signing app held it
        verbose_name = _("electronic extract")
        verbose_name_plural = _("electronic extracts")

    def __str__(self) -> str:
        return f"{self.step_id}: {self.signer}"
