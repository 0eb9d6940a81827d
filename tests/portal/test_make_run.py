"""`make run` on other ports: the links the portal prints and the timestamp authority it calls follow
the ports it was given (issue 26: receipts' QR codes pointed at :8000, signing called :8002)."""

import os
import subprocess
from pathlib import Path

from tests.portal.test_stack import settings_in_subprocess

ROOT = Path(__file__).resolve().parents[2]


def test_make_run_on_other_ports_prints_its_links_there_and_signs_with_its_own_authority():
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in {"PUBLIC_BASE_URL", "SIGNING_TSA_URL", "OIDC_ISSUER", "DEBUG", "DATABASE_URL"}
    }
    environment["ENV_FILE"] = os.devnull  # a developer's .env is not this test's
    arguments = ["PORT=9100", "IDP_PORT=9101", "PKI_PORT=9102", "HOST=localhost"]

    result = subprocess.run(
        ["make", "-s", "run-addresses", *arguments], cwd=ROOT, env=environment, capture_output=True, text=True
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == (
        "Portal and its links: http://localhost:9100 · e-ID: http://127.0.0.1:9101/o"
        " · timestamps: http://127.0.0.1:9102/demo/tsa/tsa"
    )


def test_under_debug_the_portal_answers_on_the_host_make_run_was_given_and_a_set_address_wins():
    given = {"DEBUG": "true", "DEV_BASE_URL": "http://192.168.1.20:9100", "DEV_TSA_URL": "http://127.0.0.1:9102/t"}

    derived = settings_in_subprocess(given, "s.ALLOWED_HOSTS, s.PUBLIC_BASE_URL, s.SIGNING_TSA_URL")
    chosen = settings_in_subprocess(
        {**given, "PUBLIC_BASE_URL": "https://dichvucong.example.vn", "SIGNING_TSA_URL": "https://tsa.example.vn"},
        "s.PUBLIC_BASE_URL, s.SIGNING_TSA_URL",
    )

    assert derived.returncode == 0, derived.stderr
    assert derived.stdout.strip() == (
        "(['127.0.0.1', '192.168.1.20', 'localhost'], 'http://192.168.1.20:9100', 'http://127.0.0.1:9102/t')"
    )
    assert chosen.stdout.strip() == "('https://dichvucong.example.vn', 'https://tsa.example.vn')"
