"""Issue 10 §7: the portal's own 403, 404 and 500 pages, in Vietnamese (English by the switch),
with the header and a way home, as served with DEBUG off."""

import re

import pytest
from django.test import Client

from agencies.choices import UserRole

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _served_for_real(settings):
    settings.DEBUG = False


def heading(response) -> str:
    return re.search(r"<h1>([^<]+)</h1>", response.content.decode()).group(1)


def test_an_unknown_address_gives_the_portals_404_in_vietnamese_with_a_way_home(client):
    response = client.get("/no-such-page/")

    page = response.content.decode()
    assert response.status_code == 404
    assert heading(response) == "Không tìm thấy trang"
    assert '<html lang="vi">' in page and '<header class="site-header">' in page
    assert re.search(r'<a class="button primary" href="([^"]+)">Về trang chủ</a>', page).group(1) == "/"


def test_the_404_is_in_english_when_the_switch_says_so(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    response = client.get("/no-such-page/")

    assert (response.status_code, heading(response)) == (404, "Page not found")
    assert '<a class="button primary" href="/">Go to the home page</a>' in response.content.decode()


def test_a_page_of_another_role_gives_the_portals_403(client, make_user):
    client.force_login(make_user(UserRole.CLERK))

    response = client.get("/queue/")

    assert (response.status_code, heading(response)) == (403, "Không được phép")
    assert '<a class="button primary" href="/">Về trang chủ</a>' in response.content.decode()


def test_a_failing_view_gives_the_portals_500_without_touching_the_database(settings, django_assert_num_queries):
    settings.ROOT_URLCONF = "tests.portal.urls_boom"
    client = Client(raise_request_exception=False)

    with django_assert_num_queries(0):
        response = client.get("/boom/")

    page = response.content.decode()
    assert (response.status_code, heading(response)) == (500, "Đã có lỗi xảy ra")
    assert '<header class="site-header">' in page
    assert '<a class="button primary" href="/">Về trang chủ</a>' in page


def test_under_debug_an_unknown_address_still_gives_the_portals_404_not_the_url_list(client, settings):
    """Issue 26 §7.7: `make run` (DEBUG) shows the portal's 404, never Django's page listing every
    URL pattern; an address missing only its slash is still redirected to it."""
    settings.DEBUG = True

    response = client.get("/no-such-page/")
    without_slash = client.get("/track")

    page = response.content.decode()
    assert (response.status_code, heading(response)) == (404, "Không tìm thấy trang")
    assert "URLconf" not in page and "admin/" not in page
    assert '<header class="site-header">' in page
    assert (without_slash.status_code, without_slash["Location"]) == (301, "/track/")


def test_under_debug_a_views_404_is_the_portals_too(client, settings, make_user):
    settings.DEBUG = True
    client.force_login(make_user(UserRole.CLERK))

    response = client.get("/clerk/new/no-such-kind/")

    assert (response.status_code, heading(response)) == (404, "Không tìm thấy trang")
    assert "Django" not in response.content.decode()


def test_under_debug_a_failing_view_keeps_djangos_traceback(settings):
    settings.DEBUG = True
    settings.ROOT_URLCONF = "tests.portal.urls_boom"

    response = Client(raise_request_exception=False).get("/boom/")

    assert response.status_code == 500
    assert "RuntimeError" in response.content.decode() and "a bug" in response.content.decode()


def test_the_browsers_own_icon_request_gets_the_icon_and_no_page_no_cookie(client):
    """A 404 page there would render a page, and with it a new CSRF cookie for a browser that has
    none: racing the sign-in page's own cookie, it made the sign-in that followed fail."""
    response = client.get("/favicon.ico")

    assert (response.status_code, response["Location"]) == (302, "/static/icons/desk-192.png")
    assert "csrftoken" not in response.cookies
