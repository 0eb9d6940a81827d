"""The real processes the fault tests break: a Redis of their own, PostgreSQL databases of their
own (on DATABASE_URL's server, or a throwaway cluster), gunicorn serving the portal and Celery
workers; HTTP clients with API tokens. Every process is started in its own session (process
group) and killed by the fixture that started it, also when the test fails."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import requests
from celery import Celery

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LOGS = ROOT / "var" / "faults"
PASSWORD = "lienthong-faults"
# The newest PostgreSQL server installed (Debian's layout), for the throwaway cluster.
PG_BIN = max(
    Path("/usr/lib/postgresql").glob("*/bin"), key=lambda path: int(path.parent.name), default=Path("/usr/bin")
)

# The accounts every test database has: an integration client that files and two officers of the
# civil-status office of commune 16690, which handles the first step of a birth dossier.
SETUP = f"""
from django.utils import timezone
from agencies.choices import UserRole
from agencies.models import User
from agencies.selectors import office_for_role
office = office_for_role(role="civil_status", commune_code="16690", on=timezone.localdate())
for username, role, attachment in [
    ("faults.integration", UserRole.INTEGRATION, {{}}),
    ("faults.officer1", UserRole.OFFICER, {{"office": office}}),
    ("faults.officer2", UserRole.OFFICER, {{"office": office}}),
]:
    user = User(username=username, role=role, **attachment)
    user.set_password({PASSWORD!r})
    user.save()
"""

_ports = iter(range(int(os.environ.get("FAULTS_PORT_BASE", "0")), 65536))


def free_port() -> int:
    """The next free port from FAULTS_PORT_BASE when set (a shared machine's own range), else any."""
    while True:
        wanted = next(_ports) if os.environ.get("FAULTS_PORT_BASE") else 0
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", wanted))
            except OSError:
                continue
            return int(sock.getsockname()[1])


def wait_until(condition: Callable[[], bool], seconds: float, what: str, step: float = 0.2) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {seconds:.0f} s")
        time.sleep(step)


class Process:
    """A child process in its own process group, its output in var/faults/<name>.log."""

    def __init__(self, name: str, command: list[str], env: dict[str, str] | None = None) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.log = LOGS / f"{name}.log"
        with self.log.open("a") as output:
            self.popen = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def children(self) -> list[int]:
        path = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Kill the whole group (the process and its children) and reap it."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=30)


class Stack:
    """What one test runs against: a database, a Redis, and the processes it starts on them."""

    def __init__(self, name: str, dsn: str, redis_url: str) -> None:
        self.name = name
        self.dsn = dsn
        self.redis_url = redis_url
        self.processes: list[Process] = []
        self.base = ""
        self.celery = Celery(broker=redis_url, set_as_current=False)
        self.celery.conf.task_default_queue = "default"

    def env(self, **extra: str) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("CELERY_", "DATABASE_"))}
        env.update(
            SECRET_KEY=os.environ.get("SECRET_KEY", "insecure-key-for-faults-only"),
            DEBUG="true",  # plain HTTP on 127.0.0.1: no HTTPS redirect
            ALLOWED_HOSTS="127.0.0.1",
            DATABASE_URL=self.dsn.replace("postgresql://", "postgres://"),
            CELERY_BROKER_URL=self.redis_url,
            LOCAL_BEAT="false",
            LOG_LEVEL="WARNING",
            # The sweeper publishes again what is undelivered after 2 s, every second (beat).
            OUTBOX_SWEEP_INTERVAL="1",
            OUTBOX_SWEEP_AGE="2",
            # A killed worker's database session ends at once, not when its lock wait ends.
            PGOPTIONS="-c client_connection_check_interval=200",
        )
        env.update(extra)
        return env

    def start(self, name: str, command: list[str], **env: str) -> Process:
        process = Process(f"{self.name}-{name}", command, self.env(**env))
        self.processes.append(process)
        return process

    def gunicorn(self, **env: str) -> Process:
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        command = [str(BIN / "gunicorn"), "portal.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
                   "--threads", "4", "--timeout", "60"]  # fmt: skip
        process = self.start("gunicorn", command, **env)
        wait_until(lambda: _answers(f"{self.base}/healthz"), 60, "gunicorn")
        return process

    def worker(self, name: str = "worker", concurrency: int = 2, **env: str) -> Process:
        command = [str(BIN / "celery"), "-A", "portal", "worker", "--pool=prefork", f"--concurrency={concurrency}",
                   "--loglevel=WARNING", "--without-heartbeat", "--without-mingle", "--without-gossip",
                   "-n", f"{self.name}-{name}-{len(self.processes)}@%h"]  # fmt: skip
        return self.start(name, command, DATABASE_POOL="false", **env)

    def beat(self, **env: str) -> Process:
        schedule = LOGS / f"{self.name}-celerybeat-schedule"
        schedule.unlink(missing_ok=True)
        command = [str(BIN / "celery"), "-A", "portal", "beat", "--loglevel=WARNING", "-s", str(schedule)]
        return self.start("beat", command, DATABASE_POOL="false", **env)

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.kill()
        self.processes.clear()

    # --- Clients ------------------------------------------------------------------------------

    def token(self, username: str) -> str:
        response = requests.post(
            f"{self.base}/api/v1/auth/token/", json={"username": username, "password": PASSWORD}, timeout=30
        )
        response.raise_for_status()
        return str(response.json()["token"])

    def client(self, username: str) -> Client:
        return Client(self.base, self.token(username))

    # --- The outbox ----------------------------------------------------------------------------

    def publish_delivery(self, *message_pks: int) -> None:
        """Publish a delivery of these outbox rows, as the portal does after a commit."""
        self.celery.send_task("cases.tasks.outbox_deliver_task", args=list(message_pks), queue="default")

    def sql(self, query: str, *params: object) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.dsn, autocommit=True) as connection:
            return list(connection.execute(query, params or None).fetchall())

    def settled(self, seconds: float = 90) -> None:
        """Wait until no outbox row is undelivered and no task is being worked on."""

        def done() -> bool:
            return not self.sql("SELECT 1 FROM cases_outbox WHERE delivered_at IS NULL LIMIT 1")

        wait_until(done, seconds, "the outbox delivered", step=0.5)
        time.sleep(1.5)  # duplicates still in flight land too


class Client:
    """An API client with a token."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Token {token}", "Accept-Language": "en"})

    def post(self, path: str, body: dict[str, Any] | None = None, **headers: str) -> requests.Response:
        return self.session.post(f"{self.base}{path}", json=body or {}, headers=headers, timeout=60)

    def get(self, path: str) -> Any:
        response = self.session.get(f"{self.base}{path}", timeout=60)
        response.raise_for_status()
        return response.json()


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:
        return False


# --- Redis ------------------------------------------------------------------------------------


class Redis:
    """A redis-server of the tests' own, in memory only: killed, it comes back empty."""

    def __init__(self) -> None:
        self.port = int(os.environ.get("FAULTS_REDIS_PORT") or free_port())
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: Process | None = None

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "no"]  # fmt: skip
        self.process = Process("redis", command)
        wait_until(self.ping, 30, "redis-server")

    def ping(self) -> bool:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
        return False

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process = None


# --- PostgreSQL -------------------------------------------------------------------------------


def server_url() -> str:
    """DATABASE_URL without its database name, and that name."""
    url = os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)
    return url.rpartition("/")[0]


def database_name(suffix: str) -> str:
    name = os.environ["DATABASE_URL"].rpartition("/")[2].split("?")[0]
    return f"{name}_faults_{suffix}" if suffix else f"{name}_faults"


def manage(env: dict[str, str], *args: str, stdin: str | None = None) -> None:
    subprocess.run([str(BIN / "python"), "manage.py", *args], cwd=ROOT, env=env, check=True, input=stdin, text=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip


def prepare(dsn: str) -> None:
    """Tables, reference data and the tests' accounts in the (empty) database at `dsn`."""
    env = Stack("setup", dsn, "").env()
    env.pop("CELERY_BROKER_URL")
    manage(env, "migrate", "--noinput")
    manage(env, "load_reference_data")
    manage(env, "shell", stdin=SETUP)


def recreate(server: str, name: str, template: str | None = None) -> str:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return f"{server}/{name}"


def drop(server: str, name: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Cluster:
    """A throwaway PostgreSQL cluster in a temporary directory owned by postgres (we may be root:
    initdb and pg_ctl run as postgres), on a port of its own. Never the machine's own cluster."""

    def __init__(self) -> None:
        self.port = int(os.environ.get("FAULTS_PG_PORT") or free_port())
        self.directory = Path(tempfile.mkdtemp(prefix="lt-faults-pg-"))
        self.data = self.directory / "data"
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            shutil.chown(self.directory, "postgres", "postgres")
        self.server = f"postgresql://postgres@127.0.0.1:{self.port}"

    def run(self, *command: str) -> None:
        subprocess.run([*self.as_postgres, *command], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)

    def init(self) -> None:
        self.run(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()

    def pg_ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.directory / "log"), "-o", options,
                 "-w", "-t", "60", action, *extra)  # fmt: skip

    def start(self) -> None:
        self.pg_ctl("start")

    def crash(self) -> None:
        """The postmaster killed (-9), as a crash: no checkpoint, its backends left to die; then
        started again, which replays the WAL (crash recovery)."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        os.kill(postmaster, signal.SIGKILL)
        wait_until(lambda: not _alive(postmaster), 30, "the killed postmaster gone")
        # Its orphaned backends exit as they notice; until then a new postmaster refuses to start
        # (their shared memory is still attached), so it is tried again for a while.
        deadline = time.monotonic() + 60
        while True:
            try:
                self.start()
                return
            except subprocess.CalledProcessError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-m", "immediate", "stop")
        shutil.rmtree(self.directory, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def birth_filing(number: int, prefix: str) -> tuple[str, dict[str, Any]]:
    """(birth certificate number, body) of the conftest's birth dossier, made unique."""
    from tests.cases.conftest import birth

    certificate = f"{prefix}-{number:05d}"
    return certificate, json.loads(json.dumps(birth(child__birth_certificate_number=certificate)))


@contextlib.contextmanager
def printed(name: str, attempted: int, lost: int, doubled: int) -> Iterator[None]:
    print(f"FAULT {name}: attempted {attempted}, lost {lost}, doubled {doubled}", flush=True)
    yield
