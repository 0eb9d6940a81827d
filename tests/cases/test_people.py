"""Issue 10 §5: an action shows the person who did it, by name and with their office, on the pages,
in the API and on the receipt; never the office's name in place of the person's."""

import re

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.choices import UserRole
from agencies.models import User
from agencies.selectors import office_for_role
from cases import documents, services
from cases.api.serializers import BundleCreateSerializer
from cases.models import Bundle
from tests.cases.conftest import at, birth
from tests.conftest import D2026

pytestmark = pytest.mark.django_db


@pytest.fixture
def travel():
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        yield


@pytest.fixture
def people(make_user):
    """A clerk and a Justice officer of Phường Trường Vinh, with their names."""
    clerk = make_user(UserRole.CLERK, commune="16690", last_name="Nguyễn", first_name="Thị Thu Hà")
    justice = make_user(
        UserRole.OFFICER, commune="16690", agency_role="civil_status", last_name="Trần", first_name="Văn Minh"
    )
    return clerk, justice


def filed(clerk, n: int = 1) -> Bundle:
    serializer = BundleCreateSerializer(
        data=birth(received_at=None, channel="direct", child__birth_certificate_number=f"P{n}")
    )
    assert serializer.is_valid(), serializer.errors
    return services.bundle_file(user=clerk, data=serializer.validated_data)[0]


def first_step(bundle: Bundle):
    return bundle.steps.get(procedure_id="birth_registration")


JUSTICE = "Trần Văn Minh (Tư pháp - Hộ tịch, UBND phường Trường Vinh)"
DESK = "Nguyễn Thị Thu Hà (Bộ phận một cửa phường Trường Vinh)"


def test_a_person_is_named_family_name_first_with_where_they_work():
    police = office_for_role(role="residence", commune_code="16690", on=D2026)
    officer = User(username="u1", role=UserRole.OFFICER, office=police, last_name="Lê", first_name="Quang Huy")
    nameless = User(username="u2", role=UserRole.OFFICER, office=police)
    system = User(username="portal.integration", role=UserRole.INTEGRATION, first_name="Cổng Dịch vụ công")

    assert (officer.get_full_name(), officer.display_name) == (
        "Lê Quang Huy",
        "Lê Quang Huy (Công an phường Trường Vinh)",
    )
    assert nameless.display_name == "u2 (Công an phường Trường Vinh)"
    assert system.display_name == "Cổng Dịch vụ công"


def test_the_queue_and_the_step_page_name_the_claimant_and_their_office(client, people, travel):
    clerk, justice = people
    step = first_step(filed(clerk))
    services.step_claim(user=justice, step_pk=step.pk)
    client.force_login(justice)

    queue = client.get("/queue/").content.decode()
    page = client.get(f"/steps/{step.pk}/").content.decode()

    row = re.search(rf'<tr id="step-{step.pk}".*?</tr>', queue, re.S).group(0)
    assert re.search(r"<small>([^<]+)</small>", row).group(1) == JUSTICE
    assert re.search(r"<dt>Trạng thái</dt><dd>(.*?)</dd>", page).group(1).endswith(f"· {JUSTICE}")


def test_the_dossier_pages_history_and_steps_name_each_person_with_their_office(client, people, travel):
    clerk, justice = people
    bundle = filed(clerk)
    services.step_claim(user=justice, step_pk=first_step(bundle).pk)
    client.force_login(clerk)

    page = client.get(f"/bundles/{bundle.code}/").content.decode()

    history = page.split("<h2>Lịch sử xử lý</h2>")[1]
    who = [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td>(.*?)</td>\s*<td>[^<]*</td></tr>", history)]
    assert who == [DESK, DESK, JUSTICE]  # filed, handed on to the first office, claimed
    assert re.search(r'<p class="claimant">([^<]+)</p>', page).group(1) == f"Người xử lý: {JUSTICE}"


def test_the_events_api_adds_each_persons_name_and_keeps_the_login(api, people, travel):
    clerk, justice = people
    bundle = filed(clerk)
    services.step_claim(user=justice, step_pk=first_step(bundle).pk)

    events = api(clerk).get(f"/api/v1/bundles/{bundle.code}/events/").json()["results"]

    assert [(e["action"], e["actor"], e["actor_name"]) for e in events] == [
        ("filed", clerk.username, DESK),
        ("unlocked", clerk.username, DESK),
        ("claimed", justice.username, JUSTICE),
    ]


def test_the_events_api_runs_the_same_queries_however_long_the_history(api, people, travel):
    clerk, justice = people
    short, long = filed(clerk, 1), filed(clerk, 2)
    for _ in range(10):
        services.step_claim(user=justice, step_pk=first_step(long).pk)
        services.step_release(user=justice, step_pk=first_step(long).pk)
    client = api(clerk)

    def queries(bundle: Bundle) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/api/v1/bundles/{bundle.code}/events/").status_code == 200
        return len(captured)

    # The bundle in scope, the read recorded (issue 28: the events are personal data), the page of events.
    assert (queries(short), queries(long)) == (3, 3)


def test_the_receipt_names_the_demo_clerk_who_received_the_dossier_not_the_desk(travel):
    call_command("seed_demo", "--password", "pw", verbosity=0)
    clerk = User.objects.get(username="clerk.16690")

    html = documents.receipt_html(filed(clerk))

    name = re.search(r'NGƯỜI TIẾP NHẬN HỒ SƠ.*?<div class="name">([^<]*)</div>', html, re.S).group(1)
    assert name == "Nguyễn Thị Thu Hà"
