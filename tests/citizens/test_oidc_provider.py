"""The e-ID sign-in against node-oidc-provider (npm `oidc-provider`, OpenID Certified), run as its
own process (tests/peers/oidc_provider.mjs) and driven by headless Chromium: the independent peer
that stands for the national sign-on (VNeID), whose own test environment we do not have.

The provider follows OIDC Core at its defaults: the profile claims (name, personal ID number) come
from userinfo only, the ID token carrying `sub` and `acr`. The portal is given only the issuer: the
endpoints and algorithms come from discovery. Signed with RS256 and ES256, through the token
endpoint's three client authentications; then what goes wrong on the provider's side, each
landing on the refused page (403) or the unavailable page (503) with one log line naming it: a key
rotation (must keep working), a denied consent, a wrong client secret, an expired code, a missing
claim, userinfo about another subject, the provider stopped mid-flow, the JWKS or userinfo unreachable."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import jwt
import pytest
from axes.utils import reset
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from agencies.choices import UserRole
from agencies.models import User
from citizens import provider as kept
from tests.citizens.conftest import BINH, LAN, ROOT, point
from tests.faults.harness import free_port
from tests.peers import PEERS, wait_for_port

pytestmark = pytest.mark.django_db
NODE = shutil.which("node")
PEER = ROOT / "tests" / "peers" / "oidc_provider.mjs"
PASSWORD = "peer-test-pw"
NO_ID = "040195009999"  # the login of an account whose provider holds no personal ID number
SECRET = "portal-secret-at-the-provider"
ACCOUNTS = {
    LAN: {
        "sub": "vneid-sub-7f3a",
        "level": 2,
        "claims": {"name": "Nguyễn Thị Lan", "birthdate": "1995-03-14", "personal_id": LAN},
    },
    BINH: {"sub": "vneid-sub-1c9e", "level": 1, "claims": {"name": "Lê Văn Bình", "personal_id": BINH}},
    NO_ID: {"sub": "vneid-sub-0000", "level": 2, "claims": {"name": "Trần Văn Khuyết"}},
}


def rsa_jwk(kid: str) -> dict:
    key = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(rsa.generate_private_key(public_exponent=65537, key_size=2048)))
    return {**key, "kid": kid, "alg": "RS256", "use": "sig"}


def ec_jwk(kid: str) -> dict:
    key = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP256R1())))
    return {**key, "kid": kid, "alg": "ES256", "use": "sig"}


@dataclass
class Peer:
    """One node-oidc-provider process, on a port it keeps when started again."""

    callback: str
    keys: list[dict]
    client_key: dict
    code_ttl: int = 60
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def clients(self) -> list[dict]:
        """The portal registered four times: one per client authentication, one signed ES256."""
        common = {"redirect_uris": [self.callback], "client_secret": SECRET}
        private = ("d", "p", "q", "dp", "dq", "qi", "key_ops")
        public = {name: value for name, value in self.client_key.items() if name not in private}
        return [
            {**common, "client_id": "portal-basic", "token_endpoint_auth_method": "client_secret_basic"},
            {**common, "client_id": "portal-post", "token_endpoint_auth_method": "client_secret_post"},
            {**common, "client_id": "portal-es256", "id_token_signed_response_alg": "ES256"},
            {
                "client_id": "portal-jwt",
                "redirect_uris": [self.callback],
                "token_endpoint_auth_method": "private_key_jwt",
                "jwks": {"keys": [public]},
            },
        ]

    def start(self) -> Peer:
        env = {
            **os.environ,
            "OIDC_PEER_PORT": str(self.port),
            "OIDC_PEER_CLIENTS": json.dumps(self.clients()),
            "OIDC_PEER_KEYS": json.dumps(self.keys),
            "OIDC_PEER_ACCOUNTS": json.dumps(ACCOUNTS),
            "OIDC_PEER_PASSWORD": PASSWORD,
            "OIDC_PEER_CODE_TTL": str(self.code_ttl),
        }
        self.process = subprocess.Popen(
            [NODE or "node", str(PEER)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=None
        )
        if not wait_for_port(self.port, 15):
            self.stop()
            raise RuntimeError("node-oidc-provider did not start")
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture(scope="module")
def client_key(tmp_path_factory) -> tuple[dict, Path]:
    """The portal's own key for private_key_jwt: as a JWK (the provider's copy) and a PEM file."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = tmp_path_factory.mktemp("portal-key") / "client.pem"
    pem.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return {**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private)), "kid": "portal-1", "alg": "RS256"}, pem


@pytest.fixture(scope="module")
def peers(live_server, client_key):
    """Start node-oidc-provider processes (stopped at the end of the module)."""
    if not NODE or not (ROOT / "node_modules" / "oidc-provider").is_dir():
        pytest.skip("node-oidc-provider not installed (apt-get install nodejs npm; make node_modules/.installed)")
    started: list[Peer] = []

    def start(keys: list[dict] | None = None, code_ttl: int = 60) -> Peer:
        keys = keys or [rsa_jwk("rsa-1"), ec_jwk("ec-1")]
        peer = Peer(f"{live_server.url}/oidc/callback/", keys, client_key[0], code_ttl).start()
        started.append(peer)
        return peer

    yield start
    for peer in started:
        peer.stop()


@pytest.fixture(scope="module")
def shared(peers) -> Peer:
    return peers()


@pytest.fixture
def portal(settings, client_key):
    """Point the portal at a peer by its issuer alone, as one of its registered clients."""
    reset()

    def at(peer: Peer, client: str = "portal-basic", **endpoints: str) -> None:
        point(settings, peer.issuer, **endpoints)
        settings.OIDC_RP_CLIENT_ID, settings.OIDC_RP_CLIENT_SECRET = client, SECRET
        settings.OIDC_TOKEN_AUTH_METHOD = {"portal-post": "client_secret_post", "portal-jwt": "private_key_jwt"}.get(
            client, "client_secret_basic"
        )
        settings.OIDC_CLIENT_PRIVATE_KEY, settings.OIDC_CLIENT_KEY_ID = str(client_key[1]), "portal-1"

    return at


class Visit:
    """The browser's visit: each page's status by path, as the citizen's browser got it."""

    def __init__(self, page, live_server) -> None:
        self.page, self.base = page, live_server.url
        self.statuses: dict[str, int] = {}
        page.on("response", lambda response: self.statuses.__setitem__(urlsplit(response.url).path, response.status))

    def sign_in(self, login: str, consent: str = "Đồng ý") -> None:
        """From the citizen's area to the provider's login and consent pages, and back."""
        self.page.goto(self.base + "/citizen/")
        self.page.get_by_label("Tên đăng nhập").fill(login)
        self.page.get_by_label("Mật khẩu").fill(PASSWORD)
        self.page.get_by_role("button", name="Đăng nhập").click()
        self.page.get_by_role("button", name=consent).click()
        self.page.wait_for_url(lambda url: url.startswith(self.base + "/citizen/"))
        self.page.wait_for_load_state()

    def hold_the_code(self, meanwhile) -> None:
        """Run `meanwhile` after the provider issued the code, before the browser brings it back.
        (Playwright does not route the redirects themselves: the consent's answer is fetched here,
        the provider's redirect to the callback followed here, and handed to the browser after.)"""

        def consented(route) -> None:
            resume = route.fetch(max_redirects=0).headers["location"]
            back = self.page.request.get(urljoin(route.request.url, resume), max_redirects=0)
            meanwhile()
            route.fulfill(status=303, headers={"location": back.headers["location"]})

        self.page.route(lambda url: url.endswith("/consent"), consented)

    @property
    def path(self) -> str:
        return urlsplit(self.page.url).path

    def landed(self, path: str, status: int, marker: str) -> None:
        assert (self.path, self.statuses[path]) == (path, status)
        assert self.page.locator(marker).is_visible()
        assert not User.objects.filter(role=UserRole.CITIZEN).exists()


def causes(caplog) -> list[str]:
    """The lines the sign-in logged about why it failed."""
    return [r.getMessage() for r in caplog.records if r.name == "citizens.oidc" and r.levelname == "WARNING"]


def signed_in(visit: Visit, personal_id: str, name: tuple[str, str], level: str) -> None:
    assert (visit.path, visit.statuses["/citizen/"]) == ("/citizen/", 200)
    user = User.objects.get(role=UserRole.CITIZEN)
    assert (user.personal_id, user.username, user.last_name, user.first_name) == (
        personal_id,
        f"e-id-{personal_id}",
        *name,
    )
    assert visit.page.locator("#track-only").count() == (0 if level == "2" else 1)


@pytest.mark.parametrize("client", ["portal-basic", "portal-post", "portal-jwt"])
def test_claims_from_userinfo_with_each_client_authentication(page, live_server, shared, portal, client, caplog):
    """RS256, the claims in userinfo only, the client authenticated by basic, post or a JWT."""
    portal(shared, client)
    visit = Visit(page, live_server)

    visit.sign_in(LAN)

    signed_in(visit, LAN, ("Nguyễn", "Thị Lan"), "2")
    assert "Nguyễn Thị Lan" in page.locator(".lead").inner_text()
    assert causes(caplog) == []


def test_an_es256_id_token_and_a_level_1_sign_in(page, live_server, shared, portal):
    portal(shared, "portal-es256")
    visit = Visit(page, live_server)

    visit.sign_in(BINH)

    signed_in(visit, BINH, ("Lê", "Văn Bình"), "1")
    assert page.request.get(live_server.url + "/citizen/file/birth/").status == 403


def test_an_algorithm_the_allow_list_leaves_out_is_refused(page, live_server, shared, portal, settings, caplog):
    portal(shared, "portal-es256")
    settings.OIDC_SIGN_ALGORITHMS = ["RS256", "HS256", "none"]  # HS256 and none are never taken
    visit = Visit(page, live_server)

    visit.sign_in(LAN)

    visit.landed("/citizen/sign-in/refused/", 403, "#signin-refused")
    assert causes(caplog) == ["e-ID sign-in refused: ID token signed with 'ES256', not one of ['RS256']"]


def test_a_key_rotation_keeps_working(page, live_server, peers, portal):
    """The provider starts again with a new key and the old one gone: the portal, which kept the
    old key set, fetches it again for the unknown kid."""
    peer = peers(keys=[rsa_jwk("rsa-before")])
    portal(peer)
    visit = Visit(page, live_server)
    visit.sign_in(LAN)
    signed_in(visit, LAN, ("Nguyễn", "Thị Lan"), "2")
    jwks = peer.issuer + "/jwks"
    assert [key["kid"] for key in kept._keys[jwks]] == ["rsa-before"]

    peer.stop()
    peer.keys = [rsa_jwk("rsa-after")]
    peer.start()
    page.context.clear_cookies()
    visit.sign_in(LAN)

    assert visit.path == "/citizen/"
    assert [key["kid"] for key in kept._keys[jwks]] == ["rsa-after"]
    assert User.objects.filter(role=UserRole.CITIZEN).count() == 1


def test_a_denied_consent_lands_on_the_refused_page(page, live_server, shared, portal, caplog):
    portal(shared)
    visit = Visit(page, live_server)

    visit.sign_in(LAN, consent="Từ chối")

    visit.landed("/citizen/sign-in/refused/", 403, "#signin-denied")
    assert causes(caplog) == [
        "e-ID sign-in refused: the provider answered access_denied: the citizen declined to share their data"
    ]


def test_a_wrong_client_secret_is_refused_by_the_token_endpoint(page, live_server, shared, portal, settings, caplog):
    portal(shared)
    settings.OIDC_RP_CLIENT_SECRET = "not-the-secret"
    visit = Visit(page, live_server)

    visit.sign_in(LAN)

    visit.landed("/citizen/sign-in/refused/", 403, "#signin-refused")
    assert causes(caplog) == [
        "e-ID sign-in refused: token endpoint answered 401 invalid_client: client authentication failed"
    ]


def test_an_expired_code_is_refused_by_the_token_endpoint(page, live_server, peers, portal, caplog):
    peer = peers(code_ttl=1)
    portal(peer)
    visit = Visit(page, live_server)

    visit.hold_the_code(lambda: time.sleep(2.5))  # the browser brings the code back after it expired
    visit.sign_in(LAN)

    visit.landed("/citizen/sign-in/refused/", 403, "#signin-refused")
    assert causes(caplog) == [
        "e-ID sign-in refused: token endpoint answered 400 invalid_grant: grant request is invalid"
    ]


def test_a_missing_personal_id_is_refused(page, live_server, shared, portal, caplog):
    portal(shared)
    visit = Visit(page, live_server)

    visit.sign_in(NO_ID)

    visit.landed("/citizen/sign-in/refused/", 403, "#signin-refused")
    assert causes(caplog) == ["e-ID sign-in refused: missing claim personal_id (a 12-digit personal ID number)"]


def test_userinfo_about_another_subject_is_refused(page, live_server, shared, portal, caplog):
    """userinfo's answer, from the real provider, changed on the way to name another `sub`."""
    port = free_port()
    command = [sys.executable, str(PEERS / "tamperer.py"), str(port), shared.issuer + "/me", "userinfo"]
    tamperer = subprocess.Popen(command)
    try:
        assert wait_for_port(port, 10)
        portal(shared, userinfo_endpoint=f"http://127.0.0.1:{port}/")
        visit = Visit(page, live_server)

        visit.sign_in(LAN)

        visit.landed("/citizen/sign-in/refused/", 403, "#signin-refused")
        assert causes(caplog) == [
            "e-ID sign-in refused: userinfo is about another subject ('someone-else', not 'vneid-sub-7f3a')"
        ]
    finally:
        tamperer.kill()
        tamperer.wait()


def test_the_provider_stopped_mid_flow_lands_on_the_unavailable_page(page, live_server, peers, portal, caplog):
    peer = peers()
    portal(peer)
    visit = Visit(page, live_server)

    visit.hold_the_code(peer.stop)  # the provider stops between its redirect and the token request
    visit.sign_in(LAN)

    visit.landed("/citizen/sign-in/unavailable/", 503, "#signin-unavailable")
    [line] = causes(caplog)
    assert line.startswith(
        f"e-ID sign-in failed, the provider is unavailable: token endpoint unreachable ({peer.issuer}/token): "
    )


@pytest.mark.parametrize("endpoint", ["jwks_uri", "userinfo_endpoint"])
def test_the_jwks_or_userinfo_unreachable_lands_on_the_unavailable_page(
    page, live_server, shared, portal, endpoint, caplog
):
    """The keys, or the claims (only userinfo has them), at an address where nothing answers."""
    nowhere = f"http://127.0.0.1:{free_port()}/nothing"
    portal(shared, **{endpoint: nowhere})
    visit = Visit(page, live_server)

    visit.sign_in(LAN)

    visit.landed("/citizen/sign-in/unavailable/", 503, "#signin-unavailable")
    what = {"jwks_uri": "JWKS", "userinfo_endpoint": "userinfo"}[endpoint]
    [line] = causes(caplog)
    assert line.startswith(f"e-ID sign-in failed, the provider is unavailable: {what} unreachable ({nowhere}): ")


def test_a_provider_down_before_the_sign_in_starts_lands_on_the_unavailable_page(client, settings, caplog):
    down = f"http://127.0.0.1:{free_port()}"
    point(settings, down)

    started = client.get("/oidc/authenticate/?next=/citizen/")
    shown = client.get(started["Location"])

    assert (started.status_code, started["Location"]) == (302, "/citizen/sign-in/unavailable/")
    assert shown.status_code == 503
    assert "Không kết nối được" in shown.content.decode()
    [line] = causes(caplog)
    assert line.startswith(
        "e-ID sign-in failed, the provider is unavailable: discovery document unreachable "
        f"({down}/.well-known/openid-configuration): "
    )


def test_the_refused_page_answers_403_even_when_opened_again(client):
    assert client.get("/citizen/sign-in/refused/").status_code == 403


def test_a_discovery_document_that_is_not_an_object_lands_on_the_unavailable_page(client, settings, caplog):
    """Review of issue 28: a provider (or a proxy before it) answering `[]` at its discovery
    address was a 500."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Maintenance(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"[]")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Maintenance)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    issuer = f"http://127.0.0.1:{server.server_address[1]}"
    point(settings, issuer)
    try:
        started = client.get("/oidc/authenticate/?next=/citizen/")
    finally:
        server.shutdown()

    assert (started.status_code, started["Location"]) == (302, "/citizen/sign-in/unavailable/")
    [line] = causes(caplog)
    assert (
        line == f"e-ID sign-in failed, the provider is unavailable: discovery document of {issuer} is not a JSON object"
    )


def test_what_the_callback_is_sent_is_logged_on_one_line(client, caplog):
    """Review of issue 28: anyone can call the callback; its `error_description` cannot add lines
    of their making to the log."""
    answer = client.get("/oidc/callback/", {"error": "access_denied", "error_description": "x\nCRITICAL forged line"})

    [line] = causes(caplog)
    assert answer.status_code == 302
    assert line == "e-ID sign-in refused: the provider answered access_denied: x CRITICAL forged line"
