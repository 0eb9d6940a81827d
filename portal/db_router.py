"""Reports read from a streaming replica (issue 16), so the dashboard, its exports and the scheduled
report do not load the primary: only code that asks for it (`replica_reads`) reads the replica,
and only while the replica is reachable and less than DATABASE_REPLICA_MAX_LAG seconds behind.
Every write, every read in a transaction and every read after a write of the same block go to the
primary; without DATABASE_REPLICA_URL (no "replica" database) everything does."""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, OperationalError, connections, transaction
from django.db.models import Model

logger = logging.getLogger(__name__)

REPLICA = "replica"
F = TypeVar("F", bound=Callable[..., Any])

# Seconds the replica's data is behind, asked on the replica. Caught up, everything it received
# replayed and its WAL receiver running, is 0: on an idle primary the last replayed commit may be
# hours old without anything missing. Behind (replay paused or slow, or the receiver gone), it is
# the age of the last replayed commit, NULL before any (unknown: not used). A server that is not
# in recovery is no standby (a URL naming the primary itself): 0.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() AND EXISTS (SELECT FROM pg_stat_wal_receiver) THEN 0
    ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())
END
"""


@dataclass
class _Health:
    """This process's last verdict on the replica, asked at most every DATABASE_REPLICA_CHECK_SECONDS."""

    healthy: bool = False
    lag: float | None = None  # seconds; None when it could not be asked
    checked: float = -math.inf  # time.monotonic() of the last check


_health = _Health()
_checking = threading.Lock()


def replica_configured() -> bool:
    return REPLICA in connections.settings


def _lag() -> float | None:
    """The replica's lag in seconds (LAG_SQL) on a connection of its own, outside the pool: a
    replica that does not answer costs its connect_timeout once, not a request's failure."""
    params = connections[REPLICA].get_connection_params()
    params.setdefault("connect_timeout", 2)
    with psycopg.connect(**params, autocommit=True) as connection:
        row = connection.execute(LAG_SQL).fetchone()
    return None if row is None or row[0] is None else float(row[0])


def _verdict(healthy: bool, lag: float | None, problem: str) -> None:
    """Record a verdict; a change of it is logged once, not every check."""
    if healthy != _health.healthy or math.isinf(_health.checked):
        if healthy:
            logger.info("Replica in use for the reports (%.1f s behind)", lag or 0.0)
        else:
            logger.warning("Replica not used, the reports read the primary: %s", problem)
    _health.healthy, _health.lag, _health.checked = healthy, lag, time.monotonic()


def replica_healthy() -> bool:
    """Whether the replica answers and is less than DATABASE_REPLICA_MAX_LAG seconds behind, as
    checked at most every DATABASE_REPLICA_CHECK_SECONDS in this process; while one thread
    checks, the others keep the last verdict."""
    if time.monotonic() - _health.checked < settings.DATABASE_REPLICA_CHECK_SECONDS:
        return _health.healthy
    if not _checking.acquire(blocking=False):
        return _health.healthy
    try:
        try:
            lag = _lag()
        except psycopg.Error as error:
            _verdict(False, None, f"unreachable ({error})")
        else:
            limit = settings.DATABASE_REPLICA_MAX_LAG
            healthy = lag is not None and lag < limit
            _verdict(healthy, lag, "lag unknown" if lag is None else f"{lag:.1f} s behind (limit {limit:g} s)")
        return _health.healthy
    finally:
        _checking.release()


def replica_lag() -> float | None:
    """The lag the last check measured (None: unreachable or not checked yet)."""
    return _health.lag


def replica_failed(error: Exception) -> None:
    """A read on the replica failed: the reads go to the primary until the next check finds it
    back; this thread's broken connection is dropped."""
    _verdict(False, None, f"a read failed ({error})")
    with contextlib.suppress(DatabaseError):
        connections[REPLICA].close()


@dataclass
class _Reads:
    """One `replica_reads` block: where its reads go, chosen at its first read and kept, so a
    report is read from one database."""

    depth: int  # the default connection's atomic blocks open when it began
    alias: str | None = None
    wrote: bool = False  # a write in the block: what follows reads it back, from the primary


_reads: contextvars.ContextVar[_Reads | None] = contextvars.ContextVar("replica_reads", default=None)


class replica_reads:  # lower case: used as a function, `with replica_reads():` and `@replica_reads()`
    """The reads of the block may come from the replica: for reports, which need not see a write
    of the last seconds. Nested in another block (or in `primary_reads`), the outer one decides.
    A transaction opened in the block, or one open around it, keeps its reads on the primary;
    `inside_transaction=True` says the block's reads need nothing the surrounding transaction
    wrote. As a decorator, a failure of the replica runs the function again on the primary."""

    def __init__(self, *, inside_transaction: bool = False) -> None:
        self.inside_transaction = inside_transaction
        self._token: contextvars.Token[_Reads | None] | None = None

    def __enter__(self) -> None:
        if _reads.get() is None:
            depth = len(transaction.get_connection().atomic_blocks) if self.inside_transaction else 0
            self._token = _reads.set(_Reads(depth))

    def __exit__(self, *exc: object) -> None:
        if self._token is not None:
            _reads.reset(self._token)
            self._token = None

    def __call__(self, function: F) -> F:
        inside_transaction = self.inside_transaction

        @functools.wraps(function)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if _reads.get() is not None:
                return function(*args, **kwargs)
            with replica_reads(inside_transaction=inside_transaction):
                block = _reads.get()
                try:
                    return function(*args, **kwargs)
                except OperationalError as error:
                    if block is None or block.alias != REPLICA or block.wrote:
                        raise
                    replica_failed(error)
            return function(*args, **kwargs)  # on the primary, now that the replica is marked down

        return cast(F, wrapped)


@contextlib.contextmanager
def primary_reads() -> Iterator[None]:
    """The block reads the primary, also through code that asks for the replica: a job that has
    just written what it reads (beat warming the reports after refreshing the summaries)."""
    token = _reads.set(_Reads(depth=0, alias=DEFAULT_DB_ALIAS, wrote=True))
    try:
        yield
    finally:
        _reads.reset(token)


class ReplicaRouter:
    """Reads in a `replica_reads` block from the replica while it is healthy; everything else,
    and every write, on the primary ("default"). Objects read from the replica may be saved and
    linked to the primary's: they are the same database, a little later."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        block = _reads.get()
        if block is None or block.wrote or not replica_configured():
            return DEFAULT_DB_ALIAS  # also for objects read from the replica, once out of the block
        if len(transaction.get_connection().atomic_blocks) > block.depth:
            return DEFAULT_DB_ALIAS  # a transaction reads what it wrote
        if block.alias is None:
            block.alias = REPLICA if replica_healthy() else DEFAULT_DB_ALIAS
        return block.alias

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        # The primary, also for an object read from the replica (Django would write to where it
        # came from); the rest of the block reads the primary, so it reads back what it wrote.
        block = _reads.get()
        if block is not None:
            block.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        databases = {DEFAULT_DB_ALIAS, REPLICA}
        return True if obj1._state.db in databases and obj2._state.db in databases else None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        return False if db == REPLICA else None
