"""Issue 11 §3: a NUL character in a query parameter, a path part or a JSON body gave 500 on
PostgreSQL (it cannot store or compare one); now 400 naming the field, and nothing changes."""

import re

import pytest
from django.test import Client

from agencies.choices import UserRole
from cases.models import Event, Step
from tests.cases.api.test_steps import filed, step

pytestmark = pytest.mark.django_db

NUL = "Null characters are not allowed."
NUL_VI = "Không được chứa ký tự NUL."


def error(response) -> tuple[int, dict[str, list[str]]]:
    return response.status_code, response.json()["errors"]


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/bundles/?channel=%00", "channel"),
        ("/api/v1/bundles/?commune=1%002", "commune"),
        ("/api/v1/units/?parent=%00", "parent"),
        ("/api/v1/offices/?unit=%00", "unit"),
        ("/api/v1/queue/?state=%00", "state"),
        ("/api/v1/reports/online-rate/?unit=%00", "unit"),
    ],
)
def test_a_nul_in_a_list_filter_is_refused_naming_it(api, integration, url, field):
    response = api(integration).get(url, HTTP_ACCEPT_LANGUAGE="en")

    assert error(response) == (400, {field: [NUL]})
    assert response.json()["detail"] == "The request has errors: see each field."


@pytest.mark.parametrize("url", ["/api/v1/bundles/%00/", "/api/v1/bundles/KS%00/events/"])
def test_a_nul_in_a_path_code_is_refused_naming_it(api, integration, url):
    assert error(api(integration).get(url, HTTP_ACCEPT_LANGUAGE="en")) == (400, {"code": [NUL]})


def test_a_nul_on_the_public_tracking_endpoint_is_refused_in_vietnamese_by_default(api):
    assert error(api().get("/api/v1/track/%00/?id_last4=1234")) == (400, {"code": [NUL_VI]})
    assert error(api().get("/api/v1/track/KS-40-2026-000001/?id_last4=12%0034")) == (400, {"id_last4": [NUL_VI]})


def test_a_nul_in_a_page_filter_gives_the_error_page_naming_it(make_user):
    client = Client()
    client.force_login(make_user(UserRole.CLERK))

    for url, field in [("/clerk/?q=%00", "q"), ("/clerk/?after=%00", "after"), ("/track/?code=%00&id_last4=1", "code")]:
        response = client.get(url)
        page = response.content.decode()
        assert response.status_code == 400
        assert 'href="/clerk/"' in page  # the header still knows who is signed in
        assert re.search(r'<p class="field-error" data-field="([^"]+)">([^<]+)</p>', page).groups() == (
            field,
            f"{field}: {NUL_VI}",
        )


def test_a_nul_in_a_json_body_field_is_refused_naming_it_and_nothing_changes(api, integration, officer):
    first = step(filed(api, integration), "birth_registration")
    civil_status = officer("civil_status")
    api(civil_status).post(f"/api/v1/steps/{first.pk}/claim/")
    events = Event.objects.count()

    free_form = api(civil_status).post(
        f"/api/v1/steps/{first.pk}/complete/",
        {"result": {"register_number": "KS\x00", "personal_id_number": "040326001122"}},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    text = api(civil_status).post(
        f"/api/v1/steps/{first.pk}/refuse/", {"reason": "no\x00"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert error(free_form) == (400, {"result.register_number": [NUL]})
    assert error(text) == (400, {"reason": [NUL]})
    assert Step.objects.get(pk=first.pk).state == "in_progress"
    assert Event.objects.count() == events
