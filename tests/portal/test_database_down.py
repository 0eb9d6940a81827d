"""While PostgreSQL cannot be reached, the portal answers 503 with a clear message and logs one
line per request, not a 500 with a traceback. A real gunicorn serves the portal with DATABASE_URL
naming a port where no database listens (a port this test bound and closed)."""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.peers import wait_for_port

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str, **headers: str) -> tuple[int, dict[str, str], str]:
    return _send(urllib.request.Request(url, headers=headers))


def _post(url: str, data: bytes, **headers: str) -> tuple[int, dict[str, str], str]:
    return _send(urllib.request.Request(url, data=data, headers=headers))


def _send(request: urllib.request.Request) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port, nowhere = _free_port(), _free_port()
    log = tmp_path_factory.mktemp("gunicorn") / "server.log"
    env = {
        **os.environ,
        "DEBUG": "true",
        "SECRET_KEY": "x",
        "LOCAL_BEAT": "false",
        "CELERY_BROKER_URL": "",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{nowhere}/lienthong",
        "DATABASE_POOL": "false",
    }
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "portal.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}", log
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_api_answers_503_with_a_clear_message(server):
    base, _ = server

    status, headers, body = _get(
        f"{base}/api/v1/units/", **{"Accept-Language": "vi", "Authorization": "Token 0123456789abcdef"}
    )

    assert status == 503
    assert headers["Retry-After"] == "30"
    assert json.loads(body) == {
        "detail": "Cổng thông tin tạm thời không kết nối được cơ sở dữ liệu. Yêu cầu này không làm "
        "thay đổi gì; vui lòng thử lại sau ít phút."
    }


def test_a_page_answers_503_in_its_language_and_the_log_has_no_traceback(server):
    base, log = server

    # The tracking form needs no database; its look-up (a POST with the form's CSRF token) does.
    _, form_headers, form = _get(f"{base}/track/?code=KS-40-2026-000001")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    fields = {"csrfmiddlewaretoken": token, "code": "KS-40-2026-000001", "id_last4": "1234"}
    status, headers, body = _post(
        f"{base}/track/", urllib.parse.urlencode(fields).encode(), Cookie=form_headers["Set-Cookie"].split(";")[0]
    )

    assert status == 503
    assert headers["Retry-After"] == "30"
    assert "<h1>Tạm thời không phục vụ được</h1>" in body
    assert "vui lòng thử lại sau ít phút." in body
    time.sleep(0.5)
    text = log.read_text()
    assert "Traceback" not in text
    assert text.count("Database unreachable, answered 503: POST /track/") == 1
