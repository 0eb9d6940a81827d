"""Writes of the signing app: issuing a document (the request only writes what it says), signing
it (a worker on the signing queue), registering a key, and checking a PDF someone brings. It
names no app above it: what a document says is its issuer's (the engine's papers, reporting's
report), and it tells them a document is signed by a signal."""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import urlencode

from agencies.models import AdministrativeUnit, Office, User
from portal.celery import send_on_commit
from signing import keys, outside_event_loop, selectors
from signing.layout import html_to_pdf, qr_svg
from signing.models import DocumentKind, IssuedDocument, SigningKey
from signing.pades import async_sign_pdf
from signing.verify import common_name, verify_pdf

logger = logging.getLogger(__name__)


SIGN_TASK = "signing.tasks.document_sign_task"  # sent by name: the tasks import this module

# Sent with `document` inside the transaction that stores a signed document: the issuer of a
# dossier's paper records it in the dossier's history (cases.services.papers.document_signed).
document_signed = Signal()

# What refuses a PDF brought to /verify/ for its size alone: each takes the size in bytes and raises
# Invalid under `file` (the engine's attachment limit, registered in CasesConfig.ready(); signing
# names no app above it). Checked before the PDF is read.
SIZE_CHECKS: list[Callable[[int], None]] = []


class SigningFailed(Exception):
    """The document could not be signed this time (the key store, the timestamp authority, the
    revocation servers): its row says why, and the task tries again later."""


def document_issue(
    *,
    kind: DocumentKind,
    html: str,
    filename: str,
    issuer: AdministrativeUnit | Office,
    person: User | None,
    actor: User,
    bundle_id: int | None = None,
) -> IssuedDocument:
    """The document that says `html`: the one already issued with this content, or a new one
    handed to the signing queue once this transaction commits (503 when nobody may sign it)."""
    digest = IssuedDocument.hash_of(html)
    found = IssuedDocument.objects.filter(content_sha256=digest).first()
    if found is not None:
        if found.signed_at is None and found.problem:  # asked again after a failure: try again now
            send_on_commit(SIGN_TASK, found.pk)
        return found
    key = selectors.signing_key_for(kind=kind, issuer=issuer, person=person)
    try:
        with transaction.atomic():
            document = IssuedDocument.objects.create(
                kind=kind,
                content_sha256=digest,
                bundle_id=bundle_id,
                key=key,
                requested_by=actor,
                filename=filename,
                html=html,
            )
            send_on_commit(SIGN_TASK, document.pk)
    except IntegrityError:  # the same content asked for at the same moment: one document
        return IssuedDocument.objects.get(content_sha256=digest)
    return document


def document_sign(*, document_pk: int) -> bool:
    """Lay out, sign and store one document, once: a second delivery finds it signed and does
    nothing. Returns whether this call signed it; raises SigningFailed (after noting why on the
    row) when it could not."""
    document = IssuedDocument.objects.select_related("key").filter(pk=document_pk, signed_at__isnull=True).first()
    if document is None:
        return False
    try:
        pdf = html_to_pdf(document.html.replace("</body>", _verify_block(document) + "</body>", 1))
        key, kind = document.key.key, str(document.get_kind_display())
        signed = outside_event_loop(lambda: asyncio.run(_signed(pdf, key, reason=kind)))
    except Exception as error:  # whatever stopped it is noted on the row, and the task tries again
        problem = f"{type(error).__name__}: {error}"[:300]
        IssuedDocument.objects.filter(pk=document.pk).update(problem=problem)
        logger.warning("document %s not signed: %s", document.pk, problem)
        raise SigningFailed(problem) from error
    with transaction.atomic():
        document = (
            IssuedDocument.objects.select_for_update(of=("self",)).select_related("key", "bundle").get(pk=document.pk)
        )
        if document.signed_at is not None:
            return False
        document.file.save(f"{document.pk}-{document.filename}", ContentFile(signed), save=False)
        document.sha256 = hashlib.sha256(signed).hexdigest()
        document.signer = document.key.subject
        document.signed_at = timezone.now()
        document.html, document.problem = "", ""
        document.save()
        document_signed.send(IssuedDocument, document=document)
    return True


async def _signed(pdf: bytes, key: str, *, reason: str) -> bytes:
    async with keys.signer_for(key) as signer:
        return await async_sign_pdf(
            pdf,
            signer,
            tsa_url=settings.SIGNING_TSA_URL,
            long_term_roots=selectors.trust_roots() if settings.SIGNING_LONG_TERM else None,
            reason=reason,
            location=settings.PUBLIC_BASE_URL,
        )


def _verify_block(document: IssuedDocument) -> str:
    """The line at the end of every document: where and how to check it, with the QR code of
    its token (its id and content hash, signed by the portal)."""
    url = f"{settings.PUBLIC_BASE_URL}{reverse('verify')}?{urlencode({'t': selectors.document_token(document)})}"
    return (
        # The QR code's quiet zone: 2 modules of its own, with the blank 2 mm above it, the page's
        # margin on its left and the 4 mm gap on its right (a short receipt keeps it on its one page).
        '<div style="margin-top:2mm;display:flex;align-items:center;gap:4mm;font-size:9pt;break-inside:avoid">'
        f"{qr_svg(url, scale=2, border=2)}<div>Văn bản điện tử có chữ ký số của cổng liên thông. "
        "Kiểm tra bản này: quét mã QR, "
        # The address on a line of its own, whole: never "http://" at a line's end and the rest below.
        f'hoặc tải tệp lên<br><span style="white-space:nowrap">{escape(settings.PUBLIC_BASE_URL)}{reverse("verify")}'
        "</span></div></div>"
    )


def documents_unsigned(*, older_than: datetime.timedelta) -> list[int]:
    """Documents asked for at least `older_than` ago and still unsigned (a lost publication, a
    worker that died, a failure whose retries ran out): the sweeper hands them out again."""
    return list(
        IssuedDocument.objects.filter(signed_at__isnull=True, created_at__lt=timezone.now() - older_than)
        .order_by("created_at")
        .values_list("pk", flat=True)[:1000]
    )


def signing_key_register(
    *,
    reference: str,
    unit: AdministrativeUnit | None = None,
    office: Office | None = None,
    user: User | None = None,
    demo: bool = False,
) -> SigningKey:
    """Register the key `reference` of the configured key store for one holder, with its
    certificate read from the store (so a key that cannot be opened is refused here, not later)."""
    cert = keys.certificate_of(reference)
    return SigningKey.objects.create(
        unit=unit,
        office=office,
        user=user,
        key=reference,
        certificate=cert.dump(),
        subject=common_name(cert),
        not_after=cert.not_valid_after,
        demo=demo,
    )


@dataclass
class Check:
    """What /verify/ answers about a PDF (and the token of its QR code, when given)."""

    valid: bool
    issued_by_portal: bool
    signer: str
    signed_at: datetime.datetime | None
    dossier: str | None
    document: str | None
    problems: list[str] = field(default_factory=list)


def document_check(*, data: bytes) -> Check:
    """The verdict on a PDF anyone brings: its signature checked against the province's trust
    roots, and whether it is, byte for byte, a document this portal issued (then its dossier).
    Invalid under `file` when it is larger than the portal accepts."""
    for check in SIZE_CHECKS:
        check(len(data))
    verdict = verify_pdf(data, trust_roots=selectors.trust_roots())
    issued = selectors.document_by_file_hash(hashlib.sha256(data).hexdigest())
    return Check(
        valid=verdict.valid,
        issued_by_portal=issued is not None and verdict.valid,
        signer=verdict.signer,
        signed_at=verdict.signed_at,
        dossier=str(issued.bundle.code) if issued is not None and issued.bundle is not None else None,
        document=str(issued.get_kind_display()) if issued is not None else None,
        problems=verdict.problems,
    )
