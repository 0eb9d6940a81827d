"""The desk's counts (issue 32): what is at the desk now, read from what is still open, and the
commune's tally of dossiers received, kept by filing; never a recount of the commune's history."""

import datetime
import re

import pytest
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext

from agencies.choices import UserRole
from cases import selectors, services
from cases.choices import BundleState, StepState
from cases.models import Bundle, CommuneTally, Step, returned_step_exists
from portal.errors import Invalid
from tests.cases.conftest import birth
from tests.cases.test_pages_clerk import _typed, clerk, filed_birth, travel  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 3, 2)


def recount(commune: str, today: datetime.date) -> dict[str, int]:
    """The counts as the desk made them before: every dossier of the commune, aggregated."""
    working = Q(state=BundleState.IN_PROGRESS)
    return Bundle.objects.filter(commune__code=commune).aggregate(
        total=Count("pk"),
        in_progress=Count("pk", filter=working),
        overdue=Count("pk", filter=working & Q(due_date__lt=today)),
        waiting=Count("pk", filter=Q(returned_step_exists())),
        due_soon=Count("pk", filter=working & Q(due_date__gte=today, due_date__lte=today + datetime.timedelta(days=1))),
        to_hand_over=Count(
            "pk", filter=Q(state__in=[BundleState.COMPLETED, BundleState.PARTLY_COMPLETED], handed_over_at=None)
        ),
    )


def test_the_desk_counts_what_is_at_the_desk_and_the_tally_what_was_received(clerk, make_user, travel):  # noqa: F811
    files = [filed_birth(clerk, child__birth_certificate_number=f"C{n}") for n in range(8)]
    ready, late, soon, returned, done, handed, partly, withdrawn = files
    Bundle.objects.filter(pk=late.pk).update(due_date=MONDAY - datetime.timedelta(days=3))
    Bundle.objects.filter(pk=soon.pk).update(due_date=MONDAY + datetime.timedelta(days=1))
    Step.objects.filter(bundle=returned, state=StepState.READY).update(state=StepState.RETURNED)
    Bundle.objects.filter(pk__in=[done.pk, handed.pk]).update(state=BundleState.COMPLETED)
    Bundle.objects.filter(pk=partly.pk).update(state=BundleState.PARTLY_COMPLETED)
    Bundle.objects.filter(pk=handed.pk).update(handed_over_at=handed.received_at)
    services.bundle_withdraw(user=clerk, code=str(withdrawn.code), reason="Gia đình xin rút")
    elsewhere = make_user(UserRole.CLERK, commune="17329", username="elsewhere")
    filed_birth(elsewhere, commune="17329", child__birth_certificate_number="E1")

    counts = selectors.bundle_counts(user=clerk, today=MONDAY)

    assert counts == {"total": 8, "in_progress": 4, "overdue": 1, "waiting": 1, "due_soon": 1, "to_hand_over": 2}
    assert counts == recount("16690", MONDAY)
    assert dict(CommuneTally.objects.values_list("commune__code", "received")) == {"16690": 8, "17329": 1}
    assert selectors.bundle_counts(user=elsewhere, today=MONDAY)["total"] == 1
    del ready  # filed and left as it is: in progress, not yet due


def test_a_dossier_refused_as_a_duplicate_or_sent_again_is_not_counted_twice(clerk, travel):  # noqa: F811
    data = _typed(birth(received_at=None, channel="direct", child__birth_certificate_number="D1"))
    first, created = services.bundle_file(user=clerk, data=data, idempotency_key="k-1")
    again, created_again = services.bundle_file(user=clerk, data=data, idempotency_key="k-1")
    with pytest.raises(Invalid):
        services.bundle_file(user=clerk, data=data)

    assert (created, created_again, again.pk) == (True, False, first.pk)
    assert CommuneTally.objects.get(commune__code="16690").received == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner is PostgreSQL's")
def test_the_counts_read_only_what_is_at_the_desk_however_long_the_history(client, clerk, travel):  # noqa: F811
    """20,000 dossiers of history, finished and handed over, and 2 at the desk: the counts' query
    reads only indexes of what is open, never the commune's history."""
    at_desk = [filed_birth(clerk, child__birth_certificate_number=f"H{n}") for n in range(2)]
    columns = [f.column for f in Bundle._meta.concrete_fields if f.column != "id"]
    history = {
        "code": "code || '-' || n",
        "duplicate_key": "''",
        "state": "'completed'",
        "finished_at": "received_at",
        "handed_over_at": "received_at",
    }
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO cases_bundle ({', '.join(columns)})"
            f" SELECT {', '.join(history.get(c, c) for c in columns)} FROM cases_bundle, generate_series(1, 20000) n"
            " WHERE id = %s",
            [at_desk[0].pk],
        )
        cursor.execute("ANALYZE cases_bundle")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/clerk/").status_code == 200
    (sql,) = [q["sql"] for q in queries if "FILTER (WHERE" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())

    # Each index of dossiers it reads holds only open ones (the planner picks among them by the
    # statistics); the tally is read by its key, the returned steps by theirs.
    read = set(re.findall(r"Index (?:Only )?Scan (?:using|on) (\w+)", plan))
    assert {"bundle_desk_results", "cases_communetally_pkey"} <= read, plan
    assert read - {"cases_communetally_pkey", "step_returned_deadline", "cases_step_bundle_id_983af305"} <= {
        "bundle_desk_open",
        "bundle_desk_results",
        "bundle_state_due",
    }, plan
    assert "Seq Scan" not in plan, plan
    assert selectors.bundle_counts(user=clerk, today=MONDAY)["in_progress"] == 2
