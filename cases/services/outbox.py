"""Delivering the outbox: the hand-off of a step to its office and the notices to citizens,
each delivered once whatever the number of deliveries."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.choices import (
    Action,
)
from cases.models import (
    Notification,
    Outbox,
    Step,
)
from cases.services.audit import event, lock_bundle


def outbox_deliver(*, message_pk: int) -> bool:
    """Deliver one outbox message, once: a second delivery of the same message does nothing.
    Returns whether this call delivered it."""
    with transaction.atomic():
        message = (
            Outbox.objects.select_for_update(skip_locked=True).filter(pk=message_pk, delivered_at__isnull=True).first()
        )
        if message is None:
            return False
        message.attempts += 1
        _deliver(message)
        message.delivered_at = timezone.now()
        message.save(update_fields=["attempts", "delivered_at"])
    return True


def _deliver(message: Outbox) -> None:
    payload = message.payload
    if "step" in payload:
        bundle = lock_bundle(Step.objects.values_list("bundle_id", flat=True).get(pk=payload["step"]))
        step = Step.objects.select_related("office", "procedure").get(pk=payload["step"])
    else:
        step, bundle = None, lock_bundle(payload["bundle"])
    phone = (bundle.data.get("applicant") or {}).get("phone", "")
    if message.topic == "step.ready" and step is not None:
        # The hand-off: the dossier reaches the office that handles this step.
        if step.handed_off_at is None:
            step.handed_off_at = timezone.now()
            step.save(update_fields=["handed_off_at"])
            event(bundle, Action.HANDED_OFF, actor=None, step=step, data={"office": step.office.name})
        recipient = step.office.name
        text = _("Dossier %(code)s: %(procedure)s is in your queue, due %(due)s.") % {
            "code": bundle.code,
            "procedure": step.procedure.name,
            "due": step.due_date,
        }
    elif message.topic == "step.returned" and step is not None:
        recipient = phone
        text = _("Dossier %(code)s: please supply %(documents)s by %(day)s.") % {
            "code": bundle.code,
            "documents": ", ".join(step.missing_documents),
            "day": step.supplement_deadline,
        }
    elif message.topic in ("step.late", "bundle.late"):
        recipient = phone
        text = _("Dossier %(code)s is late. We apologise; a new appointment date will follow.") % {"code": bundle.code}
    elif message.topic == "step.apologised" and step is not None:
        recipient = phone
        text = _("Dossier %(code)s: we apologise for the delay; new appointment %(day)s.") % {
            "code": bundle.code,
            "day": step.new_appointment_on,
        }
    elif message.topic == "bundle.filed":
        recipient = phone
        text = _("Dossier %(code)s received, due %(due)s.") % {"code": bundle.code, "due": bundle.due_date}
    else:
        recipient = phone
        text = _("Dossier %(code)s: %(state)s.") % {"code": bundle.code, "state": bundle.get_state_display()}
    Notification.objects.create(bundle=bundle, step=step, outbox=message, recipient=recipient, message=text)


def outbox_pending(*, older_than: datetime.timedelta) -> list[int]:
    """Messages still undelivered after `older_than`: their publication was lost (a crash between
    commit and publish, a broker outage) or their worker died; the sweeper publishes them again."""
    return list(
        Outbox.objects.filter(delivered_at__isnull=True, created_at__lt=timezone.now() - older_than)
        .order_by("pk")
        .values_list("pk", flat=True)[:1000]
    )
