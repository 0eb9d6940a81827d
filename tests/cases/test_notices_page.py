"""Issue 30: nothing the portal tells the staff sits unseen. The portal notices (a step handed to
an office, a note, a rung of the escalation ladder) name the workplace they are for, and its people
read them on their notices page, newest first, each linked to where it is acted on; nobody reads
another workplace's; the page costs the same queries for one notice or many."""

import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from agencies.choices import UserRole
from cases.models import Bundle, Notification
from tests.cases.conftest import at, birth

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _travel():
    with time_machine.travel(at(2026, 3, 2, 15), tick=False):
        yield


def filed(api, integration, capture, number: str = "CS-2026-000123") -> Bundle:
    with capture(execute=True):  # the worker hands the ready steps to their offices after commit
        answer = api(integration).post("/api/v1/bundles/", birth(child__birth_certificate_number=number), format="json")
    assert answer.status_code == 201, answer.json()
    return Bundle.objects.get(code=answer.json()["code"])


def page(user) -> str:
    client = Client()
    client.force_login(user)
    answer = client.get("/notices/")
    assert answer.status_code == 200
    return answer.content.decode()


def rows(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'id="notice-(\d+)"', html)]


def test_each_workplace_reads_what_it_was_told_and_nothing_else(
    api, integration, officer, make_user, django_capture_on_commit_callbacks
):
    bundle = filed(api, integration, django_capture_on_commit_callbacks)
    justice, police = officer("civil_status"), officer("residence")
    clerk = make_user(UserRole.CLERK, commune="16690", username="clerk")
    with django_capture_on_commit_callbacks(execute=True):
        api(justice).post(
            f"/api/v1/bundles/{bundle.code}/notes/", {"text": "Xin bản sao.", "to": "desk"}, format="json"
        )
    handed = Notification.objects.get(to_office=justice.office_id)
    note = Notification.objects.get(to_unit=clerk.commune_id)

    justice_page, clerk_page, police_page = page(justice), page(clerk), page(police)

    step = bundle.steps.get(procedure_id="birth_registration")
    assert rows(justice_page) == [handed.pk]
    assert f'href="/steps/{step.pk}/"' in justice_page and handed.message in justice_page
    assert rows(clerk_page) == [note.pk]
    assert f'href="/bundles/{bundle.code}/"' in clerk_page and note.message in clerk_page
    assert rows(police_page) == []  # its step waits for the birth registration: nothing told yet
    assert "Chưa có thông báo nào." in police_page


def test_those_without_a_workplace_have_no_notices_page(make_user):
    client = Client()
    client.force_login(make_user(UserRole.CITIZEN, username="lan", personal_id="040195001234"))

    assert client.get("/notices/").status_code == 403


def test_the_page_costs_the_same_for_one_notice_or_many(api, integration, officer, django_capture_on_commit_callbacks):
    justice = officer("civil_status")
    filed(api, integration, django_capture_on_commit_callbacks)
    client = Client()
    client.force_login(justice)

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/notices/").status_code == 200
        return len(queries)

    one = cost()
    for number in range(2, 6):
        filed(api, integration, django_capture_on_commit_callbacks, number=f"CS-2026-00020{number}")

    assert Notification.objects.filter(to_office=justice.office_id).count() == 5
    assert cost() == one
