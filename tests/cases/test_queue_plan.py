"""The queue's plan stays on the covering index of open steps at PostgreSQL's default costs after a
burst of filings that autovacuum has not reached yet (issues 16 and 32): the page query reads the
page's keys from the index alone, in order, stops after the page, and then reads those steps by key,
instead of fetching and sorting the office's whole queue. Nothing is set on the database or the
session for it, so a database restored or created again without any setting plans it the same."""

import json
import re

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from agencies.models import Office
from cases import rules
from tests.cases.api.test_steps import filed

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner is PostgreSQL's")

PAGE = 50
# Every page and filter of the queue, the API's and the page's, and a page after the first.
PATHS = (
    "/api/v1/queue/",
    "/api/v1/queue/?state=ready&overdue=true",
    "/queue/",
    "/queue/?state=ready&procedure=birth_registration&timing=due_soon",
)


def _steps(cursor, offices: list[int], bundle: int, count: int, state: str) -> None:
    """`count` steps in `state`, their offices taking turns, due over the next 30 days."""
    cursor.execute(
        "INSERT INTO cases_step (bundle_id, procedure_id, agency_role, office_id, state, clock_starts_on,"
        " due_date, reason, missing_documents) SELECT %s, 'birth_registration', 'civil_status',"
        " (%s::int[])[1 + n %% %s], %s, current_date, current_date + (n %% 30), '', '[]'"
        " FROM generate_series(1, %s) n",
        [bundle, offices, len(offices), state, count],
    )


@pytest.fixture
def burst(transactional_db, api, integration, officer):
    """A civil-status officer whose office had a short queue when autovacuum last vacuumed and
    analysed the steps, and a morning of filings since; committed, for VACUUM to see it."""
    call_command("load_reference_data", verbosity=0)
    rules.clear_cache()
    bundle = filed(api, integration)
    justice = officer("civil_status")
    offices = [justice.office_id, *Office.objects.exclude(pk=justice.office_id).values_list("pk", flat=True)[:9]]
    with connection.cursor() as cursor:
        # The real autovacuum must not analyse the burst while the test looks.
        cursor.execute("ALTER TABLE cases_step SET (autovacuum_enabled = false)")
        try:
            # What autovacuum saw: a province's history, mostly finished, the offices' steps interleaved.
            _steps(cursor, offices, bundle.pk, 50_000, "done")
            _steps(cursor, offices, bundle.pk, 200, "ready")
            cursor.execute("VACUUM ANALYZE cases_step")
            # Then a morning of filings at this office, neither vacuumed nor analysed yet.
            _steps(cursor, [justice.office_id], bundle.pk, 7_800, "ready")
            yield justice
        finally:
            cursor.execute("ALTER TABLE cases_step RESET (autovacuum_enabled)")


def _page_queries(api, justice) -> dict[str, str]:
    """The SQL of each queue page's query of steps, the next page's too."""
    client = api(justice)
    client.force_login(justice)
    steps = connection.ops.quote_name("cases_step")
    first = client.get("/api/v1/queue/").json()["next"]
    second = client.get("/queue/").context["page"].next_cursor
    paths = [*PATHS, first.removeprefix("http://testserver"), f"/queue/?after={second}"]
    pages = {}
    for path in paths:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        pages[path] = next(q["sql"] for q in queries if f"FROM {steps}" in q["sql"] and "ORDER BY" in q["sql"])
    return pages


def _nodes(node: dict) -> list[dict]:
    return [node, *(child for plan in node.get("Plans", []) for child in _nodes(plan))]


def _plan(sql: str) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        (document,) = cursor.fetchone()
    return _nodes((json.loads(document) if isinstance(document, str) else document)[0]["Plan"])


def _assert_walks_the_index(pages: dict[str, str]) -> None:
    for path, sql in pages.items():
        nodes = _plan(sql)
        shape = [(node["Node Type"], node.get("Index Name")) for node in nodes]
        # No part of the plan handles more steps than the page asks for (its LIMIT, with the next
        # page's first, and the OFFSET of DRF's cursor past the steps due the same day): neither a
        # Bitmap Heap Scan of the whole queue nor a Sort of it...
        limit, offset = re.search(r"LIMIT (\d+)(?: OFFSET (\d+))?", sql).groups(default="0")
        assert max(node["Actual Rows"] for node in nodes) <= int(limit) + int(offset), (path, shape)
        assert "Bitmap Heap Scan" not in {kind for kind, _ in shape}, (path, shape)
        # ...as the page's keys come from the index alone, read in order until the page is full.
        assert ("Index Only Scan", "step_open_queue") in shape, (path, shape)


def test_the_queue_walks_its_index_after_a_burst_at_postgresqls_default_costs(burst, api):
    """Failed before (issue 32) unless random_page_cost was 1.1 on the database: the planner
    fetched the office's open steps with a Bitmap Heap Scan and sorted all of them."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone() == ("4",)  # PostgreSQL's default: nothing set on the database
    _assert_walks_the_index(_page_queries(api, burst))


def test_the_queue_walks_its_index_after_a_burst_with_costs_for_ssd_too(burst, api):
    pages = _page_queries(api, burst)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL random_page_cost = 1.1")
        _assert_walks_the_index(pages)
