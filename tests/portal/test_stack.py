"""The full stack's description and the settings' rules, read as a deployer would."""

import os
import subprocess
import sys
from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def test_compose_runs_every_service_from_one_image():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]

    workers = ("worker", "notifier", "signer", "reporter")
    assert sorted(services) == [
        "beat", "notifier", "pgbouncer", "postgres", "redis", "reporter", "signer", "web", "worker",
    ]  # fmt: skip
    assert {services[name]["build"] for name in ("web", *workers, "beat")} == {"."}
    assert "gunicorn --config gunicorn.conf.py portal.wsgi:application" in services["web"]["command"]
    assert '"--config", "gunicorn.conf.py"' in (ROOT / "Dockerfile").read_text()
    assert services["worker"]["command"][:4] == ["celery", "-A", "portal", "worker"]
    consumed = [services[name]["command"][-1].removeprefix("--queues=").split(",") for name in workers]
    assert consumed == [["default"], ["notices", "outbound"], ["signing"], ["reports"]]
    assert sorted(queue for queues in consumed for queue in queues) == sorted(settings.WORKER_QUEUES)
    assert services["beat"]["command"][:4] == ["celery", "-A", "portal", "beat"]
    for name in ("web", *workers, "beat"):
        environment = services[name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://lienthong:lienthong@postgres:5432/")
        assert environment["CELERY_BROKER_URL"] == "redis://redis:6379/0"
    assert (ROOT / "Dockerfile").read_text().count("FROM ") == 1
    # PgBouncer only when asked for (a profile), in transaction mode, in front of the same database.
    bouncer = services["pgbouncer"]
    assert (bouncer["profiles"], bouncer["environment"]["POOL_MODE"]) == (["pgbouncer"], "transaction")
    assert bouncer["environment"]["DATABASE_URL"] == services["web"]["environment"]["DATABASE_URL"]


def test_through_pgbouncer_nothing_outlives_a_transaction():
    result = settings_in_subprocess(
        {"DEBUG": "false", "SECRET_KEY": "x", "SIGNING_TSA_URL": "http://tsa", "CELERY_BROKER_URL": "redis://r/0",
         "DATABASE_URL": "postgres://u@pgbouncer:6432/db", "DATABASE_POOL": "false", "DATABASE_PGBOUNCER": "true"},
        's.DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"], s.DATABASES["default"]["OPTIONS"]',
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(True, {'prepare_threshold': None})"


def settings_in_subprocess(environment: dict[str, str], expression: str) -> subprocess.CompletedProcess[str]:
    """Import the settings afresh, as a new process would, with exactly this environment."""
    env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "portal.settings", "ENV_FILE": os.devnull}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django; django.setup(); from django.conf import settings as s; print(repr(({expression},)))",
        ],
        cwd=ROOT,
        env={**env, **environment},
        capture_output=True,
        text=True,
        check=False,
    )


def test_without_debug_the_secret_key_has_no_default():
    result = settings_in_subprocess({"DEBUG": "false"}, "s.SECRET_KEY")

    assert result.returncode == 1
    assert "Set the SECRET_KEY environment variable" in result.stderr


def test_with_nothing_configured_the_portal_uses_sqlite_and_runs_tasks_in_process():
    result = settings_in_subprocess(
        {"DEBUG": "true"}, "s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.LANGUAGE_CODE"
    )

    assert result.stdout.strip() == "('django.db.backends.sqlite3', True, 'vi')"


def test_a_postgres_url_uses_psycopg_with_the_native_pool_and_a_broker_url_celery():
    result = settings_in_subprocess(
        {
            "SECRET_KEY": "k",
            "DATABASE_URL": "postgres://u:p@db:5432/portal",
            "CELERY_BROKER_URL": "redis://cache:6379/0",
        },
        "s.DATABASES['default']['ENGINE'], s.DATABASES['default']['OPTIONS'], s.CELERY_TASK_ALWAYS_EAGER",
    )

    assert result.stdout.strip() == (
        "('django.db.backends.postgresql', {'pool': {'min_size': 1, 'max_size': 10, 'timeout': 10}}, False)"
    )
