from celery import shared_task

from outbound import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def deliveries_send_task(target: str, bundle_pk: int, subscription_pk: int | None = None) -> int:
    """Send one dossier's due deliveries to one target (one webhook), in order."""
    return services.deliveries_send(target=target, bundle_pk=bundle_pk, subscription_pk=subscription_pk)


@shared_task
def deliveries_due_task() -> int:
    """Beat: send the queues with something due (retries, lost publications)."""
    due = services.deliveries_due()
    for target, bundle_pk, subscription_pk in due:
        deliveries_send_task.delay(target, bundle_pk, subscription_pk)
    return len(due)
