"""Checking a signed PDF (pyHanko): intact, covering the whole file (or only validation data
added after), signed by a certificate that chains to one of the trust roots the province
configures and is not revoked as far as the file's own validation data and the province's
configured addresses tell (signing.fetching: never an address the file names), and timestamped. The
answer names each problem in words a person can act on."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import hashlib
import io
import logging
from dataclasses import dataclass, field
from typing import Any

from asn1crypto import x509 as asn1_x509
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError
from pyhanko_certvalidator import ValidationContext

from signing import outside_event_loop
from signing.fetching import AllowedAddresses

logger = logging.getLogger(__name__)
ALLOWED_AFTER = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)  # B-LT's validation data


@dataclass
class Verdict:
    valid: bool = False
    signer: str = ""  # the signing certificate's common name (its whole subject when it has none)
    signer_fingerprint: str = ""  # SHA-256 of the signing certificate (DER), hex
    signed_at: datetime.datetime | None = None  # the timestamp's time, else the time the signer claims
    timestamped: bool = False
    problems: list[str] = field(default_factory=list)


async def _validated(signature, reader: PdfFileReader, trust_roots: list[asn1_x509.Certificate]):
    """The signature judged with what the file carries (its DSS: certificates, OCSP answers and
    CRLs an archive or the signer embedded) and what the configured addresses give
    (signing.fetching): nothing is fetched from an address the file names."""
    given: dict[str, Any] = {"trust_roots": trust_roots, "allow_fetching": True, "fetcher_backend": AllowedAddresses()}
    try:
        context = DocumentSecurityStore.read_dss(reader).as_validation_context(given)
    except NoDSSFoundError:
        context = ValidationContext(**given)
    async with contextlib.aclosing(context):
        return await async_validate_pdf_signature(signature, context)


def common_name(cert: asn1_x509.Certificate) -> str:
    """Who a certificate names, as a person reads it: its common name, else its whole subject."""
    return str(cert.subject.native.get("common_name") or cert.subject.human_friendly)


def verify_pdf(data: bytes, *, trust_roots: list[asn1_x509.Certificate]) -> Verdict:
    """The verdict on the last signature of `data` (the whole file must be covered by it, or by it
    and the archive's document timestamps after it)."""
    verdict = Verdict()
    try:
        reader = PdfFileReader(io.BytesIO(data))
        signatures = reader.embedded_signatures
    except Exception:  # anyone's file: whatever the parser trips on, it is not a PDF we can read
        logger.info("unreadable PDF of %d bytes", len(data), exc_info=True)
        verdict.problems.append(_("This is not a PDF file that can be read."))
        return verdict
    # The last signature proper: document timestamps an archive adds after it (PAdES B-LTA) are
    # archive updates, which the modification level below allows, not the signature to judge.
    signed = [signature for signature in signatures if signature.sig_object_type == "/Sig"]
    if not signed:
        verdict.problems.append(_("The document carries no digital signature."))
        return verdict
    try:
        status = outside_event_loop(lambda: asyncio.run(_validated(signed[-1], reader, trust_roots)))
    except Exception:  # a malformed signature: said in words a citizen reads, the cause in the log
        logger.info("signature of a PDF of %d bytes cannot be checked", len(data), exc_info=True)
        verdict.problems.append(
            _("The digital signature in the file is damaged and cannot be checked: the file is not as it was signed.")
        )
        return verdict
    cert = status.signing_cert
    verdict.signer = common_name(cert)
    verdict.signer_fingerprint = hashlib.sha256(cert.dump()).hexdigest()
    timestamp = status.timestamp_validity
    verdict.timestamped = bool(timestamp and timestamp.intact and timestamp.valid and timestamp.trusted)
    verdict.signed_at = timestamp.timestamp if timestamp else status.signer_reported_dt
    if not (status.intact and status.valid):  # then nothing else about it means anything
        verdict.problems.append(_("The document was changed after it was signed."))
        return verdict
    if status.modification_level not in ALLOWED_AFTER or not status.docmdp_ok:
        verdict.problems.append(_("Content was added to the document after it was signed."))
    if status.revocation_details is not None:
        verdict.problems.append(_("The signing certificate was revoked."))
    elif not status.trusted:
        verdict.problems.append(_("The signing certificate is not issued by an authority this portal trusts."))
    if not verdict.timestamped:
        verdict.problems.append(_("The signature has no valid timestamp."))
    verdict.valid = not verdict.problems
    return verdict
