"""The queue's plan stays on the partial index of open steps after a burst of filings that
autovacuum has not yet analysed (issue 16): the planner walks the office's open steps in order and
stops after a page, instead of fetching and sorting the whole queue."""

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.cases.api.test_steps import filed

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner is PostgreSQL's"),
]


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def _burst(cursor, office: int, bundle: int, count: int, state: str) -> None:
    cursor.execute(
        "INSERT INTO cases_step (bundle_id, procedure_id, agency_role, office_id, state, clock_starts_on,"
        " due_date, reason, missing_documents) SELECT %s, 'birth_registration', 'civil_status', %s, %s,"
        " current_date, current_date + (n %% 30), '', '[]' FROM generate_series(1, %s) n",
        [bundle, office, state, count],
    )


def test_the_database_prices_random_reads_for_ssd():
    """The migration sets it on the database: a new session (any client, PgBouncer's too) has it."""
    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"], port=settings["PORT"] or 5432
    ) as fresh:
        assert fresh.execute("SHOW random_page_cost").fetchone() == ("1.1",)


def test_the_queue_walks_its_index_after_a_burst_without_analyze(api, integration, officer):
    """Failed before the fix: the index on (office, state, due date) let the planner fetch the
    queue's steps of each open state and sort them (Index Scan using step_queue, then Sort)."""
    bundle = filed(api, integration)
    justice = officer("civil_status")
    pages = {}
    for path in ("/api/v1/queue/", "/queue/"):
        client = api(justice)
        if path == "/queue/":
            client.force_login(justice)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        pages[path] = next(q["sql"] for q in queries if 'FROM "cases_step"' in q["sql"] and "ORDER BY" in q["sql"])

    with connection.cursor() as cursor:
        # This test's session began before the migration set it on the database (the test above).
        cursor.execute("SET LOCAL random_page_cost = 1.1")
        # What the statistics know: a province's history, mostly finished, this office's queue short.
        _burst(cursor, justice.office_id, bundle.pk, 20_000, "done")
        _burst(cursor, justice.office_id, bundle.pk, 20, "ready")
        cursor.execute("ANALYZE cases_step")
        # Then a morning of filings, not analysed yet.
        _burst(cursor, justice.office_id, bundle.pk, 7_800, "ready")

    for path, sql in pages.items():
        plan = _plan(sql)
        assert "Index Scan using step_open_queue" in plan, (path, plan)
        assert "Sort" not in plan, (path, plan)
