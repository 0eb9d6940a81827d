"""Issue 11 §3 (hardening): the request-size limits at the web server, against a real gunicorn
started with gunicorn.conf.py: a too-long request line, too many or too large headers are refused
by gunicorn; a body over MAX_REQUEST_BYTES by the portal behind it (413, nothing read)."""

import http.client
import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.peers import wait_for_port

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "ENV_FILE": os.devnull,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "PUBLIC_BASE_URL": "https://portal.example.gov.vn",
        "SECURE_SSL_REDIRECT": "false",
        "EMBEDDED": "true",  # SQLite and tasks in-process: this server is here for its limits
        "LOCAL_BEAT": "false",
        "MAX_REQUEST_BYTES": str(1024 * 1024),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "portal.wsgi:application"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        wait_for_port(port)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)


def request(port: int, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_gunicorn_refuses_a_request_line_over_its_limit(server):
    assert request(server, "GET", "/track/?code=" + "A" * 4100, {})[0] == 414


def test_gunicorn_refuses_too_many_headers_and_a_header_too_large_with_431(server):
    assert request(server, "GET", "/accounts/login/", {f"X-Extra-{n}": "1" for n in range(60)})[0] == 431
    assert request(server, "GET", "/accounts/login/", {"Cookie": "a=" + "b" * 9000})[0] == 431


def test_a_body_over_the_cap_gets_413_from_the_portal(server):
    status, body = request(
        server,
        "POST",
        "/api/v1/bundles/",
        {"Content-Type": "application/json", "Accept-Language": "en"},
        b"{" + b" " * (1024 * 1024) + b"}",
    )
    assert status == 413
    assert body.decode() == '{"detail": "The request is larger than 1 MB, the most the portal accepts in one request."}'
