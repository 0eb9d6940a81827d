"""The test PKI (signing.demo_pki) as its own process: a root and an issuing CA, OCSP and CRLs, a
timestamp authority, the certificates of an office, an officer and a civil-status system, one
revoked certificate, and a certificate from a second root that nobody trusts."""

from __future__ import annotations

from pathlib import Path

from signing.demo_pki import Pki, write_pki
from tests.peers import wait_for_port

HOLDERS = {
    "office": "UBND phường Trường Vinh",
    "officer": "Nguyễn Thị Thu Hà",
    "civil-status": "Hệ thống đăng ký, quản lý hộ tịch",
    "revoked": "Revoked signer",
}


def start_test_pki(directory: Path, port: int) -> Pki:
    write_pki(directory, port, HOLDERS, revoked=frozenset({"revoked"}), strangers={"stranger": "Stranger"})
    pki = Pki(directory, port)
    process = pki.serve()
    if not wait_for_port(port, 30):
        process.kill()
        raise RuntimeError("certomancer did not start")
    return pki
