"""The citizen's e-ID sign-in over OpenID Connect, end to end in headless Chromium against the
development provider (idp/) running as its own process: the authorization-code flow with PKCE,
state and nonce; the account keyed by the personal ID number; and the ID tokens the portal must
refuse (tampered on the way, issued for another nonce, expired) and a level-1 sign-in that may
only track. The provider is real: it signs every token it issues with its own RSA key."""

import re
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.hashers import is_password_usable

from agencies.choices import UserRole
from agencies.models import User
from cases.models import Bundle
from tests.citizens.conftest import BINH, LAN, PASSWORD
from tests.faults.harness import free_port
from tests.peers import wait_for_port

PEERS = "tests/peers"
pytestmark = pytest.mark.django_db


def sign_in(page, live_server, personal_id: str, start: str = "") -> None:
    """Go to the citizen's area, and sign in at the provider's page as a person would."""
    if start:
        page.goto(start)
    else:
        page.goto(live_server.url + "/citizen/")
    page.get_by_label("Tên đăng nhập").fill(personal_id)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()


def refused(page, live_server) -> None:
    assert urlsplit(page.url).path == "/citizen/sign-in/refused/"
    assert page.locator("#signin-refused").is_visible()
    assert not User.objects.filter(role=UserRole.CITIZEN).exists()
    again = page.request.get(live_server.url + "/citizen/", max_redirects=0)  # not signed in
    assert (again.status, again.headers["location"]) == (302, "/oidc/authenticate/?next=%2Fcitizen%2F")


def test_the_area_without_a_session_asks_the_provider_with_state_nonce_and_pkce(client, settings):
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = "https://sso.example.gov.vn/o/authorize/"
    first = client.get("/citizen/dossiers/KS-1/")
    assert first.status_code == 302
    assert first["Location"] == "/oidc/authenticate/?next=%2Fcitizen%2Fdossiers%2FKS-1%2F"
    answer = client.get(first["Location"])
    location = urlsplit(answer["Location"])
    assert answer.status_code == 302
    assert f"{location.scheme}://{location.netloc}{location.path}" == "https://sso.example.gov.vn/o/authorize/"
    query = {name: values[0] for name, values in parse_qs(location.query).items()}
    assert sorted(query) == [
        "acr_values",
        "client_id",
        "code_challenge",
        "code_challenge_method",
        "nonce",
        "redirect_uri",
        "response_type",
        "scope",
        "state",
    ]
    assert query["response_type"] == "code"
    assert query["scope"].split() == ["openid", "profile"]
    assert query["code_challenge_method"] == "S256"
    assert query["redirect_uri"] == "http://testserver/oidc/callback/"
    assert len(query["state"]) == len(query["nonce"]) == 32
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", query["code_challenge"])
    assert client.session["oidc_states"][query["state"]]["nonce"] == query["nonce"]


def test_a_first_sign_in_opens_the_citizens_account_keyed_by_the_personal_id(page, live_server, provider):
    sign_in(page, live_server, LAN)

    assert page.url == live_server.url + "/citizen/"
    assert "Nguyễn Thị Lan" in page.locator(".lead").inner_text()
    assert page.locator("#track-only").count() == 0  # level 2: the filing buttons are there
    assert page.locator('a[href="/citizen/file/birth/"]').count() == 1
    user = User.objects.get(role=UserRole.CITIZEN)
    assert (user.personal_id, user.username, user.last_name, user.first_name) == (
        LAN,
        f"e-id-{LAN}",
        "Nguyễn",
        "Thị Lan",
    )
    assert not is_password_usable(user.password)

    page.context.clear_cookies()  # signs in again: the same account
    sign_in(page, live_server, LAN)
    assert page.url == live_server.url + "/citizen/"
    assert User.objects.filter(role=UserRole.CITIZEN).count() == 1


def test_a_level_1_sign_in_may_track_but_not_file(page, live_server, provider):
    sign_in(page, live_server, BINH)

    assert page.url == live_server.url + "/citizen/"
    assert page.locator("#track-only").is_visible()
    answer = page.request.get(live_server.url + "/citizen/file/birth/")
    assert answer.status == 403
    token = page.context.cookies()
    csrf = next(cookie["value"] for cookie in token if cookie["name"] == "csrftoken")
    posted = page.request.post(
        live_server.url + "/citizen/file/birth/",
        form={"commune": "16690", "delivery": "electronic"},
        headers={"X-CSRFToken": csrf, "Referer": live_server.url + "/citizen/"},
    )
    assert posted.status == 403
    assert Bundle.objects.count() == 0


def test_an_id_token_issued_for_another_nonce_is_refused(page, live_server, provider):
    answer = page.request.get(live_server.url + "/oidc/authenticate/?next=/citizen/", max_redirects=0)
    location = answer.headers["location"]
    assert "nonce=" in location
    forged = re.sub(r"nonce=[^&]+", "nonce=forged-by-someone-else", location)

    sign_in(page, live_server, LAN, start=forged)  # the real provider signs a token with that nonce

    refused(page, live_server)


def test_an_id_token_altered_on_the_way_is_refused(page, live_server, provider, settings):
    port = free_port()
    command = [sys.executable, f"{PEERS}/tamperer.py", str(port), provider.issuer + "/token/", "token"]
    tamperer = subprocess.Popen(command)
    try:
        assert wait_for_port(port, 10)
        provider.point(settings, token_endpoint=f"http://127.0.0.1:{port}/")
        sign_in(page, live_server, BINH)  # level 1, raised to 3 by the tamperer without re-signing
        refused(page, live_server)
    finally:
        tamperer.kill()
        tamperer.wait()


def test_an_expired_id_token_is_refused(page, live_server, providers, settings):
    from axes.utils import reset

    reset()
    providers("expired").point(settings)

    sign_in(page, live_server, LAN)

    refused(page, live_server)
