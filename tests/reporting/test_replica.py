"""The reports on a streaming replica (issue 16), for real: a throwaway primary cluster, a replica
made from it with pg_basebackup -R, and the portal in a process of its own (`_serve`, below) with
DATABASE_URL on the primary and DATABASE_REPLICA_URL on the replica, asked one command at a time.
The machine's own PostgreSQL is only the test database of the first tests, which need none."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import OperationalError, transaction
from django.db.models import Model

from portal import db_router
from tests.faults import harness

ANSWER = "REPLICA-TEST "  # the portal's answers on its stdout, one a line
MAX_LAG = 1  # DATABASE_REPLICA_MAX_LAG of the portal's process
CHECK = 0.2  # its DATABASE_REPLICA_CHECK_SECONDS


@pytest.fixture
def healthy_replica(monkeypatch: pytest.MonkeyPatch) -> list[Exception]:
    """A "replica" alias that is configured and healthy, without a server; the failures reported."""
    failed: list[Exception] = []
    monkeypatch.setattr(db_router, "replica_configured", lambda: True)
    monkeypatch.setattr(db_router, "replica_healthy", lambda: True)
    monkeypatch.setattr(db_router, "replica_failed", failed.append)
    return failed


@pytest.mark.django_db
def test_a_block_reads_the_replica_until_it_writes_or_opens_a_transaction(healthy_replica):
    router = db_router.ReplicaRouter()

    outside_before = router.db_for_read(Model)
    with db_router.replica_reads(inside_transaction=True):  # the test's own transaction is around it
        first = router.db_for_read(Model)
        with transaction.atomic():
            in_transaction = router.db_for_read(Model)
        after_transaction = router.db_for_read(Model)
        written = router.db_for_write(Model)
        after_write = router.db_for_read(Model)
    outside_after = router.db_for_read(Model)

    assert (outside_before, first, in_transaction, after_transaction, written, after_write, outside_after) == (
        "default", "replica", "default", "replica", "default", "default", "default"
    )  # fmt: skip
    assert healthy_replica == []


@pytest.mark.django_db
def test_a_block_in_a_transaction_reads_the_primary_unless_it_says_it_may(healthy_replica):
    router = db_router.ReplicaRouter()

    with db_router.replica_reads():
        strict = router.db_for_read(Model)
    with db_router.replica_reads(inside_transaction=True):
        allowed = router.db_for_read(Model)
    with db_router.primary_reads(), db_router.replica_reads(inside_transaction=True):
        pinned = router.db_for_read(Model)

    assert (strict, allowed, pinned) == ("default", "replica", "default")


def test_a_read_that_fails_on_the_replica_runs_again_on_the_primary(healthy_replica):
    router = db_router.ReplicaRouter()
    seen: list[str] = []

    @db_router.replica_reads()
    def report() -> str:
        alias = router.db_for_read(Model)
        seen.append(alias)
        if alias == "replica":
            raise OperationalError("server closed the connection unexpectedly")
        return alias

    assert report() == "default"
    assert seen == ["replica", "default"]
    assert [str(error) for error in healthy_replica] == ["server closed the connection unexpectedly"]


def test_without_a_replica_everything_reads_and_writes_the_primary():
    router = db_router.ReplicaRouter()

    with db_router.replica_reads():
        read, written = router.db_for_read(Model), router.db_for_write(Model)

    assert (read, written) == ("default", "default")
    assert router.allow_migrate("replica", "cases") is False
    assert router.allow_migrate("default", "cases") is None


# --- The real replica -------------------------------------------------------------------------


class Portal:
    """The portal's process (`_serve`), one command a line on its stdin, one JSON answer back."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        command = [sys.executable, "-m", "tests.reporting.test_replica"]
        self.process = subprocess.Popen(command, cwd=harness.ROOT, env=env, text=True, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=log.open("w"))  # fmt: skip
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith(ANSWER):
                self.lines.put(line.removeprefix(ANSWER))
        self.lines.put("")

    def ask(self, command: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        try:
            line = self.lines.get(timeout=60)
        except queue.Empty:
            line = ""
        assert line, f"no answer to {command}: {self.log.read_text()[-3000:]}"
        answer: dict[str, Any] = json.loads(line)
        return answer

    def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _replica_of(primary: harness.Cluster) -> harness.Cluster:
    """A streaming replica of `primary` (pg_basebackup -R writes its primary_conninfo), started."""
    replica = harness.Cluster()
    replica.port = harness.free_port()  # FAULTS_PG_PORT, when set, is the primary's
    replica.server = f"postgresql://postgres@127.0.0.1:{replica.port}"
    replica.run(str(harness.PG_BIN / "pg_basebackup"), "-D", str(replica.data), "-R", "-X", "stream", "-c", "fast",
                "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres")  # fmt: skip
    replica.start()
    return replica


@pytest.fixture
def clusters() -> Iterator[tuple[harness.Cluster, harness.Cluster]]:
    """A primary with the portal's database `lienthong` prepared, and its replica."""
    primary = harness.Cluster()
    replica: harness.Cluster | None = None
    try:
        primary.init()
        harness.prepare(harness.recreate(primary.server, "lienthong"))
        replica = _replica_of(primary)
        yield primary, replica
    finally:
        if replica is not None:
            replica.destroy()
        primary.destroy()


def _value(connection: psycopg.Connection[Any], sql: str, *params: object) -> Any:
    row = connection.execute(sql, params).fetchone()
    assert row is not None
    return row[0]


def _caught_up(primary: psycopg.Connection[Any], replica: psycopg.Connection[Any]) -> Callable[[], bool]:
    """Whether the replica has replayed everything the primary had written when this was called."""
    lsn = _value(primary, "SELECT pg_current_wal_lsn()::text")
    return lambda: bool(_value(replica, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", lsn))


needs_postgres = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    or not (harness.PG_BIN / "pg_basebackup").exists(),
    reason="a streaming replica needs PostgreSQL (DATABASE_URL) and its server binaries",
)


@needs_postgres
def test_the_dashboard_reads_the_replica_while_it_keeps_up_and_the_primary_otherwise(clusters, tmp_path):
    primary_cluster, replica_cluster = clusters
    stack = harness.Stack("replica", f"{primary_cluster.server}/lienthong", "")
    env = stack.env(
        DATABASE_REPLICA_URL=f"postgres://postgres@127.0.0.1:{replica_cluster.port}/lienthong",
        DATABASE_REPLICA_MAX_LAG=str(MAX_LAG),
        DATABASE_REPLICA_CHECK_SECONDS=str(CHECK),
        DJANGO_SETTINGS_MODULE="portal.settings",
    )
    for name in ("CELERY_BROKER_URL", "CACHE_URL"):  # tasks in-process, the reports' cache its own
        env.pop(name, None)
    primary = psycopg.connect(f"{primary_cluster.server}/lienthong", autocommit=True)
    replica = psycopg.connect(f"{replica_cluster.server}/lienthong", autocommit=True)
    primary.execute("CREATE TABLE heartbeat (at timestamptz)")
    portal = Portal(env, tmp_path / "portal.log")
    try:
        # (a) Caught up, after more than the allowed lag without a write (no false lag on an idle
        # primary): the report is read from the replica; filing a dossier only writes the primary.
        filed = portal.ask("file")
        harness.wait_until(_caught_up(primary, replica), 10, "the replica replays the filing", step=0.05)
        time.sleep(MAX_LAG + 0.5)
        caught_up = portal.ask("dashboard")
        checked = time.monotonic()

        assert filed["replica"] == []
        assert {"cases_bundle", "reporting_receivedcount"} <= set(filed["primary"])
        assert (caught_up["status"], caught_up["dossiers"], caught_up["lag"]) == (200, 1, 0.0)
        assert "reporting_receivedcount" in caught_up["replica"]
        assert "reporting_receivedcount" not in caught_up["primary"]

        # (b) Replay paused just after a commit, a second dossier filed on the primary: within the
        # allowed lag the page shows the replica's count; past it, the primary's.
        primary.execute("INSERT INTO heartbeat VALUES (now())")  # a commit the replica replays, then stops
        harness.wait_until(_caught_up(primary, replica), 10, "the replica replays the commit", step=0.05)
        replica.execute("SELECT pg_wal_replay_pause()")
        paused = time.monotonic()
        portal.ask("file")
        time.sleep(max(0.0, CHECK + 0.05 - (time.monotonic() - checked)))  # the last verdict expires
        behind = portal.ask("dashboard")
        time.sleep(max(0.0, MAX_LAG + CHECK - (time.monotonic() - paused)))
        too_far = portal.ask("dashboard")

        assert (behind["status"], behind["dossiers"]) == (200, 1)
        assert 0 < behind["lag"] < MAX_LAG
        assert "reporting_summarycheck" in behind["replica"]
        assert "reporting_summarycheck" not in behind["primary"]
        assert (too_far["status"], too_far["dossiers"], too_far["replica"]) == (200, 2, [])
        assert too_far["lag"] > MAX_LAG

        # Replay resumed: the replica catches up and serves the new count.
        replica.execute("SELECT pg_wal_replay_resume()")
        harness.wait_until(_caught_up(primary, replica), 10, "the replica catches up", step=0.05)
        time.sleep(CHECK + 0.05)
        resumed = portal.ask("dashboard")

        assert (resumed["status"], resumed["dossiers"], resumed["lag"]) == (200, 2, 0.0)
        assert "reporting_summarycheck" in resumed["replica"]

        # (c) The replica stopped: the page still answers, from the primary; also while this
        # process still takes it for healthy (its read fails and runs again on the primary).
        replica.close()
        replica_cluster.run(str(harness.PG_BIN / "pg_ctl"), "-D", str(replica_cluster.data), "-w", "-m", "immediate",
                            "stop")  # fmt: skip
        stale = portal.ask("dashboard stale")
        down = portal.ask("dashboard")

        assert (stale["status"], stale["dossiers"], stale["failed"], stale["lag"]) == (200, 2, 1, None)
        assert (down["status"], down["dossiers"], down["failed"], down["lag"], down["replica"]) == (200, 2, 0, None, [])
        assert "reporting_summarycheck" in down["primary"]
    finally:
        portal.stop()
        primary.close()
        replica.close()


def _serve() -> None:
    """The portal's side: `file` files a birth dossier online in commune 16690 as the integration
    client and refreshes the summaries (beat's job); `dashboard` gets /reports/ as provincial
    staff of Nghệ An (`dashboard stale`: with the last verdict on the replica taken as fresh).
    Each answer has the tables each database answered about, how many statements the replica
    failed, and the lag the router last measured (seconds; None: the replica did not answer)."""
    import re

    import django

    django.setup()
    from django.db import connections
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from agencies.choices import UserRole
    from agencies.models import User
    from agencies.selectors import unit_get_on
    from reporting.summaries import summaries_update
    from tests.reporting.test_rates import file

    setup_test_environment()  # the test client's host, the response's template context
    today = timezone.localdate()
    partner = User.objects.get(username="faults.integration")
    province = User.objects.create(
        username="replica.province", role=UserRole.PROVINCIAL, province=unit_get_on(code="40", on=today)
    )
    client = Client()
    client.force_login(province)
    filed = 0

    def recorder(tables: set[str], failures: list[Exception]) -> Callable[..., Any]:
        def record(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
            try:
                result = execute(sql, params, many, context)
            except Exception as error:
                failures.append(error)
                raise
            tables.update(re.findall(r'(?:FROM|JOIN|INTO|UPDATE) "(\w+)"', sql))
            return result

        return record

    for line in sys.stdin:
        command = line.strip()
        tables: dict[str, set[str]] = {"primary": set(), "replica": set()}
        failures: list[Exception] = []
        answer: dict[str, Any] = {}
        with (
            connections["default"].execute_wrapper(recorder(tables["primary"], [])),
            connections["replica"].execute_wrapper(recorder(tables["replica"], failures)),
        ):
            if command == "file":
                filed += 1
                file(partner, "16690", timezone.now().isoformat(), "online", filed)
                summaries_update()
            elif command.startswith("dashboard"):
                if command == "dashboard stale":
                    db_router._health.checked = time.monotonic()
                response = client.get("/reports/")
                answer["status"] = response.status_code
                answer["dossiers"] = response.context["report"].total.total if response.status_code == 200 else None
        answer.update({name: sorted(names) for name, names in tables.items()})
        answer.update(failed=len(failures), lag=db_router.replica_lag())
        print(ANSWER + json.dumps(answer), flush=True)


if __name__ == "__main__":
    _serve()
