"""The tests' environment, set before the settings are read: a pytest plugin (`-p tests.environment`
in pyproject.toml's addopts), since pytest-django imports the settings before any conftest.py.

The tests run with DEBUG off, on SQLite with tasks in-process unless DATABASE_URL and
CELERY_BROKER_URL are set: that embedded default is asked for explicitly (EMBEDDED, portal/settings.py).
Servers the tests start inherit it with the rest of the environment."""

import os

os.environ.setdefault("EMBEDDED", "true")
