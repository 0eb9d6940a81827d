"""Fixtures of the fault tests (`make faults`): each test gets a database copied from a template
(migrated, reference data, the accounts), a Redis of its own and a Stack to start gunicorn and
Celery on them; every process and database is removed when the test ends, passed or failed."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from tests.faults import harness


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = ""
    if not os.environ.get("RUN_FAULTS"):
        reason = "fault injection runs with `make faults` (RUN_FAULTS=1)"
    elif not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        reason = "fault injection needs PostgreSQL (DATABASE_URL)"
    elif not shutil.which("redis-server"):
        reason = "fault injection needs redis-server"
    if reason and os.environ.get("RUN_FAULTS"):
        # `make faults` never passes by skipping: it says what is missing and fails.
        raise pytest.UsageError(reason)
    if reason:
        for item in items:
            if "tests/faults/" in str(item.fspath):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def template() -> Iterator[str]:
    """The database every test copies: migrated, with reference data and the accounts."""
    shutil.rmtree(harness.LOGS, ignore_errors=True)  # this run's logs only
    server, name = harness.server_url(), harness.database_name("")
    harness.prepare(harness.recreate(server, name))
    yield name
    harness.drop(server, name)


@pytest.fixture
def redis() -> Iterator[harness.Redis]:
    server = harness.Redis()
    server.start()
    yield server
    server.kill()


@pytest.fixture
def stack(request: pytest.FixtureRequest, template: str, redis: harness.Redis) -> Iterator[harness.Stack]:
    """gunicorn, workers and beat as the test starts them, on a copy of the template."""
    name = request.node.name.removeprefix("test_")[:30]
    server, database = harness.server_url(), harness.database_name(name)
    stack = harness.Stack(name, harness.recreate(server, database, template), redis.url)
    yield stack
    stack.stop()
    harness.drop(server, database)


@pytest.fixture
def cluster() -> Iterator[harness.Cluster]:
    """A throwaway PostgreSQL cluster with a prepared database `lienthong`."""
    cluster = harness.Cluster()
    try:
        cluster.init()
        harness.prepare(harness.recreate(cluster.server, "lienthong"))
        yield cluster
    finally:
        cluster.destroy()
