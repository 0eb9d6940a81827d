"""Count the SQL queries of the queue endpoint for a page of 1 row and a page of 50 rows, and of the
clerk's and officer's list pages for a short page (a filter leaving 1 row) and a full page of 50."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from agencies.models import User  # noqa: E402
from cases.models import OPEN, Bundle, Step  # noqa: E402
from portal.paging import cursor_after  # noqa: E402

client = APIClient()
client.force_authenticate(User.objects.get(username="bench.officer"))
for _ in range(2):  # warm the per-process caches (routing, procedures; the first minute clears them once)
    client.get("/api/v1/queue/", HTTP_HOST="127.0.0.1")
for size in (1, 50):
    with CaptureQueriesContext(connection) as queries:
        rows = client.get("/api/v1/queue/", {"page_size": size}, HTTP_HOST="127.0.0.1").json()["results"]
    print(f"RESULT rows={len(rows)} queries={len(queries)}")


def next_to_last_step() -> str:
    """The cursor after which the officer's queue has exactly one step left."""
    office = User.objects.get(username="bench.officer").office_id
    steps = Step.objects.filter(OPEN, office=office).order_by("-due_date", "-pk")
    before_last = steps[1]
    return cursor_after(before_last.due_date, before_last.pk)


pages = Client(HTTP_HOST="127.0.0.1")
for username, path, one_row in (
    ("bench.clerk", "/clerk/", {"q": Bundle.objects.filter(commune__code="16690").latest("pk").code}),
    ("bench.officer", "/queue/", {"after": next_to_last_step()}),
):
    pages.force_login(User.objects.get(username=username))
    pages.get(path)  # warm the per-process caches (working calendar, settings) first
    for query in (one_row, {}):
        with CaptureQueriesContext(connection) as queries:
            html = pages.get(path, query).content.decode()
        rows = html.count('<tr id="step-') if path == "/queue/" else html.count('<a class="code" href="/bundles/')
        print(f"RESULT page={path} rows={rows} queries={len(queries)}")
