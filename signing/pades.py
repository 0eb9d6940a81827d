"""Signing a PDF the portal issues: PAdES (pyHanko), baseline B-T (an RFC 3161 timestamp from the
configured authority) or B-LT (the chain's OCSP answers and CRLs embedded, so the signature can be
checked after the certificates expire). Functions over bytes: where the key comes from and who
signs which document is decided by the caller (signing.keys, signing.services)."""

from __future__ import annotations

import asyncio
import functools
import io
import time
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers, timestamps
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko_certvalidator import ValidationContext

from signing import outside_event_loop


@dataclass(frozen=True)
class Pkcs12Key:
    """A signing key and its certificate chain in a PKCS#12 file (the default key store)."""

    path: Path
    passphrase: bytes | None

    def signer(self) -> signers.SimpleSigner:
        if not self.path.is_file():
            raise ValueError(f"no PKCS#12 file {self.path}")
        signer = signers.SimpleSigner.load_pkcs12(str(self.path), passphrase=self.passphrase)
        if signer is None:
            raise ValueError(f"cannot open the PKCS#12 file {self.path} with the configured passphrase")
        return signer


@functools.cache
def _timestamper(url: str) -> timestamps.HTTPTimeStamper:
    """One per authority and process: a new one first asks the authority for a dummy token (to
    size the signature), a second round trip per document."""
    return timestamps.HTTPTimeStamper(url)


# The chain's OCSP answers and CRLs that B-LT embeds, kept per set of roots for this many seconds:
# every document signed meanwhile embeds the same answers instead of fetching them again (an
# OCSP answer is valid for hours and a CRL for days; five minutes keeps a revocation visible soon).
REVOCATION_KEEP_SECONDS = 300.0
_revocation: dict[tuple[bytes, ...], tuple[float, list, list]] = {}


def _long_term_context(roots: list[asn1_x509.Certificate]) -> tuple[tuple[bytes, ...], ValidationContext]:
    key = tuple(root.sha256 for root in roots)
    kept = _revocation.get(key)
    if kept is not None and time.monotonic() - kept[0] < REVOCATION_KEEP_SECONDS:
        return key, ValidationContext(trust_roots=roots, crls=kept[1], ocsps=kept[2], allow_fetching=True)
    _revocation.pop(key, None)
    return key, ValidationContext(trust_roots=roots, allow_fetching=True)


async def async_sign_pdf(
    pdf: bytes,
    signer: signers.Signer,
    *,
    tsa_url: str,
    long_term_roots: list[asn1_x509.Certificate] | None = None,
    reason: str = "",
    location: str = "",
) -> bytes:
    """`pdf` with one more revision holding a PAdES signature by `signer`, timestamped by the
    authority at `tsa_url` (B-T); with `long_term_roots`, the validation data of the chain up to
    one of them is fetched and embedded too (B-LT)."""
    key, context = _long_term_context(long_term_roots) if long_term_roots is not None else ((), None)
    metadata = signers.PdfSignatureMetadata(
        field_name="Signature1",
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason or None,
        location=location or None,
        embed_validation_info=context is not None,
        validation_context=context,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    signed = await signers.async_sign_pdf(writer, metadata, signer=signer, timestamper=_timestamper(tsa_url))
    if context is not None and key not in _revocation:
        _revocation[key] = (time.monotonic(), context.crls, context.ocsps)
    elif context is not None:
        _revocation[key] = (_revocation[key][0], context.crls, context.ocsps)  # what a new signer's chain added
    return signed.getvalue()


def sign_pdf(pdf: bytes, signer: signers.Signer, **options) -> bytes:
    """async_sign_pdf from synchronous code (a worker, a test)."""
    return outside_event_loop(lambda: asyncio.run(async_sign_pdf(pdf, signer, **options)))
