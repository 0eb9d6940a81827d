"""The dossier fixtures of tests/cases and the browser of tests/browser, for the citizen's pages;
and the development identity provider (idp/) as a real process, the peer of the e-ID sign-in."""

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from axes.utils import reset

from citizens.provider import forget
from tests.cases.conftest import _fresh_rules_and_in_process_tasks, officer  # noqa: F401
from tests.faults.harness import free_port
from tests.peers import wait_for_port

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "idp-test-pw"
LAN, HUNG, BINH = "040195001234", "040080004321", "040093005678"  # the provider's demo citizens (idp/)


@dataclass
class Provider:
    issuer: str
    process: subprocess.Popen

    def point(self, settings, token_endpoint: str = "") -> None:
        """Point the portal (the live server's thread reads these settings) at this provider: its
        issuer only, the endpoints from its discovery document (but the token endpoint if given)."""
        point(settings, self.issuer, token_endpoint=token_endpoint)


def point(settings, issuer: str, **endpoints: str) -> None:
    """The portal's settings for the provider at this issuer, nothing fetched from another kept."""
    settings.OIDC_ISSUER = issuer
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = endpoints.get("authorization_endpoint", "")
    settings.OIDC_OP_TOKEN_ENDPOINT = endpoints.get("token_endpoint", "")
    settings.OIDC_OP_USER_ENDPOINT = endpoints.get("userinfo_endpoint", "")
    settings.OIDC_OP_JWKS_ENDPOINT = endpoints.get("jwks_uri", "")
    forget()


def start_provider(state: Path, redirect_uri: str, id_token_seconds: int = 300) -> Provider:
    """idp/ as its own process with its own database and key: migrate, seed, serve."""
    port = free_port()
    issuer = f"http://127.0.0.1:{port}/o"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "idp.settings",
        "IDP_STATE_DIR": str(state),
        "IDP_ISSUER": issuer,
        "IDP_ID_TOKEN_EXPIRE_SECONDS": str(id_token_seconds),
    }
    django = [sys.executable, "-m", "django"]
    subprocess.run([*django, "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    seed = [*django, "seed_idp", "--password", PASSWORD, "--redirect-uri", redirect_uri]
    subprocess.run(seed, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    process = subprocess.Popen(
        [*django, "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if not wait_for_port(port, 30):
        process.kill()
        raise RuntimeError("the identity provider did not start")
    return Provider(issuer, process)


@pytest.fixture(scope="session")
def providers(live_server, tmp_path_factory):
    """The provider(s) for this session's live server, started on first use: "normal", and
    "expired", one that issues ID tokens already expired two minutes ago."""
    started: dict[str, Provider] = {}

    def get(name: str = "normal") -> Provider:
        if name not in started:
            seconds = -120 if name == "expired" else 300
            started[name] = start_provider(
                tmp_path_factory.mktemp(f"idp-{name}"), f"{live_server.url}/oidc/callback/", seconds
            )
        return started[name]

    yield get
    for provider in started.values():
        provider.process.kill()
        provider.process.wait()


@pytest.fixture
def provider(providers, settings):
    """The development provider, with the portal pointed at it and sign-in lockouts cleared (the
    refused sign-ins of other tests count against this machine's address)."""
    reset()
    chosen = providers()
    chosen.point(settings)
    return chosen
