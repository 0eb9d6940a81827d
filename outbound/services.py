"""Writes of the connections out: the deliveries a change of a dossier causes, and sending them,
in order per dossier and target, at least once, with backoff, until a day has passed."""

from __future__ import annotations

import datetime
import logging
import time
from typing import Any

import requests
from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from cases.choices import BundleState
from cases.models import Bundle, Step
from outbound.models import Attempt, Delivery, DeliveryState, NationalState, Target
from portal.celery import send_on_commit

logger = logging.getLogger(__name__)

# The outbox topics that change what the national portal shows, as our names for the changes.
NATIONAL_CHANGES = {
    "bundle.filed": "received",
    "step.ready": "in_progress",
    "step.returned": "returned",
    "step.done": "step_done",
    "step.refused": "step_refused",
    "step.apologised": "late",
    "bundle.handed_over": "handed_over",
}
FINISHED = {
    BundleState.COMPLETED: "completed",
    BundleState.PARTLY_COMPLETED: "partly_completed",
    BundleState.REFUSED: "refused",
}


def deliveries_add(*, topic: str, bundle: Bundle, step: Step | None) -> list[Delivery]:
    """The deliveries one outbox message causes, written in the outbox's own transaction (so each
    change is written once, whatever the number of deliveries of the message); sent once it
    commits."""
    change = FINISHED.get(bundle.state) if topic == "bundle.finished" else NATIONAL_CHANGES.get(topic)
    if change is None or not bundle.national_code or not settings.NATIONAL_PORTAL_STATUS_URL:
        return []
    delivery = Delivery.objects.create(
        target=Target.NATIONAL, bundle=bundle, event=change, payload=national_payload(change, bundle, step)
    )
    send_on_commit(_send_task(), Target.NATIONAL, bundle.pk)
    return [delivery]


def _send_task():
    from outbound.tasks import deliveries_send_task

    return deliveries_send_task


def _stamp(moment: datetime.datetime | datetime.date | None) -> str:
    """The national portal's time format, yyyyMMddHHmmss in Vietnam's time (OpenCPS's)."""
    if moment is None:
        return ""
    if isinstance(moment, datetime.datetime):
        return timezone.localtime(moment).strftime("%Y%m%d%H%M%S")
    return moment.strftime("%Y%m%d") + "170000"  # a day: the end of its working hours


def national_payload(change: str, bundle: Bundle, step: Step | None) -> dict[str, Any]:
    """The synchronisation call's body for one change (the shape OpenCPS sends; the state codes
    are NationalState rows, so the province can correct them without a release)."""
    state = NationalState.objects.filter(event=change).first()
    appointment = step.new_appointment_on if change == "late" and step is not None else bundle.due_date
    office = step.office.name if step is not None else "UBND " + bundle.commune.name_in_sentence
    return {
        "MaHoSo": bundle.national_code,
        "MaTTHC": bundle.national_procedure_code,
        "TrangThaiHoSo": state.code if state else change,
        "MoTaTrangThai": state.label if state else change,
        "NgayHenTra": _stamp(appointment),
        "NgayKetQua": _stamp(bundle.finished_at) if change in FINISHED.values() else "",
        "DonViXuLy": office,
        "MaHoSoLienThong": bundle.code,
        "ThoiGianCapNhat": _stamp(timezone.now()),
    }


def deliveries_send(*, target: str, bundle_pk: int) -> int:
    """Send what is due for one dossier and target, oldest first, stopping at the first failure
    (a later change never overtakes an earlier one). Another worker already on this dossier's
    queue makes this call do nothing. Returns how many were delivered."""
    delivered = 0
    while True:
        try:
            with transaction.atomic():
                delivery = (
                    Delivery.objects.select_for_update(nowait=True)
                    .filter(target=target, bundle_id=bundle_pk)
                    .exclude(state=DeliveryState.DELIVERED)
                    .order_by("created_at", "pk")
                    .first()
                )
                if (
                    delivery is None
                    or delivery.state == DeliveryState.DEAD
                    or delivery.next_attempt_at > timezone.now()
                ):
                    return delivered
                if not _attempt(delivery):
                    return delivered
                delivered += 1
        except DatabaseError:  # the row is locked: another worker sends this dossier's queue
            return delivered


def _attempt(delivery: Delivery) -> bool:
    """One try, recorded; the delivery marked delivered, or its next try set (or given up)."""
    started = time.monotonic()
    status, error = None, ""
    try:
        answer = requests.post(
            settings.NATIONAL_PORTAL_STATUS_URL,
            json=delivery.payload,
            headers={
                "Authorization": f"Bearer {settings.NATIONAL_PORTAL_TOKEN}",
                "X-Lienthong-Delivery": str(delivery.pk),
            },
            timeout=settings.OUTBOUND_TIMEOUT,
        )
        status = answer.status_code
        if not 200 <= status < 300:
            error = f"HTTP {status}: {answer.text[:200]}"
    except requests.RequestException as failure:
        error = f"{type(failure).__name__}: {failure}"[:300]
    now = timezone.now()
    Attempt.objects.create(
        delivery=delivery,
        at=now,
        status_code=status,
        error=error,
        duration_ms=round((time.monotonic() - started) * 1000),
    )
    delivery.attempts += 1
    if not error:
        delivery.state, delivery.delivered_at, delivery.last_error = DeliveryState.DELIVERED, now, ""
    else:
        delivery.last_error = error
        wait = min(settings.OUTBOUND_RETRY_BASE * 2 ** (delivery.attempts - 1), settings.OUTBOUND_RETRY_MAX)
        delivery.next_attempt_at = now + datetime.timedelta(seconds=wait)
        if delivery.next_attempt_at - delivery.retry_from > datetime.timedelta(seconds=settings.OUTBOUND_GIVE_UP):
            delivery.state = DeliveryState.DEAD
            logger.warning("delivery %s given up after %d attempts: %s", delivery.pk, delivery.attempts, error)
    delivery.save()
    return not error


def deliveries_due() -> list[tuple[str, int]]:
    """The dossier queues with something due now (the beat sweeper sends them)."""
    return list(
        Delivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=timezone.now())
        .values_list("target", "bundle_id")
        .distinct()[:1000]
    )


def delivery_replay(*, delivery: Delivery) -> None:
    """An administrator sends a given-up delivery again: a fresh day of tries, in its place."""
    Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.DEAD).update(
        state=DeliveryState.PENDING, next_attempt_at=timezone.now(), retry_from=timezone.now()
    )
    send_on_commit(_send_task(), delivery.target, delivery.bundle_id)
