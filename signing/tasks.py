import datetime

from celery import shared_task
from django.conf import settings

from signing import services


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(services.SigningFailed,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=10,
)
def document_sign_task(document_pk: int) -> bool:
    """Sign one document (queue "signing": never inside a request, never behind a hand-off)."""
    return services.document_sign(document_pk=document_pk)


@shared_task
def documents_sweep_task() -> int:
    """Beat: hand out again the documents still unsigned after SIGNING_SWEEP_AGE seconds."""
    pending = services.documents_unsigned(older_than=datetime.timedelta(seconds=settings.SIGNING_SWEEP_AGE))
    for pk in pending:
        document_sign_task.delay(pk)
    return len(pending)
