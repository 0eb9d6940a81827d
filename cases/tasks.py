"""Celery tasks of the case engine. Each takes ids, re-reads the rows, calls one service, and is
idempotent, so acks_late and redelivery after a lost worker are safe."""

import datetime
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from cases import services
from portal.sms import SmsError


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, SMTPException, OSError, SmsError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
)
def outbox_deliver_task(*message_pks: int) -> int:
    """Deliver outbox messages (hand-offs to offices, notices to citizens): one task for all that a
    transaction wrote, so a filing costs one publish. Returns how many this call delivered."""
    return sum(services.outbox_deliver(message_pk=pk) for pk in message_pks)


@shared_task
def outbox_sweep_task() -> int:
    """Publish again what was written but not delivered for a while (beat, every
    OUTBOX_SWEEP_INTERVAL seconds; "a while" is OUTBOX_SWEEP_AGE seconds)."""
    pending = services.outbox_pending(older_than=datetime.timedelta(seconds=settings.OUTBOX_SWEEP_AGE))
    for start in range(0, len(pending), 100):
        outbox_deliver_task.delay(*pending[start : start + 100])
    return len(pending)


@shared_task(acks_late=True)
def supplements_expire_task() -> int:
    """Refuse steps whose time to supply documents ran out (beat, hourly)."""
    return services.supplements_expire(today=timezone.localdate())


@shared_task(acks_late=True)
def lateness_record_task() -> int:
    """Mark steps and bundles that passed their due date (beat, hourly)."""
    return services.lateness_record(today=timezone.localdate())


@shared_task(acks_late=True)
def ladder_climb_task() -> int:
    """Tell each rung of the escalation ladder that a step or an online dossier reached, once
    (beat, every LADDER_INTERVAL seconds)."""
    return services.ladder_climb(now=timezone.now())
