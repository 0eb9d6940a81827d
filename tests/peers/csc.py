"""A remote signing service speaking the CSC API v1 (certomancer-csc-dummy) as its own process,
holding the keys of the test PKI: credential "demo/<label>" signs as that certificate. It asks for
signature activation data pinned to each hash (SCAL 2), as a qualified service does."""

from __future__ import annotations

import subprocess
import sys

from signing.demo_pki import Pki
from tests.peers import wait_for_port


def start_csc(pki: Pki, port: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "csc_dummy", str(pki.directory / "certomancer.yml"), str(port), "2"]
    process = subprocess.Popen(command, cwd=pki.directory, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not wait_for_port(port, 30):
        process.kill()
        raise RuntimeError("the CSC service did not start")
    return process
