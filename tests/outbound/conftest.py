import pytest

from tests.cases.conftest import _fresh_rules_and_in_process_tasks, api, integration, officer  # noqa: F401


@pytest.fixture
def national(tmp_path, settings):
    """The national portal's integration service, as the emulator process (tests/peers/
    national_portal.py); started by the test with its answers; the portal configured with its
    account, and no session kept from an earlier test."""
    from django.core.cache import cache

    from tests.faults.harness import free_port
    from tests.peers import NationalPortal

    portal = NationalPortal(free_port(), tmp_path / "national.jsonl")
    settings.NATIONAL_PORTAL_URL, settings.NATIONAL_PORTAL_AUTH_URL = portal.url, portal.auth_url
    settings.NATIONAL_PORTAL_USERNAME = portal.ACCOUNT["username"]
    settings.NATIONAL_PORTAL_PASSWORD = portal.ACCOUNT["password"]
    settings.NATIONAL_PORTAL_DSTCODE = portal.ACCOUNT["dstcode"]
    settings.NATIONAL_PORTAL_MADONVI = portal.ACCOUNT["madonvi"]
    settings.OUTBOUND_RETRY_BASE = 60.0
    cache.delete(f"outbound:national:session:{portal.ACCOUNT['username']}")
    yield portal
    portal.stop()
