"""Issue 12: no silent fallback in production. With DEBUG off the settings refuse to start without
DATABASE_URL and a broker, naming what is missing, rather than run on SQLite with tasks in-process;
that embedded default is there under DEBUG or when EMBEDDED=true asks for it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATABASE_URL = "postgres://lienthong@db.example.gov.vn:5432/lienthong"  # never reached: setup only
BROKER_URL = "redis://redis.example.gov.vn:6379/0"


def setup_django(**environment: str) -> subprocess.CompletedProcess[str]:
    """`django.setup()` in a new process with exactly this environment (DEBUG off unless given)."""
    env = {"PATH": os.environ["PATH"], "ENV_FILE": os.devnull, "DJANGO_SETTINGS_MODULE": "portal.settings"}
    code = (
        "import django; django.setup(); from django.conf import settings as s;"
        " print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**env, "SECRET_KEY": "k", **environment},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("environment", "missing"),
    [
        ({}, "Set DATABASE_URL and CELERY_BROKER_URL: DEBUG is off"),
        ({"DATABASE_URL": DATABASE_URL}, "Set CELERY_BROKER_URL: DEBUG is off"),
        ({"CELERY_BROKER_URL": BROKER_URL}, "Set DATABASE_URL: DEBUG is off"),
        ({"DATABASE_URL": DATABASE_URL, "CELERY_BROKER_URL": ""}, "Set CELERY_BROKER_URL: DEBUG is off"),
        ({"DEBUG": "false", "EMBEDDED": "false"}, "Set DATABASE_URL and CELERY_BROKER_URL: DEBUG is off"),
        ({"DEBUG": "true", "EMBEDDED": "false"}, "Set DATABASE_URL and CELERY_BROKER_URL: EMBEDDED is false"),
    ],
)
def test_without_the_services_the_settings_refuse_to_start_naming_what_is_missing(environment, missing):
    result = setup_django(**environment)

    assert result.returncode == 1
    assert result.stdout == ""
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith(f"django.core.exceptions.ImproperlyConfigured: {missing}, so the portal needs")
    assert error.endswith("set EMBEDDED=true.")


def test_with_a_database_and_a_broker_the_settings_start_on_them():
    result = setup_django(DEBUG="false", DATABASE_URL=DATABASE_URL, CELERY_BROKER_URL=BROKER_URL)

    assert (result.returncode, result.stdout.strip()) == (0, "django.db.backends.postgresql False"), result.stderr


@pytest.mark.parametrize("environment", [{"EMBEDDED": "true"}, {"DEBUG": "true"}, {"DEBUG": "true", "EMBEDDED": "1"}])
def test_the_embedded_default_is_asked_for_explicitly_or_comes_with_debug(environment):
    result = setup_django(**environment)

    assert (result.returncode, result.stdout.strip()) == (0, "django.db.backends.sqlite3 True"), result.stderr


def test_embedded_uses_only_what_is_unset():
    result = setup_django(EMBEDDED="true", DATABASE_URL=DATABASE_URL)

    assert (result.returncode, result.stdout.strip()) == (0, "django.db.backends.postgresql True"), result.stderr
