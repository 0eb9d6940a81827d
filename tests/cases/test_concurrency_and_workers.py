"""What only real concurrency and a real broker can show: two officers racing for one step (on
PostgreSQL, and on SQLite, whose test database is then a file so that two connections really
contend), and hand-offs delivered by a real Celery worker through Redis (skipped on SQLite or
without a broker; CI runs it)."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection, connections

from cases import services
from cases.models import Bundle, Event, Notification, Outbox, Step
from portal.celery import app as celery_app
from portal.errors import Conflict
from tests.cases.conftest import birth

ROOT = Path(__file__).resolve().parents[2]
BIRTH_RESULT = {"register_number": "KS-123/2026", "personal_id_number": "040326001122"}


@pytest.fixture
def filed(transactional_db, api, integration):
    """A committed birth bundle (the other threads and processes must see it)."""
    call_command("load_reference_data", verbosity=0)
    from cases import rules

    rules.clear_cache()
    response = api(integration).post("/api/v1/bundles/", birth(), format="json")
    assert response.status_code == 201, response.json()
    return Bundle.objects.get(code=response.json()["code"])


@pytest.mark.django_db(transaction=True)
def test_two_officers_completing_one_step_at_once_exactly_one_wins(filed, officer, make_user):
    first = filed.steps.get(procedure_id="birth_registration")
    officers = [officer("civil_status"), make_user("officer", agency_role="civil_status", username="second")]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(user):
        try:
            barrier.wait()
            services.step_complete(user=user, step_pk=first.pk, result=BIRTH_RESULT)
            outcomes.append("won")
        except Conflict:
            outcomes.append("409")
        except OperationalError as error:  # SQLite's "database is locked" without a busy timeout
            outcomes.append(str(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=act, args=(user,)) for user in officers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["409", "won"]
    assert Event.objects.filter(bundle=filed, action="completed").count() == 1
    assert Event.objects.filter(bundle=filed, action="unlocked").count() == 3
    assert Step.objects.filter(bundle=filed, state="ready").count() == 2


@pytest.mark.skipif(
    not (os.environ.get("CELERY_BROKER_URL") and os.environ.get("DATABASE_URL", "").startswith("postgres")),
    reason="needs Redis and PostgreSQL (CI sets CELERY_BROKER_URL and DATABASE_URL)",
)
@pytest.mark.django_db(transaction=True)
def test_hand_offs_are_delivered_once_by_a_real_worker(filed, officer):
    celery_app.conf.task_always_eager = False  # the autouse fixture puts it back
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "DATABASE_POOL": "false",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "--concurrency=1",
         "--loglevel=WARNING", "--without-heartbeat", "--without-mingle", "--without-gossip"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        first = filed.steps.get(procedure_id="birth_registration")
        services.step_complete(user=officer("civil_status"), step_pk=first.pk, result=BIRTH_RESULT)
        # A duplicate delivery of every message, as a broker may do after a lost acknowledgement.
        for pk in Outbox.objects.values_list("pk", flat=True):
            celery_app.send_task("cases.tasks.outbox_deliver_task", args=[pk])

        deadline = time.monotonic() + 60
        while Outbox.objects.filter(delivered_at__isnull=True).exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)  # let the duplicates arrive too

        assert Outbox.objects.filter(delivered_at__isnull=True).count() == 0
        assert sorted(
            Notification.objects.filter(outbox__topic="step.ready").values_list("step__procedure_id", flat=True)
        ) == ["birth_registration", "health_insurance_card", "permanent_residence"]
        assert Step.objects.filter(bundle=filed, handed_off_at__isnull=True).count() == 0
        assert Event.objects.filter(bundle=filed, action="handed_off").count() == 3
        assert Notification.objects.count() == Outbox.objects.count()
    finally:
        worker.terminate()
        worker.wait(timeout=30)
