import pytest

from tests.cases.conftest import _fresh_rules_and_in_process_tasks, api, integration, officer  # noqa: F401


@pytest.fixture
def national(tmp_path, settings):
    """The national portal's status call, as a process; started by the test with its answers."""
    from tests.faults.harness import free_port
    from tests.peers import Receiver

    receiver = Receiver(free_port(), tmp_path / "national.jsonl")
    settings.NATIONAL_PORTAL_STATUS_URL, settings.NATIONAL_PORTAL_TOKEN = receiver.url, "national-token"
    settings.OUTBOUND_RETRY_BASE = 60.0
    yield receiver
    receiver.stop()
