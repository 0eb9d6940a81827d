"""Signing one issued PDF, per document, against the test PKI (certomancer as a process, as in
tests/signing): PAdES B-T and B-LT with a PKCS#12 key and through a remote signing service (the CSC
API, certomancer-csc-dummy as a process), each beside the floors measured in the same run: one
bare RSA-2048 signature of a SHA-256 digest, and one RFC 3161 timestamp round trip to the same
authority. Usage: .venv/bin/python bench/sign_pdfs.py [documents per measurement, default 50]."""

import asyncio
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("EMBEDDED", "true")

import django

django.setup()
logging.disable(logging.INFO)  # pyHanko logs every fetch at INFO

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding, rsa  # noqa: E402
from cryptography.hazmat.primitives.serialization import pkcs12  # noqa: E402
from django.conf import settings  # noqa: E402
from pyhanko.sign import timestamps  # noqa: E402

from signing import keys, pades  # noqa: E402
from signing.layout import html_to_pdf  # noqa: E402
from signing.pades import Pkcs12Key, sign_pdf  # noqa: E402
from tests.faults.harness import free_port  # noqa: E402
from tests.peers.csc import start_csc  # noqa: E402
from tests.peers.pki import start_test_pki  # noqa: E402

PASSPHRASE = b"bench"


def timed(action, runs: int) -> list[float]:
    action()  # warm up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return sorted(times)


def fetched_each_time(document: bytes, signer, tsa_url: str, roots) -> bytes:
    pades._revocation.clear()
    return sign_pdf(document, signer, tsa_url=tsa_url, long_term_roots=roots)


async def by_csc(document: bytes, tsa_url: str, roots) -> bytes:
    """As the signing worker does for each document with SIGNING_KEY_STORE=csc."""
    async with keys.signer_for("demo/office") as signer:
        return await pades.async_sign_pdf(document, signer, tsa_url=tsa_url, long_term_roots=roots)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    pki = start_test_pki(Path(tempfile.mkdtemp(prefix="bench-pki-")), free_port())
    csc_port = free_port()
    csc = start_csc(pki, csc_port)
    settings.SIGNING_KEY_STORE, settings.SIGNING_CSC_URL = "csc", f"http://localhost:{csc_port}"
    try:
        document = html_to_pdf("<h1>Giấy tiếp nhận hồ sơ và hẹn trả kết quả</h1><p>KS-40-2026-000001</p>" * 20)
        path = pki.pkcs12("office", PASSPHRASE.decode(), pki.directory / "office.p12")
        signer = Pkcs12Key(path, PASSPHRASE).signer()
        key = pkcs12.load_key_and_certificates(path.read_bytes(), PASSPHRASE)[0]
        assert isinstance(key, rsa.RSAPrivateKey)
        roots = [pki.cert("root")]
        stamper = timestamps.HTTPTimeStamper(pki.tsa_url)
        digest = bytes(32)
        rows = {
            "floor: one RSA-2048 signature (cryptography)": lambda: key.sign(
                digest, padding.PKCS1v15(), hashes.SHA256()
            ),
            "floor: one timestamp round trip (RFC 3161)": lambda: asyncio.run(
                stamper.async_timestamp(digest, "sha256")
            ),
            "PAdES B-T (PKCS#12)": lambda: sign_pdf(document, signer, tsa_url=pki.tsa_url),
            "PAdES B-LT (PKCS#12), OCSP and CRLs fetched for each document": lambda: fetched_each_time(
                document, signer, pki.tsa_url, roots
            ),
            "PAdES B-LT (PKCS#12), OCSP and CRLs kept 5 minutes per signer (the portal's way)": lambda: sign_pdf(
                document, signer, tsa_url=pki.tsa_url, long_term_roots=roots
            ),
            "PAdES B-T (CSC remote signing: credential, authorisation, signHash)": lambda: asyncio.run(
                by_csc(document, pki.tsa_url, None)
            ),
            "PAdES B-LT (CSC remote signing), OCSP and CRLs kept": lambda: asyncio.run(
                by_csc(document, pki.tsa_url, roots)
            ),
        }
        print(f"{len(document):,}-byte PDF, {runs} documents each, {os.cpu_count()} CPUs")
        print("| measurement | p50 ms | p95 ms |")
        print("|---|---|---|")
        for name, action in rows.items():
            times = timed(action, runs)
            p95 = times[max(0, round(0.95 * len(times)) - 1)]
            print(f"| {name} | {statistics.median(times):.1f} | {p95:.1f} |")
    finally:
        csc.kill()
        pki.stop()


if __name__ == "__main__":
    main()
