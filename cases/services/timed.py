"""The jobs beat runs each day: the supplement timeout and lateness."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from cases.choices import (
    Action,
    StepState,
)
from cases.models import (
    Bundle,
    Step,
)
from cases.services.audit import event, lock_bundle, publish
from cases.services.steps import step_refuse
from portal.errors import DomainError


def supplements_expire(*, today: datetime.date) -> int:
    """Refuse every step whose time to supply documents ended before `today`."""
    expired = list(
        Step.objects.filter(state=StepState.RETURNED, supplement_deadline__lt=today).values_list("pk", flat=True)
    )
    for pk in expired:
        try:
            step_refuse(user=None, step_pk=pk, reason=_("The missing documents did not arrive in time."))
        except DomainError:
            continue  # supplied or refused meanwhile
    return len(expired)


def lateness_record(*, today: datetime.date) -> int:
    """Mark steps and bundles that passed their due date: the agency owes the citizen an apology
    and a new appointment date (Decree 63 art. 7(3)). Each is marked once."""
    marked = 0
    late_steps = Step.objects.overdue(today).filter(late_since__isnull=True)
    for step in late_steps:
        with transaction.atomic():
            bundle = lock_bundle(step.bundle_id)
            if Step.objects.filter(pk=step.pk, late_since__isnull=True).update(late_since=today):
                event(bundle, Action.LATE, actor=None, step=step, data={"due_date": step.due_date.isoformat()})
                publish("step.late", step=step.pk)
                marked += 1
    late_bundles = Bundle.objects.overdue(today).filter(late_since__isnull=True)
    for bundle in late_bundles:
        with transaction.atomic():
            lock_bundle(bundle.pk)
            if Bundle.objects.filter(pk=bundle.pk, late_since__isnull=True).update(late_since=today):
                event(bundle, Action.LATE, actor=None, data={"due_date": bundle.due_date.isoformat()})
                publish("bundle.late", bundle=bundle.pk)
                marked += 1
    return marked
