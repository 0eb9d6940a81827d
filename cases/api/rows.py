"""The two answers the API gives most often, built straight from rows instead of through their DRF
serializers: an officer's queue (every few seconds from every office's software) and a new bundle
(every filing). The serializers (cases.api.serializers) remain the contract: they describe the
schema, and tests/cases/api/test_rows.py pins that these functions answer exactly what they would.
Measured in bench/cpu.py: a DRF serializer copies its fields for every response and walks each
row's attributes through model instances; here a row is a dict, formatted by the same field
objects, so a value reads the same either way."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from agencies.models import User
from agencies.selectors import office_rows
from cases import kinds, rules
from cases.choices import StepState
from cases.models import BUNDLE_CLOCK_RUNS, STEP_CLOCK_RUNS, Bundle, Step, is_overdue
from cases.results import result_facts

_date = serializers.DateField()
_datetime = serializers.DateTimeField()

# The queue's page: the step's own columns, read as values in the order of the open-steps index.
QUEUE_COLUMNS = (
    "id", "bundle_id", "procedure_id", "agency_role", "office_id", "state", "due_date", "result", "claimant_id",
    "missing_documents", "supplement_deadline",
)  # fmt: skip


def _day(value: Any) -> str | None:
    return None if value is None else _date.to_representation(value)


def step_row(step: Step) -> dict[str, Any]:
    """A step as StepSerializer shows it (with its office, selected or set)."""
    return {
        "id": step.pk,
        "procedure": step.procedure_id,
        "agency_role": step.agency_role,
        "office": {"id": step.office.pk, "name": step.office.name},
        "state": step.state,
        "due_date": _day(step.due_date),
        "overdue": step.overdue,
        "result": step.result,
        "result_facts": result_facts(step.result),
    }


def bundle_row(bundle: Bundle, steps: Sequence[Step]) -> dict[str, Any]:
    """A bundle as BundleSerializer shows it, with its steps in procedure order."""
    return {
        "code": bundle.code,
        "kind": bundle.kind,
        "state": bundle.state,
        "channel": bundle.channel,
        "commune": bundle.commune.code,
        "received_at": _datetime.to_representation(bundle.received_at),
        "clock_starts_on": _day(bundle.clock_starts_on),
        "due_date": _day(bundle.due_date),
        "overdue": is_overdue(BUNDLE_CLOCK_RUNS, bundle.state, bundle.due_date),
        "procedures": [step.procedure_id for step in steps],
        "needs_verification": bundle.needs_verification,
        **kinds.category_fields(bundle.kind, bundle.category),
        "late_registration": bundle.late_registration,
        "steps": [step_row(step) for step in steps],
    }


def queue_rows(steps: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The page of an office's queue as QueueStepSerializer shows it, from the steps' QUEUE_COLUMNS
    values: their bundles, claimants and earlier results in one query each, whatever the page's
    length; the procedures from the process's routing cache."""
    steps = list(steps)
    bundle_ids = {step["bundle_id"] for step in steps}
    offices = office_rows({step["office_id"] for step in steps})
    bundles = {
        row["id"]: row
        for row in Bundle.objects.filter(pk__in=bundle_ids)
        .order_by()
        .values("id", "code", "commune__code", "received_at", "data")
    }
    claimant_ids = {step["claimant_id"] for step in steps} - {None}
    claimants = {user.pk: user for user in User.objects.filter(pk__in=claimant_ids).select_related("office")}
    done: dict[int, dict[str, Any]] = {}
    for bundle_id, procedure_id, result in (
        Step.objects.filter(bundle__in=bundle_ids, state=StepState.DONE)
        .order_by()
        .values_list("bundle_id", "procedure_id", "result")
    ):
        done.setdefault(bundle_id, {})[procedure_id] = result
    procedures = rules.procedures()
    today = timezone.localdate()
    rows = []
    for step in steps:
        bundle, procedure = bundles[step["bundle_id"]], procedures[step["procedure_id"]]
        claimant = claimants.get(step["claimant_id"])
        earlier = done.get(step["bundle_id"], {})
        rows.append({
            "id": step["id"],
            "procedure": step["procedure_id"],
            "agency_role": step["agency_role"],
            "office": offices[step["office_id"]],
            "state": step["state"],
            "due_date": _day(step["due_date"]),
            "overdue": is_overdue(STEP_CLOCK_RUNS, step["state"], step["due_date"], today),
            "result": step["result"],
            "result_facts": result_facts(step["result"]),
            "bundle": bundle["code"],
            "commune": bundle["commune__code"],
            "received_at": _datetime.to_representation(bundle["received_at"]),
            "claimant": claimant.username if claimant else None,
            "claimant_name": claimant.display_name if claimant else None,
            "missing_documents": step["missing_documents"],
            "supplement_deadline": _day(step["supplement_deadline"]),
            "data": {key: value for key, value in bundle["data"].items() if key in procedure.data_sections},
            "earlier_results": {code: result for code, result in earlier.items() if code in procedure.requires},
        })  # fmt: skip
    return rows
