"""The local beat: with no broker (`make run`'s default), the web process runs beat's schedule
itself, so the province's reports follow the filings as they do on the full stack."""

import datetime
import logging
import os
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from celery import schedules
from django.conf import settings
from django.utils import timezone

from agencies.choices import UserRole
from cases import services
from cases.api.serializers import BundleCreateSerializer
from portal.beat import LocalBeat, local_beat_start
from portal.celery import app as celery_app
from reporting.models import ReceivedCount, SummaryCheck
from reporting.selectors import online_rate
from tests.cases.conftest import _fresh_rules_and_in_process_tasks, birth  # noqa: F401

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@celery_app.task(name="tests.portal.test_beat.failing_task")
def failing_task() -> None:
    raise RuntimeError("the summaries' database went away")


def file_today(partner, channel: str, n: int) -> None:
    today = timezone.localdate()
    data = birth(
        received_at=None, channel=channel, child__birth_certificate_number=f"B-{n}",
        child__date_of_birth=(today - datetime.timedelta(days=3)).isoformat(),
        procedures=["birth_registration", "health_insurance_card"], residence=None,
    )  # fmt: skip
    serializer = BundleCreateSerializer(data=data)
    assert serializer.is_valid(), serializer.errors
    services.bundle_file(user=partner, data=serializer.validated_data)


def test_the_local_beat_runs_beats_schedule_with_the_same_cadence():
    beat = LocalBeat()

    assert [(entry.name, entry.task) for entry in beat.entries] == [
        (name, conf["task"]) for name, conf in settings.CELERY_BEAT_SCHEDULE.items()
    ]
    cadence = {entry.name: getattr(entry.schedule, "run_every", None) for entry in beat.entries}
    assert cadence == {
        "outbox-sweep": datetime.timedelta(seconds=60),
        "supplements-expire": datetime.timedelta(hours=1),
        "lateness-record": datetime.timedelta(hours=1),
        "ladder-climb": datetime.timedelta(minutes=15),
        "summaries-update": datetime.timedelta(seconds=30),
        "summaries-rebuild": None,  # a crontab: 01:30 each night
        "health-notices-purge": None,  # a crontab: 02:15 each night
        "documents-sweep": datetime.timedelta(seconds=60),
        "reports-due": None,  # a crontab: 07:00 each morning
        "deliveries-due": datetime.timedelta(seconds=30),
    }
    purge = next(entry for entry in beat.entries if entry.name == "health-notices-purge")
    assert purge.schedule == settings.CELERY_BEAT_SCHEDULE["health-notices-purge"]["schedule"]


def test_in_a_fresh_web_process_every_task_of_the_schedule_is_found():
    """The web process imports no tasks module by itself (a worker does): the local beat must."""
    code = (
        "import django; django.setup(); from portal.beat import LocalBeat; "
        "print(' '.join(sorted(entry.task for entry in LocalBeat().entries)))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "SECRET_KEY": "x", "CELERY_BROKER_URL": ""}

    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)

    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == sorted(str(conf["task"]) for conf in settings.CELERY_BEAT_SCHEDULE.values())


def test_with_no_broker_a_filing_reaches_the_provinces_report_at_the_local_beats_next_tick(make_user, caplog):
    partner = make_user(UserRole.INTEGRATION, username="partner")
    province = make_user(UserRole.PROVINCIAL, username="province")
    file_today(partner, "online", 1)
    file_today(partner, "online", 2)
    file_today(partner, "direct", 3)
    today = timezone.localdate()
    first = today - datetime.timedelta(days=1)
    before = {row.code: row for row in online_rate(user=province, code=None, first=first, last=today).rows}
    assert (before["16690"].total, before["16690"].online) == (0, 0)  # what `make run` showed, beat never ran

    beat = LocalBeat(started_at=celery_app.now() - datetime.timedelta(seconds=31))
    with caplog.at_level(logging.ERROR, logger="portal.beat"):
        wait = beat.tick()

    after = {row.code: row for row in online_rate(user=province, code=None, first=first, last=today).rows}
    assert (after["16690"].total, after["16690"].online, after["16690"].rate) == (3, 2, Decimal("66.7"))
    assert sum(ReceivedCount.objects.filter(commune__code="16690").values_list("count", flat=True)) == 3
    assert SummaryCheck.objects.count() == 1
    assert 0 < wait <= 30  # the summaries are due again within 30 s
    assert caplog.records == []  # every task of the schedule ran


def test_a_task_that_raises_is_logged_and_the_rest_of_the_schedule_still_runs(make_user, caplog):
    partner = make_user(UserRole.INTEGRATION, username="partner")
    file_today(partner, "online", 1)
    beat = LocalBeat(
        {
            "failing": {"task": "tests.portal.test_beat.failing_task", "schedule": 30.0},
            "summaries-update": settings.CELERY_BEAT_SCHEDULE["summaries-update"],
        },
        started_at=celery_app.now() - datetime.timedelta(seconds=31),
    )

    with caplog.at_level(logging.ERROR, logger="portal.beat"):
        beat.tick()

    assert SummaryCheck.objects.count() == 1
    assert [record.getMessage() for record in caplog.records if record.name == "portal.beat"] == [
        "local beat: failing (tests.portal.test_beat.failing_task) failed; it runs again when next due"
    ]
    assert beat.tick() >= 0.5 and SummaryCheck.objects.count() == 1  # nothing is due again yet


def test_the_local_beat_never_starts_when_a_broker_is_configured_or_it_is_turned_off(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert local_beat_start() is None

    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.LOCAL_BEAT = False
    assert local_beat_start() is None


class BrokenSchedule(schedules.schedule):
    """A schedule that cannot say when it is due (as a crontab with a bad timezone would)."""

    def is_due(self, last_run_at):
        raise ValueError("no such timezone")


def test_a_schedule_that_raises_is_logged_and_the_rest_of_the_schedule_still_runs(make_user, caplog):
    partner = make_user(UserRole.INTEGRATION, username="partner")
    file_today(partner, "online", 1)
    beat = LocalBeat(
        {
            "broken": {"task": "tests.portal.test_beat.failing_task", "schedule": BrokenSchedule(30.0)},
            "summaries-update": settings.CELERY_BEAT_SCHEDULE["summaries-update"],
        },
        started_at=celery_app.now() - datetime.timedelta(seconds=31),
    )

    with caplog.at_level(logging.ERROR, logger="portal.beat"):
        wait = beat.tick()

    assert SummaryCheck.objects.count() == 1
    assert 0 < wait <= 30
    assert [record.getMessage() for record in caplog.records if record.name == "portal.beat"] == [
        "local beat: broken (tests.portal.test_beat.failing_task) failed; it runs again when next due"
    ]


def test_the_thread_outlives_a_lock_file_it_cannot_open_and_stops_when_told(tmp_path, caplog):
    (tmp_path / "var").write_text("a file where the lock's folder should be")
    beat = LocalBeat({})
    stop = threading.Event()
    thread = threading.Thread(target=beat.run, args=(stop, tmp_path / "var" / "local-beat.lock"), daemon=True)

    with caplog.at_level(logging.ERROR, logger="portal.beat"):
        thread.start()
        for _attempt in range(50):
            if caplog.records:
                break
            time.sleep(0.1)
        alive = thread.is_alive()
        stop.set()
        thread.join(timeout=5)

    assert alive
    assert not thread.is_alive()
    assert [record.getMessage() for record in caplog.records if record.name == "portal.beat"] == [
        "local beat: could not run the schedule; trying again in 30 s"
    ]


def test_the_test_process_serving_the_wsgi_application_starts_no_local_beat():
    import portal.wsgi  # noqa: F401  (what a server started inside a test imports)

    assert "local-beat" not in [thread.name for thread in threading.enumerate()]
