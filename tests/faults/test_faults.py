"""The eight faults of issue 11 and the killed delivery of issue 15, against real processes
(`make faults`): gunicorn serving the portal, Celery workers and beat, Redis and PostgreSQL,
clients over HTTP with API tokens. Each test breaks something, lets the system recover, then
checks the invariants with SQL (tests/faults/invariants.py) and prints
`FAULT <name>: attempted N, lost L, doubled D`."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import requests
from redis import Redis as RedisClient

from tests.faults import harness, invariants

COMPLETE = {"result": {"register_number": "KS-123/2026", "personal_id_number": "040326001122"}}


def verdict(
    name: str, dsn: str, attempted: int, lost: int = 0, doubled: int = 0, problems: list[str] | None = None
) -> None:
    """Print the FAULT line (the test's own lost/doubled plus the invariants') and assert on it."""
    report = invariants.check(dsn)
    lost, doubled = lost + report.lost, doubled + report.doubled
    print(f"\nFAULT {name}: attempted {attempted}, lost {lost}, doubled {doubled}", flush=True)
    violations = [*(problems or []), *report.violations]
    assert (lost, doubled, violations) == (0, 0, []), "\n".join(violations)


def file_all(
    stack: harness.Stack,
    count: int,
    prefix: str,
    *,
    during: Callable[[int], None] | None = None,
    threads: int = 4,
    tolerated: frozenset[int] = frozenset(),
    met: list[str] | None = None,
) -> tuple[list[str], list[str]]:
    """File `count` birth dossiers over HTTP, each with its own Idempotency-Key, from `threads`
    clients; a client whose filing fails (an error answer or no answer) sends it again with the same
    key until it is answered 200/201 (90 s at most). `during(n)` runs once n filings were answered.
    Returns the certificate numbers and the problems: filings never accepted, and answers other
    than 200/201 and the `tolerated` ones (a committed filing must answer success, a database
    that is down 503). `met` collects every answer that was not a success, and every request that
    got none: the proof that the fault struck."""
    client = stack.client("faults.integration")
    filings = [harness.birth_filing(number, prefix) for number in range(count)]
    answered = 0
    lock = threading.Lock()
    problems: list[str] = []

    def one(filing: tuple[str, dict[str, Any]]) -> None:
        nonlocal answered
        certificate, body = filing
        deadline = time.monotonic() + 90
        last = ""
        while time.monotonic() < deadline:
            try:
                response = client.post("/api/v1/bundles/", body, **{"Idempotency-Key": f"key-{certificate}"})
                if response.status_code in (200, 201):
                    break
                last = f"{response.status_code} {response.text[:200]}"
                if met is not None:
                    met.append(str(response.status_code))
                if response.status_code not in tolerated:
                    with lock:
                        problems.append(f"filing {certificate} answered {last}")
            except requests.RequestException as error:
                last = str(error)[:200]
                if met is not None:
                    met.append("no answer")
                with lock:
                    problems.append(f"filing {certificate} got no answer: {last}")
            time.sleep(0.5)
        else:
            problems.append(f"filing {certificate} never accepted: {last}")
        with lock:
            answered += 1
            now = answered
        if during is not None:
            during(now)

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, filings))
    return [certificate for certificate, _ in filings], problems


def waiting_on_lock(stack: harness.Stack) -> bool:
    return bool(
        stack.sql(
            "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            " AND pid <> pg_backend_pid()"
        )
    )


def test_worker_process_killed_mid_task(stack: harness.Stack) -> None:
    """(a) A pool process is killed (-9) while it holds a hand-off: acks_late and
    reject_on_worker_lost hand the message to another process. No sweeper runs here: the
    redelivery alone must do it. The test holds every bundle's row lock so the process is inside
    the task (waiting for the lock) when it is killed."""
    stack.gunicorn()
    certificates, problems = file_all(stack, 3, "A")  # published; no worker consumes them yet
    killed = 0
    with psycopg.connect(stack.dsn) as holder:
        holder.execute("SELECT id FROM cases_bundle FOR UPDATE")
        worker = stack.worker(concurrency=1)
        harness.wait_until(lambda: waiting_on_lock(stack), 60, "a worker process inside a delivery")
        for pid in worker.children():
            os.kill(pid, signal.SIGKILL)
            killed += 1
        time.sleep(1)
        holder.rollback()
    assert killed == 1
    stack.settled()
    if "WorkerLostError" not in worker.log.read_text():
        problems.append("the killed process held no task (no WorkerLostError in the worker's log)")
    attempted = invariants.scalar(stack.dsn, "SELECT count(*) FROM cases_outbox")
    lost, doubled = invariants.filings(stack.dsn, certificates)
    verdict("worker process killed mid-task", stack.dsn, attempted, lost, doubled, problems)


def test_whole_worker_killed_during_completions(stack: harness.Stack) -> None:
    """(b) The whole worker (main process and pool) is killed during a burst of completions and
    started again; what it had taken is published again by the outbox sweeper (beat)."""
    stack.gunicorn()
    worker = stack.worker()
    stack.beat()
    file_all(stack, 16, "B")
    stack.settled()
    steps = [row[0] for row in stack.sql("SELECT id FROM cases_step WHERE procedure_id = 'birth_registration'")]
    officers = [stack.client("faults.officer1"), stack.client("faults.officer2")]
    answers: list[int] = []
    done = threading.Event()

    broker = RedisClient.from_url(stack.redis_url)
    in_flight: list[int] = []

    def complete(index_step: tuple[int, int]) -> None:
        index, step = index_step
        answers.append(officers[index % 2].post(f"/api/v1/steps/{step}/complete/", COMPLETE).status_code)
        if index == 5:  # mid-burst, once the worker holds a message it has not acknowledged
            harness.wait_until(lambda: broker.hlen("unacked") > 0, 30, "a message held by the worker")
            in_flight.append(broker.hlen("unacked"))
            worker.kill()  # the whole group
            done.set()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(complete, enumerate(steps)))
    assert done.is_set() and in_flight[0] >= 1  # the fault struck: the killed worker held a message
    print(f"\nstruck: the killed worker held {in_flight[0]} unacknowledged message(s)", flush=True)
    stack.worker(name="worker-again")
    stack.settled(120)
    problems = [f"completion answered {code}" for code in answers if code != 200]
    lost = invariants.scalar(
        stack.dsn, "SELECT count(*) FROM cases_step WHERE procedure_id = 'birth_registration' AND state <> 'done'"
    )
    verdict("whole worker killed during completions", stack.dsn, len(steps), lost, 0, problems)


def test_broker_killed_and_restarted_empty(stack: harness.Stack, redis: harness.Redis) -> None:
    """(c) Redis is killed during a burst of filings and comes back empty; clients retry with the
    same Idempotency-Key; the sweeper publishes again what was committed but never delivered."""
    web = stack.gunicorn()
    stack.worker()
    stack.beat()

    def during(answered: int) -> None:
        if answered == 5:
            redis.kill()
        elif answered == 8:
            redis.start()

    certificates, problems = file_all(stack, 20, "C", during=during)
    if redis.process is None:
        redis.start()
    stack.settled(120)
    failed = web.log.read_text().count("not sent after commit")
    assert failed >= 1  # the fault struck: a filing committed while its publish failed (swept later)
    print(f"\nstruck: {failed} publish(es) failed after their commit", flush=True)
    lost, doubled = invariants.filings(stack.dsn, certificates)
    verdict("broker killed and restarted empty", stack.dsn, len(certificates), lost, doubled, problems)


def test_database_crashed_during_filings(cluster: harness.Cluster, redis: harness.Redis) -> None:
    """(d) PostgreSQL (a throwaway cluster) crashes during a burst of filings (its postmaster
    killed -9, then started again: crash recovery); clients retry failed filings with the same
    Idempotency-Key. Requests met the outage and were answered 503 (or not at all)."""
    stack = harness.Stack("database_restarted", f"{cluster.server}/lienthong", redis.url)
    try:
        stack.gunicorn()
        stack.worker()
        stack.beat()
        restarted = threading.Event()

        met: list[str] = []

        def during(answered: int) -> None:
            if answered == 6:
                cluster.crash()
                restarted.set()

        certificates, problems = file_all(stack, 20, "D", during=during, tolerated=frozenset({503}), met=met)
        assert restarted.is_set()
        assert met and set(met) <= {"503", "no answer"}, met  # the fault struck, and was told as 503
        print(f"\nstruck: {len(met)} request(s) met the crash ({', '.join(sorted(set(met)))})", flush=True)
        stack.settled(120)
        lost, doubled = invariants.filings(stack.dsn, certificates)
        verdict("database crashed during filings", stack.dsn, len(certificates), lost, doubled, problems)
    finally:
        stack.stop()


def test_hand_off_delivered_twice(stack: harness.Stack) -> None:
    """(e) Every hand-off is published three times before any worker runs (one by the portal, then
    each message alone and all of them in one task), and two pool processes deliver them."""
    stack.gunicorn()
    certificates, problems = file_all(stack, 8, "E")
    pks = [row[0] for row in stack.sql("SELECT id FROM cases_outbox ORDER BY id")]
    for pk in pks:
        stack.publish_delivery(pk)
    stack.publish_delivery(*pks)
    stack.worker(concurrency=2)
    stack.settled()
    lost, doubled = invariants.filings(stack.dsn, certificates)
    verdict("hand-off delivered twice", stack.dsn, 3 * len(pks), lost, doubled, problems)


def test_two_officers_on_one_step(stack: harness.Stack) -> None:
    """(f) Two officers act on one step at the same moment over HTTP: claim/claim on half the
    dossiers, complete/complete on the other half. Exactly one wins each race, the other gets 409."""
    stack.gunicorn()
    stack.worker()
    file_all(stack, 12, "F")
    stack.settled()
    steps = [row[0] for row in stack.sql("SELECT id FROM cases_step WHERE procedure_id = 'birth_registration'")]
    officers = [stack.client("faults.officer1"), stack.client("faults.officer2")]
    problems: list[str] = []
    for index, step in enumerate(steps):
        action = "claim" if index % 2 == 0 else "complete"
        barrier = threading.Barrier(2)

        def act(officer: harness.Client, step: int = step, action: str = action, barrier=barrier) -> int:
            barrier.wait()
            return officer.post(f"/api/v1/steps/{step}/{action}/", COMPLETE if action == "complete" else {}).status_code

        with ThreadPoolExecutor(2) as pool:
            codes = sorted(pool.map(act, officers))
        if codes != [200, 409]:
            problems.append(f"{action}/{action} on step {step} answered {codes}")
    stack.settled()
    lost = invariants.scalar(
        stack.dsn,
        "SELECT count(*) FROM cases_step WHERE procedure_id = 'birth_registration'"
        " AND state NOT IN ('in_progress', 'done')",
    )
    doubled = invariants.scalar(
        stack.dsn,
        "SELECT count(*) FROM (SELECT step_id FROM cases_event WHERE action IN ('claimed', 'completed')"
        " GROUP BY step_id, action HAVING count(*) > 1) twice",
    )
    verdict("two officers on one step", stack.dsn, 2 * len(steps), lost, doubled, problems)


def test_same_idempotency_key_sequentially(stack: harness.Stack) -> None:
    """(g) The same filing with the same Idempotency-Key five times in a row: one dossier, the
    first answer 201, the others 200 with the same dossier."""
    stack.gunicorn()
    stack.worker()
    client = stack.client("faults.integration")
    filings = [harness.birth_filing(number, "G") for number in range(4)]
    problems: list[str] = []
    for certificate, body in filings:
        answers = [client.post("/api/v1/bundles/", body, **{"Idempotency-Key": f"key-{certificate}"}) for _ in range(5)]
        codes = [answer.status_code for answer in answers]
        dossiers = {answer.json().get("code") for answer in answers}
        if codes != [201, 200, 200, 200, 200] or len(dossiers) != 1:
            problems.append(f"{certificate}: answers {codes}, dossiers {sorted(map(str, dossiers))}")
    stack.settled()
    lost, doubled = invariants.filings(stack.dsn, [certificate for certificate, _ in filings])
    verdict("same Idempotency-Key sequentially", stack.dsn, 5 * len(filings), lost, doubled, problems)


def test_same_idempotency_key_five_at_once(stack: harness.Stack) -> None:
    """(g) The same filing with the same Idempotency-Key five times at once: one dossier, every
    answer a success (one 201, four 200) with that dossier."""
    stack.gunicorn()
    stack.worker()
    clients = [stack.client("faults.integration") for _ in range(5)]
    filings = [harness.birth_filing(number, "H") for number in range(6)]
    problems: list[str] = []
    for certificate, body in filings:
        barrier = threading.Barrier(5)

        def send(client: harness.Client, body=body, certificate=certificate, barrier=barrier) -> requests.Response:
            barrier.wait()
            return client.post("/api/v1/bundles/", body, **{"Idempotency-Key": f"key-{certificate}"})

        with ThreadPoolExecutor(5) as pool:
            answers = list(pool.map(send, clients))
        codes = sorted(answer.status_code for answer in answers)
        dossiers = {answer.json().get("code") for answer in answers}
        if codes != [200, 200, 200, 200, 201] or len(dossiers) != 1:
            problems.append(f"{certificate}: answers {codes}, dossiers {sorted(map(str, dossiers))}")
    stack.settled()
    lost, doubled = invariants.filings(stack.dsn, [certificate for certificate, _ in filings])
    verdict("same Idempotency-Key five at once", stack.dsn, 5 * len(filings), lost, doubled, problems)


def test_worker_killed_mid_delivery_to_the_national_portal(stack: harness.Stack, tmp_path) -> None:
    """(i) The pool process sending a status change to the national portal is killed (-9) while
    the portal (its emulator, tests/peers/national_portal.py) holds the DongBoHoSoMC call open: the
    change was received but never recorded as delivered, so it is sent again with the same delivery
    id (now as an update: TraCuuHoSo finds the dossier). Every change arrives, once repeats are
    dropped, in the order it was written for its dossier, and is delivered."""
    from tests.peers import NationalPortal

    portal = NationalPortal(harness.free_port(), tmp_path / "national.jsonl").start(delay=(30.0, 1))
    env = {
        "NATIONAL_PORTAL_URL": portal.url,
        "NATIONAL_PORTAL_AUTH_URL": portal.auth_url,
        **{f"NATIONAL_PORTAL_{key.upper()}": value for key, value in portal.ACCOUNT.items()},
        "OUTBOUND_RETRY_BASE": "1",
        "OUTBOUND_SWEEP_INTERVAL": "1",
    }
    try:
        stack.gunicorn(**env)
        client = stack.client("faults.integration")
        for number in range(3):
            _certificate, body = harness.birth_filing(number, "I")
            body["national_code"], body["national_procedure_code"] = f"G22.99-I-{number}", "1.001193"
            assert client.post("/api/v1/bundles/", body).status_code == 201
        worker = stack.worker(concurrency=1, **env)
        stack.beat(**env)
        harness.wait_until(lambda: bool(portal.calls("DongBoHoSoMC")), 60, "a status call in flight")
        for pid in worker.children():
            os.kill(pid, signal.SIGKILL)
        stack.settled()
        undelivered = "SELECT 1 FROM outbound_delivery WHERE state <> 'delivered'"
        harness.wait_until(lambda: not stack.sql(undelivered), 120, "every change sent")
        written = {str(row[0]): row[1] for row in stack.sql("SELECT id, bundle_id FROM outbound_delivery")}
        synchronised = portal.calls("DongBoHoSoMC")
        received = [request["headers"]["X-Lienthong-Delivery"] for request in synchronised]
        first_arrivals = list(dict.fromkeys(received))  # a repeated delivery id is dropped
        problems = [f"refused: {r['answer']}" for r in portal.requests() if str(r["answer"].get("error_code")) != "0"]
        for bundle in set(written.values()):
            arrived = [delivery for delivery in first_arrivals if written.get(delivery) == bundle]
            order = "SELECT id FROM outbound_delivery WHERE bundle_id = %s ORDER BY position, created_at"
            created = [str(row[0]) for row in stack.sql(order, bundle)]
            if arrived != created:
                problems.append(f"dossier {bundle}: arrived in the order {arrived}, written {created}")
        repeats = len(received) - len(first_arrivals)
        if repeats < 1:
            problems.append("the killed delivery was not sent again (no repeat reached the portal)")
        lost = len(set(written) - set(received))
        verdict("worker killed mid-delivery to the national portal", stack.dsn, len(written), lost, 0, problems)
    finally:
        portal.stop()
