import pytest

from tests.faults.harness import free_port
from tests.peers.pki import start_test_pki


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    """The test PKI (tests/peers/test_pki.py) as a process for the whole session."""
    served = start_test_pki(tmp_path_factory.mktemp("pki"), free_port())
    yield served
    served.process.kill()
    served.process.wait()
