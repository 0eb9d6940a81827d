"""Beat's jobs that keep the report summaries in step with the raw data."""

import logging

from celery import shared_task
from django.utils import timezone

from reporting.selectors import reports_warm
from reporting.summaries import summaries_rebuild, summaries_update

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def summaries_update_task() -> int:
    """Today, yesterday and any back-dated day (every 30 s), then each province's default report
    computed for the new summaries; returns the rows changed."""
    check = summaries_update()
    reports_warm(timezone.localdate())
    return check.rows_changed


@shared_task(acks_late=True, reject_on_worker_lost=True)
def summaries_rebuild_task() -> int:
    """Every day from the first dossier, compared with the raw data (nightly). Rows that had to
    change mean an update was missed: logged as a warning, and repaired by this run."""
    check = summaries_rebuild()
    if check.rows_changed:
        logger.warning("report summaries disagreed with the raw data: %d rows repaired", check.rows_changed)
    return check.rows_changed


@shared_task
def reports_due_task() -> int:
    """Beat, each morning at 07:00: the scheduled reports whose period just ended go out."""
    from django.utils import timezone

    from reporting.schedules import reports_due

    return reports_due(today=timezone.localdate())
