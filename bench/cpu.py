"""CPU per request, in-process, each hot path beside its floor from the same run (issue 16, target 1).

Four worker processes each send every request through Django's handler (the test client: the same
middleware, authentication and rendering as under gunicorn, no network) and time the process's own
CPU (`time.process_time`) per request: PostgreSQL's work is in another process and not counted, so
the figure is the Python a request costs, which is what a web worker's core spends. The paths run
interleaved, a batch of each in turn, so that whatever else the machine does falls on all of them
alike. Prints, per path, the median over the processes of each process's median, the floor's, their
ratio against the target, and the SQL statements of one request.

Usage (bench/run.sh sets the environment): python bench/cpu.py [requests per path per process]
"""

from __future__ import annotations

import datetime
import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

# (path, [(its floor, target ratio against it)]): issue 32's targets
PLAIN, SESSION = "JsonResponse of the same 50 rows, no session", "JsonResponse of the same 50 rows, session"
PATHS = [
    ("POST /api/v1/bundles/", [("DRF, token, 3 inserts in a transaction", 2.5)]),
    ("GET /api/v1/queue/ (50 rows)", [("DRF, token, one query, 50 .values() rows", 2.5)]),
    ("GET /clerk/ (50 rows)", [(f"desk: {PLAIN}", 8.0), (f"desk: {SESSION}", 6.0)]),
    ("GET /queue/ (50 rows)", [(f"queue: {PLAIN}", 8.0), (f"queue: {SESSION}", 6.0)]),
]
PROCESSES = 4


def worker(count: int) -> dict[str, dict]:
    import django

    django.setup()
    import floors
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from agencies.models import User

    settings.ROOT_URLCONF = "floors"
    floors.create_table()
    tokens = json.loads(os.environ["BENCH_TOKENS"])
    api = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {tokens['bench.integration']}")
    officer_api = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {tokens['bench.officer']}")
    clerk, officer = Client(HTTP_HOST="127.0.0.1"), Client(HTTP_HOST="127.0.0.1")
    clerk.force_login(User.objects.get(username="bench.clerk"))
    officer.force_login(User.objects.get(username="bench.officer"))
    born = (timezone.localdate() - datetime.timedelta(days=10)).isoformat()
    serial = itertools.count()

    def filing():
        body = json.loads((ROOT / "bench" / "filing.json").read_text())
        body["child"]["date_of_birth"] = born
        body["child"]["birth_certificate_number"] = f"CPU-{os.getpid()}-{time.time_ns()}-{next(serial)}"
        response = api.post("/api/v1/bundles/", body, content_type="application/json")
        assert response.status_code == 201, response.content

    def expect(client, path):
        def get():
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)

        return get

    def floor_insert():
        assert api.post("/bench/floor/insert/", {}, content_type="application/json").status_code == 201

    anybody = Client(HTTP_HOST="127.0.0.1")
    desk, queue = floors.bench_places()
    anybody = Client(HTTP_HOST="127.0.0.1")
    desk, queue = floors.bench_places()
    (filing_, api_queue, clerk_home, queue_page) = (name for name, _floors in PATHS)
    requests = {
        filing_: filing,
        PATHS[0][1][0][0]: floor_insert,
        api_queue: expect(officer_api, "/api/v1/queue/"),
        PATHS[1][1][0][0]: expect(officer_api, "/bench/floor/list/"),
        clerk_home: expect(clerk, "/clerk/"),
        f"desk: {PLAIN}": expect(anybody, f"/bench/floor/plain/desk/{desk}/"),
        f"desk: {SESSION}": expect(clerk, "/bench/floor/page/desk/"),
        queue_page: expect(officer, "/queue/"),
        f"queue: {PLAIN}": expect(anybody, f"/bench/floor/plain/queue/{queue}/"),
        f"queue: {SESSION}": expect(officer, "/bench/floor/page/queue/"),
    }
    for send in requests.values():  # warm every per-process cache, then count one request's SQL
        for _ in range(5):
            send()
    queries = {}
    for name, send in requests.items():
        with CaptureQueriesContext(connection) as captured:
            send()
        queries[name] = len(captured)
    times: dict[str, list[float]] = {name: [] for name in requests}
    batch = 10
    for _ in range(max(1, count // batch)):
        for name, send in requests.items():
            for _ in range(batch):
                started = time.process_time()
                send()
                times[name].append(time.process_time() - started)
    return {"median_ms": {name: statistics.median(t) * 1000 for name, t in times.items()}, "queries": queries}


def main(count: int) -> None:
    runs = [
        subprocess.run(
            [sys.executable, __file__, "--worker", str(count)], check=True, capture_output=True, text=True
        ).stdout
        for _ in range(PROCESSES)
    ]
    results = [json.loads(run.strip().splitlines()[-1]) for run in runs]

    def median(name):
        return statistics.median(result["median_ms"][name] for result in results)

    queries = results[0]["queries"]
    print(f"CPU per request, in-process, median of {PROCESSES} processes x {count} requests a path")
    print("| path | CPU ms | SQL | floor | floor CPU ms | floor SQL | ratio | target |")
    print("|---|---|---|---|---|---|---|---|")
    for name, floors in PATHS:
        for floor, target in floors:
            ratio = median(name) / median(floor)
            verdict = "met" if ratio <= target else "missed"
            print(
                f"| {name} | {median(name):.2f} | {queries[name]} | {floor} | {median(floor):.2f} | {queries[floor]} "
                f"| {ratio:.1f}x | <= {target:g}x {verdict} |"
            )
            print(f"RESULT cpu path={name!r} floor={floor!r} ms={median(name):.2f} ratio={ratio:.2f}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        print(json.dumps(worker(int(sys.argv[2]))))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
