"""Signing a PDF the portal issues: PAdES (pyHanko), baseline B-T (an RFC 3161 timestamp from the
configured authority) or B-LT (the chain's OCSP answers and CRLs embedded, so the signature can be
checked after the certificates expire). Functions over bytes: where the key comes from and who
signs which document is decided by the caller (signing.keys, signing.services)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import time
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers, timestamps
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import SigningError
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


# The chain's OCSP answers and CRLs that B-LT embeds, kept per signer for this many seconds: the
# documents a key signs meanwhile embed the same answers instead of fetching them again (an OCSP
# answer is valid for minutes to days and a CRL for days; five minutes keeps a revocation visible
# soon). Used without fetching; once they no longer validate, they are fetched afresh.
REVOCATION_KEEP_SECONDS = 300.0
_revocation: dict[tuple[bytes, ...], tuple[float, list, list]] = {}


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
    one of them is embedded too (B-LT), fetched or, for REVOCATION_KEEP_SECONDS, kept."""
    if long_term_roots is None:
        return await _signed(pdf, signer, tsa_url, None, reason, location)
    assert signer.signing_cert is not None
    key = (signer.signing_cert.sha256, *(root.sha256 for root in long_term_roots))
    kept = _revocation.get(key)
    if kept is not None and time.monotonic() - kept[0] < REVOCATION_KEEP_SECONDS:
        context = ValidationContext(trust_roots=long_term_roots, crls=kept[1], ocsps=kept[2], allow_fetching=False)
        try:
            return await _signed(pdf, signer, tsa_url, context, reason, location)
        except SigningError:  # what was kept no longer validates (an answer past its nextUpdate)
            pass
    _revocation.pop(key, None)
    async with contextlib.aclosing(ValidationContext(trust_roots=long_term_roots, allow_fetching=True)) as context:
        signed = await _signed(pdf, signer, tsa_url, context, reason, location)
    _revocation[key] = (time.monotonic(), context.crls, context.ocsps)
    return signed


async def _signed(
    pdf: bytes,
    signer: signers.Signer,
    tsa_url: str,
    context: ValidationContext | None,
    reason: str,
    location: str,
) -> bytes:
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
    return signed.getvalue()


def sign_pdf(pdf: bytes, signer: signers.Signer, **options) -> bytes:
    """async_sign_pdf from synchronous code (a worker, a test)."""
    return outside_event_loop(lambda: asyncio.run(async_sign_pdf(pdf, signer, **options)))
