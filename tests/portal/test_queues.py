"""A queue per kind of work (issue 16): each task goes to its kind's queue, so a worker that takes
only hand-offs is never held up by a report, a mail server or a burst of documents to sign; a
worker started without --queues takes every queue."""

import pytest
from django.conf import settings

from portal.celery import app


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("cases.tasks.outbox_deliver_task", "default"),  # the hand-offs (notices: published to "notices")
        ("cases.tasks.outbox_sweep_task", "default"),
        ("cases.tasks.lateness_record_task", "default"),
        ("signing.tasks.document_sign_task", "signing"),
        ("outbound.tasks.deliveries_send_task", "outbound"),
        ("reporting.tasks.summaries_update_task", "reports"),
        ("reporting.tasks.reports_due_task", "reports"),
    ],
)
def test_each_task_goes_to_its_kinds_queue(task, queue):
    assert app.amqp.router.route({}, task)["queue"].name == queue


def test_a_worker_without_queues_takes_them_all():
    assert [queue.name for queue in app.conf.task_queues] == list(settings.WORKER_QUEUES)
    assert app.conf.task_default_queue == "default"
