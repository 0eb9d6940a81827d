"""Beat's jobs that keep the report summaries in step with the raw data."""

import logging

from celery import shared_task

from reporting.summaries import summaries_rebuild, summaries_update

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def summaries_update_task() -> int:
    """Today, yesterday and any back-dated day (every 30 s); returns the rows changed."""
    return summaries_update().rows_changed


@shared_task(acks_late=True, reject_on_worker_lost=True)
def summaries_rebuild_task() -> int:
    """Every day from the first dossier, compared with the raw data (nightly). Rows that had to
    change mean an update was missed: logged as a warning, and repaired by this run."""
    check = summaries_rebuild()
    if check.rows_changed:
        logger.warning("report summaries disagreed with the raw data: %d rows repaired", check.rows_changed)
    return check.rows_changed
