"""The Celery application: workers and beat read their settings from Django's (CELERY_*)."""

import logging
import os

from celery import Celery, Task
from django.db import transaction
from django.utils.module_loading import import_string

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
logger = logging.getLogger(__name__)


def send_on_commit(task: Task | str, *args: object, queue: str | None = None) -> None:
    """Send a task (or the task of that dotted name: services name their tasks rather than import
    them, so no service and its task module import each other) once the current transaction
    commits. What committed stays committed and the
    request still answers success when the broker cannot be reached: the failure is logged in one
    line, and the work is picked up later (the outbox sweeper sends undelivered rows again; beat
    refreshes the report summaries on its own). `queue` overrides the task's route. On the
    embedded default the slow queues' tasks run in the local worker's thread (portal/local_worker.py)."""

    def send() -> None:
        from portal import local_worker

        found: Task = import_string(task) if isinstance(task, str) else task
        if local_worker.takes(found, queue):
            local_worker.submit(found, args)
            return
        try:
            found.apply_async(args, queue=queue) if queue else found.delay(*args)
        except Exception as error:  # noqa: BLE001 - any failure to publish is recovered later, see above
            logger.warning(
                "%s%r not sent after commit (%s: %s); it will be sent later",
                found.name,
                args,
                type(error).__name__,
                error,
            )

    transaction.on_commit(send)
