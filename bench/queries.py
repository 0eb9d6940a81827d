"""Count the SQL queries of the queue endpoint for a page of 1 row and a page of 50 rows."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from agencies.models import User  # noqa: E402

client = APIClient()
client.force_authenticate(User.objects.get(username="bench.officer"))
for size in (1, 50):
    with CaptureQueriesContext(connection) as queries:
        rows = client.get("/api/v1/queue/", {"page_size": size}, HTTP_HOST="127.0.0.1").json()["results"]
    print(f"RESULT rows={len(rows)} queries={len(queries)}")
