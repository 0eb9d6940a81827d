import os

import pytest
from django.db import connection

from portal.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_health_reports_the_configured_database_and_broker(client):
    """In CI (DATABASE_URL and CELERY_BROKER_URL set) this proves the suite ran against the real
    PostgreSQL and Redis; on a laptop, against SQLite with tasks in-process."""
    vendor = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    mode = "broker" if os.environ.get("CELERY_BROKER_URL") else "in-process"

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": {"ok": True, "vendor": vendor},
        "broker": {"ok": True, "mode": mode},
    }


def test_health_answers_503_when_the_broker_is_down(client, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(celery_app.conf, "broker_write_url", "redis://127.0.0.1:1/0")

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": {"ok": True, "vendor": connection.vendor},
        "broker": {"ok": False, "mode": "broker"},
    }
