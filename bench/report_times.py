"""In-process times of the reports, one request at a time through Django's handler (no network, no
other load): each view computed from the summaries (the cache emptied first: what the first person
after a refresh waits for) and read again (what everyone else waits for). Run by bench/reports.sh
after the seeding and the rebuild; prints one RESULT line per view."""

import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

from django.core.cache import cache  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from agencies.models import User  # noqa: E402

today = timezone.localdate()
YEAR = {"from": str(today - datetime.timedelta(days=365)), "to": str(today)}


def browser(username: str) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username=username))
    return client


api = Client(
    HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION="Token " + Token.objects.get(user__username="bench.province").key
)
VIEWS = [
    ("dashboard_province_month", browser("bench.province"), "/reports/", {}),
    ("dashboard_province_year", browser("bench.province"), "/reports/", YEAR),
    ("dashboard_commune_month", browser("bench.clerk"), "/reports/", {}),
    ("api_province_year", api, "/api/v1/reports/online-rate/", YEAR),
    ("api_commune_month", api, "/api/v1/reports/online-rate/", {"unit": "16690"}),
]
for name, client, path, params in VIEWS:
    assert client.get(path, params).status_code == 200  # the process's own first-request costs
    computed, read = [], []
    for _ in range(5):
        cache.clear()
        started = time.perf_counter()
        client.get(path, params)
        computed.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        client.get(path, params)
        read.append((time.perf_counter() - started) * 1000)
    computed_ms, read_ms = statistics.median(computed), statistics.median(read)
    print(f"RESULT {name} computed_median_ms={computed_ms:.0f} read_median_ms={read_ms:.1f}")
