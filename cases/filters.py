"""The filters of the clerks' and officers' list pages (django-filter): each reads one query
parameter, and a value it does not know is ignored rather than failing the page."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django import forms
from django.db.models import Q, QuerySet
from django.db.models.functions import TruncDate
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import kinds, rules
from cases.choices import Action, BundleState, Channel, StepState
from cases.identity import id_query, search_key
from cases.models import (
    BUNDLE_CLOCK_RUNS,
    STEP_CLOCK_RUNS,
    Bundle,
    Event,
    Procedure,
    Step,
    overdue_q,
    returned_step_exists,
)


class _ListedChoices(ModelChoiceIterator):
    """A dropdown's rows in one plain query: Django reads them with `.iterator()`, which on
    PostgreSQL is a server-side cursor (three round trips for a dozen procedures)."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for row in list(self.queryset):
            yield self.choice(row)


class _ListedModelChoiceField(forms.ModelChoiceField):
    iterator = _ListedChoices


class ProcedureFilter(filters.ModelChoiceFilter):
    field_class = _ListedModelChoiceField


def _timing(queryset: QuerySet[Any], value: str, *, clock_runs: tuple[str, ...]) -> QuerySet[Any]:
    """Overdue (cases.models.overdue_q); due soon: the clock runs and it is due today or the next
    working day."""
    today = timezone.localdate()
    if value == "overdue":
        return queryset.filter(overdue_q(clock_runs, today))
    return queryset.filter(
        state__in=clock_runs, due_date__gte=today, due_date__lte=rules.calendar().next_working_day(today)
    )


def _timing_filter(*more: tuple[str, Any]) -> filters.ChoiceFilter:
    return filters.ChoiceFilter(
        label=_("Deadline"),
        choices=[("overdue", _("Overdue")), ("due_soon", _("Due soon")), *more],
        empty_label=_("All"),
        method="by_timing",
    )


class BundleFilter(filters.FilterSet):
    q = filters.CharFilter(label=_("Code, name or ID number"), method="search")
    kind = filters.ChoiceFilter(label=_("Kind"), choices=kinds.choices, empty_label=_("All"))
    state = filters.ChoiceFilter(label=_("State"), choices=BundleState.choices, empty_label=_("All"))
    channel = filters.ChoiceFilter(label=_("Channel"), choices=Channel.choices, empty_label=_("All"))
    # A returned dossier waits for the citizen's documents, with its own end date (supplement.wait).
    timing = _timing_filter(("waiting", _("Waiting for documents")))

    class Meta:
        model = Bundle
        fields = ["q", "kind", "state", "channel", "timing"]

    def search(self, queryset: QuerySet[Bundle], name: str, value: str) -> QuerySet[Bundle]:
        """Without diacritics: "tran minh an" finds Trần Minh An; so does part of a code. A whole ID
        number (12 digits, or an old 9-digit one) finds the dossiers of the people who carry it."""
        if number := id_query(value):
            return queryset.filter(Q(search_text__contains=number) | Q(id_numbers__contains=f" {number} "))
        return queryset.filter(search_text__contains=search_key(value)) if search_key(value) else queryset

    def by_timing(self, queryset: QuerySet[Bundle], name: str, value: str) -> QuerySet[Bundle]:
        if value == "waiting":
            return queryset.filter(returned_step_exists())
        return _timing(queryset, value, clock_runs=BUNDLE_CLOCK_RUNS)


class StepFilter(filters.FilterSet):
    state = filters.ChoiceFilter(
        label=_("State"),
        choices=[(state.value, state.label) for state in (StepState.READY, StepState.IN_PROGRESS, StepState.RETURNED)],
        empty_label=_("All open"),
    )
    procedure = ProcedureFilter(
        label=_("Procedure"), queryset=Procedure.objects.order_by("position"), empty_label=_("All")
    )
    timing = _timing_filter()

    class Meta:
        model = Step
        fields = ["state", "procedure", "timing"]

    def by_timing(self, queryset: QuerySet[Step], name: str, value: str) -> QuerySet[Step]:
        return _timing(queryset, value, clock_runs=STEP_CLOCK_RUNS)


class HistoryFilter(filters.FilterSet):
    """The history page's filters: the queue's (procedure, deadline, state as the outcome)."""

    outcome = filters.ChoiceFilter(
        label=_("Outcome"),
        field_name="action",
        choices=[(action.value, action.label) for action in (Action.COMPLETED, Action.RETURNED, Action.REFUSED)],
        empty_label=_("All"),
    )
    procedure = ProcedureFilter(
        label=_("Procedure"),
        field_name="step__procedure",
        queryset=Procedure.objects.order_by("position"),
        empty_label=_("All"),
    )
    timing = filters.ChoiceFilter(
        label=_("Deadline"),
        choices=[("late", _("After the due date")), ("on_time", _("By the due date"))],
        empty_label=_("All"),
        method="by_timing",
    )

    class Meta:
        model = Event
        fields = ["outcome", "procedure", "timing"]

    def by_timing(self, queryset: QuerySet[Event], name: str, value: str) -> QuerySet[Event]:
        """Late: done on a day (in Vietnam) after the step's due date."""
        day = TruncDate("at", tzinfo=timezone.get_current_timezone())
        if value == "late":
            return queryset.filter(step__due_date__lt=day)
        return queryset.filter(step__due_date__gte=day)
