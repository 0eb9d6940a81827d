"""Celery tasks of the case engine. Each takes ids, re-reads the rows, calls one service, and is
idempotent, so acks_late and redelivery after a lost worker are safe."""

import datetime

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from cases import services


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
)
def outbox_deliver_task(message_pk: int) -> bool:
    """Deliver one outbox message (a hand-off to an office, a notice to a citizen)."""
    return services.outbox_deliver(message_pk=message_pk)


@shared_task
def outbox_sweep_task() -> int:
    """Publish again what was written but not delivered for a while (beat, every minute)."""
    pending = services.outbox_pending(older_than=datetime.timedelta(minutes=1))
    for pk in pending:
        outbox_deliver_task.delay(pk)
    return len(pending)


@shared_task(acks_late=True)
def supplements_expire_task() -> int:
    """Refuse steps whose time to supply documents ran out (beat, hourly)."""
    return services.supplements_expire(today=timezone.localdate())


@shared_task(acks_late=True)
def lateness_record_task() -> int:
    """Mark steps and bundles that passed their due date (beat, hourly)."""
    return services.lateness_record(today=timezone.localdate())
