"""The local worker: on the embedded default, the slow queues' tasks run beside the request, not in it.

With no broker, tasks are eager: `send_on_commit` runs them in the request's own thread once its
transaction commits. For a hand-off that is what we want (a few inserts), but signing a document
lays out a PDF, opens a key, asks the timestamp authority and the revocation servers: seconds, the
first time more than ten, while the person waits on a page that never says "being signed". So the
tasks routed to LOCAL_WORKER_QUEUES (the "signing" queue) go to one daemon thread of the serving
process, in the order asked, and the request answers at once, as on the full stack (202, the page
that looks again by itself). The task code is the same (`Task.apply()`); a task that raises is
logged and the sweeper (documents-sweep, run by the local beat) hands it out again later.

`local_worker_start()` (portal/wsgi.py, beside the local beat) also warms what can be warmed
before the first person asks: WeasyPrint's fonts and pyHanko's modules, in that same thread.
It never runs when a broker is configured or when LOCAL_WORKER=false (the tests: they run tasks
in-process to see their result at once).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from celery import Task, current_app
from django.conf import settings
from django.db import close_old_connections, connections

logger = logging.getLogger(__name__)

_executor: ThreadPoolExecutor | None = None


def active() -> bool:
    return bool(current_app.conf.task_always_eager and settings.LOCAL_WORKER)  # the portal's Celery app


def takes(task: Task, queue: str | None = None) -> bool:
    """Whether `task` (on `queue`, else on its route) runs in the local worker's thread."""
    if not active():
        return False
    queue = queue or task.app.amqp.router.route({}, task.name)["queue"].name
    return queue in settings.LOCAL_WORKER_QUEUES


def submit(task: Task, args: tuple[object, ...]) -> Future[None]:
    return _submit(lambda: task.apply(args, throw=True), name=task.name)


def local_worker_start() -> None:
    """Warm the signing path in the worker's thread, so the first document is quick too."""
    if active():
        _submit(_warm, name="warm-up")


def _submit(job: Callable[[], object], *, name: str) -> Future[None]:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="local-worker")

    def run() -> None:
        close_old_connections()
        try:
            job()
        except Exception:  # logged; the sweepers hand the work out again
            logger.exception("local worker: %s failed; it will be tried again later", name)
        finally:
            connections.close_all()

    return _executor.submit(run)


def _warm() -> None:
    import pyhanko.sign.signers  # noqa: F401  (imported once, here, not in the first document)
    from weasyprint import HTML

    HTML(string="<p>Cổng liên thông</p>").write_pdf()  # WeasyPrint loads its fonts once per process
