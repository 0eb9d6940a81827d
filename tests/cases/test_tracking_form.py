"""Issue 26 §7: the last 4 digits of the applicant's ID number never travel in the tracking page's
URL (so neither in the browser's history nor in the server's access log): the form posts them with
its CSRF token. The receipt's QR code (the code only) still opens the form, which asks the digits."""

import re

import pytest
from django.test import Client

from cases.documents import tracking_url
from cases.models import Bundle
from tests.cases.conftest import birth

pytestmark = pytest.mark.django_db


@pytest.fixture
def bundle(api, integration) -> Bundle:
    return Bundle.objects.get(code=api(integration).post("/api/v1/bundles/", birth(), format="json").json()["code"])


def form(page: str) -> str:
    """The look-up form (the header has the language switch's)."""
    return next(f for f in re.findall(r"<form [^>]*>.*?</form>", page, re.S) if 'id="track-code"' in f)


def test_the_form_posts_the_digits_with_its_csrf_token(bundle):
    page = Client().get("/track/", {"code": bundle.code}).content.decode()

    assert (
        re.search(r"<form [^>]*>", form(page)).group(0) == '<form method="post" action="/track/" class="card narrow">'
    )
    assert 'name="csrfmiddlewaretoken"' in form(page)
    assert re.search(r'<input id="track-last4" name="id_last4"[^>]*>', form(page)).group(0) == (
        '<input id="track-last4" name="id_last4" inputmode="numeric" maxlength="4" autocomplete="off" autofocus>'
    )


def test_a_post_with_the_csrf_token_shows_the_dossier_at_the_bare_address(bundle):
    client = Client(enforce_csrf_checks=True)
    opened = client.get("/track/", {"code": bundle.code})
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', opened.content.decode()).group(1)

    found = client.post("/track/", {"csrfmiddlewaretoken": token, "code": bundle.code, "id_last4": "1234"})

    assert found.status_code == 200
    assert found.request["PATH_INFO"] == "/track/" and found.request["QUERY_STRING"] == ""
    page = found.content.decode()
    assert f'<h2><span class="code">{bundle.code}</span> <span class="state' in page
    assert "1234" not in form(page)  # not even written back into the form


def test_a_post_without_the_csrf_token_is_refused_and_looks_nothing_up(bundle, django_assert_num_queries):
    with django_assert_num_queries(0):
        refused = Client(enforce_csrf_checks=True).post("/track/", {"code": bundle.code, "id_last4": "1234"})

    assert refused.status_code == 403


def test_an_old_link_with_the_digits_lands_on_the_form_without_them_and_looks_nothing_up(
    bundle, django_assert_num_queries
):
    with django_assert_num_queries(0):
        old = Client().get("/track/", {"code": bundle.code, "id_last4": "1234"})

    assert (old.status_code, old["Location"]) == (302, f"/track/?code={bundle.code}")


def test_the_receipts_qr_code_opens_the_form_with_the_code_asking_the_digits(bundle, settings):
    settings.PUBLIC_BASE_URL = "https://dichvucong.nghean.gov.vn"
    url = tracking_url(bundle.code)
    assert url == f"https://dichvucong.nghean.gov.vn/track/?code={bundle.code}"

    page = Client().get(url.removeprefix(settings.PUBLIC_BASE_URL)).content.decode()

    assert re.search(r'<input id="track-code" name="code" value="([^"]*)"', page).group(1) == bundle.code
    assert 'role="alert"' not in page and "autofocus" in re.search(r'<input id="track-last4"[^>]*>', page).group(0)


def test_a_nul_in_the_posted_code_is_refused_naming_the_field(bundle):
    refused = Client().post("/track/", {"code": bundle.code + "\x00", "id_last4": "1234"})

    assert refused.status_code == 400
    assert re.search(r'role="alert"><p>([^<]+)</p>', refused.content.decode()).group(1) == "Không được chứa ký tự NUL."


def test_the_page_still_counts_look_ups_per_address(bundle, settings):
    settings.TRACK_PAGE_ATTEMPTS = 3

    statuses = [
        Client().post("/track/", {"code": bundle.code, "id_last4": "1234"}, REMOTE_ADDR="203.0.113.5").status_code
        for _ in range(4)
    ]

    assert statuses == [200, 200, 200, 429]


def test_partners_may_post_the_digits_to_the_api_too_with_the_same_answer_and_count(api, bundle):
    by_query = api().get(f"/api/v1/track/{bundle.code}/", {"id_last4": "1234"})
    by_body = api().post(f"/api/v1/track/{bundle.code}/", {"id_last4": "1234"}, format="json")
    wrong = [
        api().post(f"/api/v1/track/{bundle.code}/", {"id_last4": f"{i:04d}"}, format="json").status_code
        for i in range(2, 12)
    ]

    assert (by_body.status_code, by_body.json()) == (200, by_query.json())
    assert wrong == [404] * 10
    assert api().get(f"/api/v1/track/{bundle.code}/", {"id_last4": "1234"}).status_code == 429
