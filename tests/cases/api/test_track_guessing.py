"""Guessing a dossier's tracking answer: the throttles count the real client address (X-Forwarded-For
only from TRUSTED_PROXIES), and failed answers are also counted per dossier code, whatever the address."""

import time

import pytest
from django.test import Client, RequestFactory

from portal.client import client_address
from tests.cases.conftest import birth, death

pytestmark = pytest.mark.django_db


@pytest.fixture
def code(api, integration) -> str:
    return api(integration).post("/api/v1/bundles/", birth(), format="json").json()["code"]


def test_a_new_forged_forwarded_address_each_time_is_still_throttled(api, code):
    statuses = [
        api()
        .get(
            f"/api/v1/track/{code}/",
            {"id_last4": "1234"},
            REMOTE_ADDR="203.0.113.5",
            HTTP_X_FORWARDED_FOR=f"10.1.{i}.1",
        )
        .status_code
        for i in range(40)
    ]

    assert statuses == [200] * 30 + [429] * 10


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_count(api, code, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]

    def get(client_ip: str) -> int:
        return (
            api()
            .get(
                f"/api/v1/track/{code}/",
                {"id_last4": "1234"},
                REMOTE_ADDR="10.0.0.2",
                HTTP_X_FORWARDED_FOR=f"1.2.3.4, {client_ip}, 10.0.0.9",
            )
            .status_code
        )

    assert [get(f"198.51.100.{i}") for i in range(40)] == [200] * 40
    assert [get("198.51.100.200") for _ in range(31)] == [200] * 30 + [429]


@pytest.mark.parametrize(
    ("remote", "forwarded", "trusted", "expected"),
    [
        ("203.0.113.5", "10.1.1.1", [], "203.0.113.5"),
        ("10.0.0.2", "1.2.3.4, 198.51.100.7", [], "10.0.0.2"),
        ("10.0.0.2", "1.2.3.4, 198.51.100.7", ["10.0.0.0/24"], "198.51.100.7"),
        ("10.0.0.2", "1.2.3.4, 198.51.100.7, 10.0.0.9", ["10.0.0.0/24"], "198.51.100.7"),
        ("203.0.113.5", "198.51.100.7", ["10.0.0.0/24"], "203.0.113.5"),
        ("10.0.0.2", "", ["10.0.0.0/24"], "10.0.0.2"),
    ],
)
def test_client_address(remote, forwarded, trusted, expected, settings):
    settings.TRUSTED_PROXIES = trusted
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_address(request) == expected


def test_the_api_refuses_a_code_after_ten_wrong_answers_from_ten_addresses(api, code):
    wrong = [
        api().get(f"/api/v1/track/{code}/", {"id_last4": f"{i:04d}"}, REMOTE_ADDR=f"198.51.100.{i}").status_code
        for i in range(2, 12)
    ]
    right = api().get(f"/api/v1/track/{code}/", {"id_last4": "1234"}, REMOTE_ADDR="198.51.100.99")

    assert wrong == [404] * 10
    assert right.status_code == 429
    assert right.json() == {"detail": "Nhập sai quá nhiều lần cho mã hồ sơ này. Hãy thử lại sau một giờ."}


def test_the_page_and_the_api_share_the_count_per_code(api, code):
    for i in range(2, 7):
        assert (
            api().get(f"/api/v1/track/{code}/", {"id_last4": f"{i:04d}"}, REMOTE_ADDR=f"198.51.100.{i}").status_code
            == 404
        )
    for i in range(7, 12):
        page = Client().post("/track/", {"code": code, "id_last4": f"{i:04d}"}, REMOTE_ADDR=f"198.51.100.{i}")
        assert page.status_code == 404

    page = Client().post("/track/", {"code": code, "id_last4": "1234"}, REMOTE_ADDR="198.51.100.99")

    assert page.status_code == 429
    assert "Nhập sai quá nhiều lần cho mã hồ sơ này. Hãy thử lại sau một giờ." in page.content.decode()


def test_other_codes_are_not_blocked(api, integration, code):
    other = api(integration).post("/api/v1/bundles/", death(), format="json").json()["code"]
    for i in range(2, 12):
        api().get(f"/api/v1/track/{code}/", {"id_last4": f"{i:04d}"}, REMOTE_ADDR=f"198.51.100.{i}")

    assert api().get(f"/api/v1/track/{other}/", {"id_last4": death()["applicant"]["id_number"][-4:]}).status_code == 200


def test_the_code_answers_again_once_the_window_ends(api, code, settings):
    """Real time, not a frozen clock: with CACHE_URL the window is Redis' own expiry."""
    settings.TRACK_CODE_WINDOW = 3
    for i in range(2, 12):
        api().get(f"/api/v1/track/{code}/", {"id_last4": f"{i:04d}"}, REMOTE_ADDR=f"198.51.100.{i}")
    assert api().get(f"/api/v1/track/{code}/", {"id_last4": "1234"}).status_code == 429

    time.sleep(3.2)

    assert api().get(f"/api/v1/track/{code}/", {"id_last4": "1234"}).status_code == 200
