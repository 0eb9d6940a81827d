"""What a committed change answers when what follows the commit fails or races: a broker that
cannot be reached, and the same Idempotency-Key sent several times at once."""

import logging
import socket
import threading

import pytest
from django.core.management import call_command
from django.db import connections
from rest_framework.test import APIClient

from cases import rules
from cases.models import Bundle, Event, IdempotencyRecord, Outbox, Step
from portal.celery import app as celery_app
from tests.cases.conftest import birth

BIRTH_RESULT = {"register_number": "KS-123/2026", "personal_id_number": "040326001122"}


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    """These tests commit (other threads must see their rows), so they load what they need."""
    call_command("load_reference_data", verbosity=0)
    rules.clear_cache()


@pytest.fixture
def broker_down():
    """Tasks go to a broker address where nothing listens (a port this test bound and closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    conf = celery_app.conf
    names = ("task_always_eager", "broker_url", "broker_write_url", "broker_connection_timeout")
    saved = {name: conf[name] for name in names}
    nowhere = f"redis://127.0.0.1:{port}/0"
    conf.update(task_always_eager=False, broker_url=nowhere, broker_write_url=nowhere, broker_connection_timeout=1)
    celery_app._after_fork()  # type: ignore[attr-defined]  # forget the real broker's connections, as a fork does
    yield
    celery_app._after_fork()  # type: ignore[attr-defined]
    conf.update(saved)


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_a_committed_filing_and_completion_answer_success(
    broker_down, api, integration, officer, caplog
):
    caplog.set_level(logging.WARNING, logger="portal.celery")

    filed = api(integration).post("/api/v1/bundles/", birth(), format="json")

    assert filed.status_code == 201, filed.content
    bundle = Bundle.objects.get(code=filed.json()["code"])
    first = bundle.steps.get(procedure_id="birth_registration")
    completed = api(officer("civil_status")).post(f"/api/v1/steps/{first.pk}/complete/", {"result": BIRTH_RESULT})
    assert completed.status_code == 200, completed.content
    assert first.__class__.objects.get(pk=first.pk).state == "done"
    # Nothing was delivered: the rows wait for the sweeper, and each failed publish said so once.
    # filed: step.ready and bundle.filed; completed: step.done (issue 13) and two step.ready
    assert Outbox.objects.filter(delivered_at__isnull=True).count() == Outbox.objects.count() == 5
    logged = [record.args[1] for record in caplog.records if "not sent after commit" in record.getMessage()]
    assert sorted(pk for pks in logged for pk in pks) == sorted(Outbox.objects.values_list("pk", flat=True))


@pytest.mark.django_db(transaction=True)
def test_five_requests_with_one_idempotency_key_at_once_answer_like_the_first(integration):
    barrier = threading.Barrier(5)
    answers: list[tuple[int, str]] = []

    def send() -> None:
        client = APIClient()
        client.force_authenticate(integration)
        try:
            barrier.wait()
            response = client.post("/api/v1/bundles/", birth(), format="json", HTTP_IDEMPOTENCY_KEY="key-1")
            answers.append((response.status_code, response.json().get("code", response.content.decode())))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(answers) == 5, answers
    code = Bundle.objects.get().code
    assert sorted(answers) == [(200, code)] * 4 + [(201, code)]
    assert IdempotencyRecord.objects.count() == 1
    assert Step.objects.count() == 3
    assert Event.objects.filter(action="filed").count() == 1
