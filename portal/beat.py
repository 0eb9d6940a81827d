"""The local beat: Celery beat's periodic work, in the web process, when no broker is configured.

With a broker, `celery beat` publishes CELERY_BEAT_SCHEDULE's tasks to the workers. Without one
(`make run` on SQLite, tasks eager) nothing would ever run them: the report summaries would stay
empty, undelivered outbox rows would wait for ever, late steps would not be marked. The local beat
runs the same schedule (the same entries and cadence, through Celery's own schedule objects and
their `is_due`) and the same task code (`Task.apply()`, in-process) in a daemon thread.

Where it starts, and why there: `portal/wsgi.py` starts it once it has built the application. That
module is imported only by a process that serves requests: runserver's serving child (its
autoreloading parent never imports it, so one reload means one beat, and the beat dies with the
child it belongs to) or a gunicorn worker. Management commands and the Celery processes never
import it; the tests turn it off (LOCAL_BEAT, tests/conftest.py) and drive LocalBeat directly.
Several serving processes on one machine (gunicorn with workers, no broker) take turns on a lock
file, so exactly one of them runs the schedule at a time.

It never runs when a broker is configured (real beat does that job) or when LOCAL_BEAT=false. A
task that raises is logged and the others go on; the failed entry runs again at its next time.
"""

import datetime
import fcntl
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from celery import schedules
from celery.schedules import BaseSchedule
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import close_old_connections

from portal.celery import app as celery_app

logger = logging.getLogger(__name__)

MAX_SLEEP = 30.0  # seconds between checks at most, whatever the schedule says


@dataclass
class Entry:
    """One entry of the schedule and when it last ran."""

    name: str
    task: str
    schedule: BaseSchedule
    last_run_at: datetime.datetime
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] | None = None


class LocalBeat:
    """CELERY_BEAT_SCHEDULE (or `schedule`) run in-process. Like Celery beat started afresh, each
    entry first runs one period after `started_at` (now by default)."""

    def __init__(
        self, schedule: Mapping[str, Mapping[str, Any]] | None = None, *, started_at: datetime.datetime | None = None
    ) -> None:
        started_at = started_at or celery_app.now()
        celery_app.autodiscover_tasks(force=True)  # the apps' tasks modules, which a worker imports by itself
        confs: Mapping[str, Mapping[str, Any]] = settings.CELERY_BEAT_SCHEDULE if schedule is None else schedule
        self.entries = [
            Entry(
                name=name,
                task=conf["task"],
                schedule=_schedule(conf["schedule"]),
                last_run_at=started_at,
                args=tuple(conf.get("args", ())),
                kwargs=dict(conf.get("kwargs", {})),
            )
            for name, conf in confs.items()
        ]
        unknown = [entry.task for entry in self.entries if entry.task not in celery_app.tasks]
        if unknown:
            raise ImproperlyConfigured(f"The beat schedule names tasks that do not exist: {', '.join(unknown)}")

    def tick(self) -> float:
        """Run every entry that is due, in the order of the schedule; returns the seconds until
        the next one is due. Never raises: a failing task is logged and the rest go on."""
        wait = MAX_SLEEP
        for entry in self.entries:
            try:
                due, next_in = entry.schedule.is_due(entry.last_run_at)
                if due:
                    entry.last_run_at = celery_app.now()
                    celery_app.tasks[entry.task].apply(args=entry.args, kwargs=entry.kwargs, throw=True)
            except Exception:
                logger.exception("local beat: %s (%s) failed; it runs again when next due", entry.name, entry.task)
                continue
            wait = min(wait, next_in)
        return max(wait, 0.5)

    def run(self, stop: threading.Event, lock_path: Path | None = None) -> None:
        """Tick until `stop` is set, holding the lock file while ticking (taken when free). Nothing
        ends the thread but `stop`: a failure outside the tasks (the lock file, the database
        connection) is logged and tried again, or the reports would silently stop for good."""
        lock: IO[str] | None = None
        while not stop.is_set():
            wait = MAX_SLEEP
            try:
                if lock is None and lock_path is not None:
                    lock = _try_lock(lock_path)
                if lock is not None or lock_path is None:
                    close_old_connections()
                    try:
                        wait = self.tick()
                    finally:
                        close_old_connections()
            except Exception:
                logger.exception("local beat: could not run the schedule; trying again in %d s", MAX_SLEEP)
            stop.wait(wait)


def _schedule(value: float | datetime.timedelta | BaseSchedule) -> BaseSchedule:
    """An entry's schedule as Celery beat reads it: seconds, a timedelta, or a schedule (crontab)."""
    if isinstance(value, BaseSchedule):
        value.app = celery_app
        return value
    every = value if isinstance(value, datetime.timedelta) else datetime.timedelta(seconds=value)
    return schedules.schedule(every, app=celery_app)


def _try_lock(path: Path) -> IO[str] | None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


def local_beat_start() -> threading.Event | None:
    """Start the local beat in a daemon thread when there is no broker (and LOCAL_BEAT is not
    false); returns the event that stops it, or None when it was not started."""
    if not settings.CELERY_TASK_ALWAYS_EAGER or not settings.LOCAL_BEAT:
        return None
    stop = threading.Event()
    beat = LocalBeat()
    lock_path = Path(settings.BASE_DIR) / "var" / "local-beat.lock"
    threading.Thread(target=beat.run, args=(stop, lock_path), name="local-beat", daemon=True).start()
    logger.info("No broker configured: the local beat runs CELERY_BEAT_SCHEDULE in this process.")
    return stop
