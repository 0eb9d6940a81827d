"""The rows of the desk's and the queue's lists, made ready for their templates (jinja2/cases/):
each row a handful of plain values, each distinct value formatted once per page (a page of 50 rows
shows the same few states, procedures and due dates over and over), so that rendering is only
putting strings in place. Rendering the rows from the models, every attribute a descriptor and every
label, date and badge worked out again per row, cost as much as the rest of the page."""

from __future__ import annotations

import dataclasses
import datetime
import functools
from collections.abc import Callable, Iterable
from typing import Any

from django.utils import timezone

from cases.models import BUNDLE_CLOCK_RUNS, STEP_CLOCK_RUNS, Bundle, Step, choice_label, is_overdue
from cases.templatetags.cases_tags import countdown, row_url
from portal.jinja2 import day, minute


@dataclasses.dataclass(frozen=True, slots=True)
class DueDate:
    text: str  # 31/12/2026
    badge: str  # the countdown (safe HTML), "" when the clock does not run
    overdue: bool


def _due(clock_runs: tuple[str, ...], today: datetime.date) -> Callable[[tuple[Any, str]], DueDate]:
    def make(key: tuple[Any, str]) -> DueDate:
        due_date, state = key
        return DueDate(day(due_date), countdown(due_date, state), is_overdue(clock_runs, state, due_date, today))

    return functools.cache(make)


@dataclasses.dataclass(frozen=True, slots=True)
class QueueRow:
    pk: int
    due: DueDate
    url: str
    code: str
    procedure: str
    subject: str
    state: str
    state_label: str
    claimant: str
    claim_url: str  # "" when the officer may not claim it
    release_url: str


def queue_rows(steps: Iterable[Step], actions: dict[int, list[str]]) -> list[QueueRow]:
    """An officer's queue page: its steps, with their dossiers, procedures and claimants read."""
    due = _due(STEP_CLOCK_RUNS, timezone.localdate())
    label = functools.cache(functools.partial(choice_label, Step, "state"))
    procedures: dict[str, str] = {}
    rows = []
    for step in steps:
        allowed = actions.get(step.pk, ())
        rows.append(
            QueueRow(
                pk=step.pk,
                due=due((step.due_date, step.state)),
                url=row_url("cases:step", step.pk),
                code=step.bundle.code or "",
                procedure=procedures.get(step.procedure_id)
                or procedures.setdefault(step.procedure_id, step.procedure.shown_name),
                subject=step.bundle.subject_name,
                state=step.state,
                state_label=label(step.state),
                claimant=step.claimant.display_name if step.claimant else "",
                claim_url=row_url("cases:queue-act", step.pk, "claim") if "claim" in allowed else "",
                release_url=row_url("cases:queue-act", step.pk, "release") if "release" in allowed else "",
            )
        )
    return rows


@dataclasses.dataclass(frozen=True, slots=True)
class DeskRow:
    url: str
    code: str
    kind: str
    subject: str
    applicant: str
    received: str
    channel: str
    documents_due: str  # the day a wait for documents ends, "" when none waits
    state: str
    state_label: str
    handed_over: bool
    due: DueDate


def desk_rows(bundles: Iterable[Bundle]) -> list[DeskRow]:
    """The desk's page of dossiers (each with `documents_due`, BundleQuerySet.with_documents_due)."""
    due = _due(BUNDLE_CLOCK_RUNS, timezone.localdate())
    labels = {
        name: functools.cache(functools.partial(choice_label, Bundle, name)) for name in ("kind", "channel", "state")
    }
    return [
        DeskRow(
            url=row_url("cases:bundle", bundle.code),
            code=bundle.code or "",
            kind=labels["kind"](bundle.kind),
            subject=bundle.subject_name,
            applicant=(bundle.data.get("applicant") or {}).get("full_name", ""),
            received=minute(bundle.received_at),
            channel=labels["channel"](bundle.channel),
            documents_due=day(bundle.documents_due),  # type: ignore[attr-defined]
            state=bundle.state,
            state_label=labels["state"](bundle.state),
            handed_over=bundle.handed_over_at is not None,
            due=due((bundle.due_date, bundle.state)),
        )
        for bundle in bundles
    ]
