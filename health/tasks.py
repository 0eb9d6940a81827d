from celery import shared_task

from health import services


@shared_task
def notices_purge_task() -> int:
    """Beat, daily: the unused hospital notices past their keeping period go."""
    return services.notices_purge()
