"""The desk's counts at two sizes of commune (issue 32): 1,000 dossiers and 100,000.

Seeds its own database (COUNTS_DATABASE, default lienthong_counts) with bench/seed.py: 100,000
dossiers in Phường Trường Vinh (16690) and 1,000 in Xã Anh Sơn (17329), each with the same work at
the desk (60 in progress, 20 results to hand over) and the rest of its history finished and handed
over: two communes alike today, one with a hundred times the other's past. Then,
for each commune's clerk, times in PostgreSQL (EXPLAIN ANALYZE, median of 25) and in Python
(process time around the selector, median of 200):
- the desk's counts as they are (cases.selectors.bundle_counts: what is at the desk, the tally);
- the counts as they were before (one aggregate over every dossier of the commune).
Prints a table and each statement's plan. bench/run.sh runs it with MEASURE=counts.

Usage: python bench/counts.py (the environment as bench/run.sh sets it, any DATABASE_URL: this
script uses its own database on the same server).
"""

from __future__ import annotations

import functools
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
DATABASE = os.environ.get("COUNTS_DATABASE", "lienthong_counts")
SIZES = {"16690": 100_000, "17329": 1_000}
AT_DESK = "60,20"  # the same work at the desk in both: 60 dossiers in progress, 20 results to hand over
server = urlsplit(os.environ["DATABASE_URL"])
os.environ["DATABASE_URL"] = urlunsplit(server._replace(path=f"/{DATABASE}"))
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")


def psql(*args: str) -> None:
    host = ["-h", server.hostname or "127.0.0.1", "-U", server.username or "postgres"]
    subprocess.run([args[0], *host, *args[1:]], check=True)


def prepare() -> None:
    psql("dropdb", "--if-exists", DATABASE)
    psql("createdb", DATABASE)
    python = sys.executable
    for command in (["manage.py", "migrate", "-v", "0"], ["manage.py", "load_reference_data", "-v", "0"]):
        subprocess.run([python, *command], check=True, cwd=ROOT)
    subprocess.run([python, "bench/prepare.py"], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    for code, count in SIZES.items():
        seeding = {**os.environ, "COMMUNE": code, "AT_DESK": AT_DESK}
        subprocess.run([python, "bench/seed.py", str(count)], check=True, cwd=ROOT, env=seeding)


def main() -> None:
    prepare()
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count, Q
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from agencies.choices import UserRole
    from agencies.selectors import unit_get_on
    from agencies.services import user_upsert
    from cases import rules
    from cases.choices import BundleState
    from cases.models import Bundle, returned_step_exists
    from cases.selectors import bundle_counts

    today = timezone.localdate()
    soon = rules.calendar().next_working_day(today)
    connection.cursor().execute("VACUUM ANALYZE cases_bundle")

    def before(commune) -> dict:
        """The counts as issue 31 left them: one aggregate over every dossier of the commune."""
        working = Q(state=BundleState.IN_PROGRESS)
        return Bundle.objects.filter(commune=commune).aggregate(
            total=Count("pk"),
            in_progress=Count("pk", filter=working),
            overdue=Count("pk", filter=working & Q(due_date__lt=today)),
            waiting=Count("pk", filter=Q(returned_step_exists())),
            due_soon=Count("pk", filter=working & Q(due_date__gte=today, due_date__lte=soon)),
            to_hand_over=Count(
                "pk", filter=Q(state__in=[BundleState.COMPLETED, BundleState.PARTLY_COMPLETED], handed_over_at=None)
            ),
        )

    def explain(sql: str) -> tuple[float, str]:
        times, plan = [], ""
        with connection.cursor() as cursor:
            for _ in range(25):
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                lines = [row[0] for row in cursor.fetchall()]
                times.append(float(next(line for line in lines if line.startswith("Execution Time")).split()[2]))
                plan = "\n".join(lines)
        return statistics.median(times), plan

    def cpu(run) -> float:
        for _ in range(20):
            run()
        samples = []
        for _ in range(200):
            started = time.process_time()
            run()
            samples.append(time.process_time() - started)
        return statistics.median(samples) * 1000

    print("| commune | dossiers | counts | SQL statements | PostgreSQL ms | Python CPU ms |")
    print("|---|---|---|---|---|---|")
    plans = []
    for code, size in SIZES.items():
        commune = unit_get_on(code=code, on=today)
        clerk = user_upsert(
            username=f"bench.counts.{code}", password="bench-only", role=UserRole.CLERK, commune=commune
        )
        now, was = bundle_counts(user=clerk, today=today), before(commune)
        assert now["total"] == was["total"] == size, (now, was)
        ways = {
            "before: every dossier": functools.partial(before, commune),
            "now: what is at the desk, the tally": functools.partial(bundle_counts, user=clerk, today=today),
        }
        for label, run in ways.items():
            run()  # the working calendar is read once a minute: not this statement's
            with CaptureQueriesContext(connection) as captured:
                run()
            statements = len(captured)
            (sql,) = [q["sql"] for q in captured.captured_queries]
            db_ms, plan = explain(sql)
            print(f"| {code} | {size:,} | {label} | {statements} | {db_ms:.3f} | {cpu(run):.3f} |")
            print(f"RESULT counts commune={code} size={size} counts={label!r} sql_ms={db_ms:.3f}")
            plans.append((code, label, plan))
    for code, label, plan in plans:
        print(f"\n{code}, {label}:\n{plan}")


if __name__ == "__main__":
    main()
