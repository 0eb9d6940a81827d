"""Writes of the signing app: issuing a document (the request only writes what it says), signing
it (a worker on the signing queue), registering a key, and checking a PDF someone brings."""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import io
import logging
from dataclasses import dataclass, field

import pypdf
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from agencies.choices import AgencyRole, UserRole
from agencies.models import AdministrativeUnit, Office, User
from cases import documents
from cases.attachments import attachment_size_check
from cases.choices import Action
from cases.documents import html_to_pdf, qr_svg
from cases.models import Bundle, Step
from cases.services.audit import ensure_open, event
from portal.celery import send_on_commit
from portal.errors import Invalid
from signing import keys, outside_event_loop, selectors
from signing.models import DocumentKind, Extract, IssuedDocument, SigningKey
from signing.pades import async_sign_pdf
from signing.verify import common_name, verify_pdf

logger = logging.getLogger(__name__)


SIGN_TASK = "signing.tasks.document_sign_task"  # sent by name: the tasks import this module


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
    bundle: Bundle | None = None,
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
                bundle=bundle,
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
        if document.bundle is not None:
            event(
                document.bundle,
                Action.DOCUMENT_SIGNED,
                actor=None,
                data={"document": document.pk, "kind": document.kind, "signer": document.signer},
            )
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
    attachment_size_check(len(data))
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


# --- The documents of the dossiers and the report, each issued by its body ---------------------


def receipt_issue(*, bundle: Bundle, actor: User) -> IssuedDocument:
    """The receipt and appointment slip: issued by the commune's People's Committee (its one-stop
    desk); the person is the clerk who received the dossier (none for one filed online)."""
    clerk = bundle.filed_by if bundle.filed_by.role == UserRole.CLERK else None
    return document_issue(
        kind=DocumentKind.RECEIPT,
        html=documents.receipt_html(bundle),
        filename=f"{bundle.code}-giay-tiep-nhan.pdf",
        issuer=bundle.commune,
        person=clerk,
        actor=actor,
        bundle=bundle,
    )


SLIPS = {
    "supplement-request": (DocumentKind.SUPPLEMENT_REQUEST, "cases/pdf/supplement_request.html", "yeu-cau-bo-sung"),
    "refusal": (DocumentKind.REFUSAL, "cases/pdf/refusal.html", "tu-choi"),
}


def slip_issue(*, slip: str, bundle: Bundle, steps: list[Step], signer: User, actor: User) -> IssuedDocument:
    """A slip about some steps (Mẫu 02, Mẫu 03), by `signer`: issued by the steps' office when its
    officer signs (documents.slip_office), else by the commune's desk, as its header says."""
    kind, template, ending = SLIPS[slip]
    return document_issue(
        kind=kind,
        html=documents.slip_html(template, bundle, steps=steps, signer=signer),
        filename=f"{bundle.code}-{ending}.pdf",
        issuer=documents.slip_office(steps, signer) or bundle.commune,
        person=signer,
        actor=actor,
        bundle=bundle,
    )


def report_issue(*, html: str, unit: AdministrativeUnit, last: datetime.date, author: User) -> IssuedDocument:
    """The periodic report of `unit` up to `last`, issued by the author's province (else the
    unit's People's Committee), by its author: from the dashboard and the scheduled e-mail."""
    return document_issue(
        kind=DocumentKind.REPORT,
        html=html,
        filename=f"bao-cao-{unit.code}-{last.isoformat()}.pdf",
        issuer=author.province or unit,
        person=author,
        actor=author,
    )


def apology_issue(*, step: Step, actor: User) -> IssuedDocument:
    """The apology letter of a late step, issued by the step's office, by the officer."""
    assert step.new_appointment_on is not None
    return document_issue(
        kind=DocumentKind.APOLOGY,
        html=documents.apology_html(step, new_appointment_on=step.new_appointment_on, signer=actor),
        filename=f"{step.bundle.code}-thu-xin-loi.pdf",
        issuer=step.office,
        person=actor,
        actor=actor,
        bundle=step.bundle,
    )


# --- Electronic extracts of the civil-status steps ---------------------------------------------

EXTRACT_FIELDS = ("register_number", "personal_id_number")  # matched against the extract's text


def extract_attach(*, user: User, step_pk: int, data: bytes) -> Extract:
    """The officer of a civil-status step (or the civil-status system, as that office's client)
    attaches the electronic extract before completing the step. It must be intact, signed by a
    certificate that chains to a root the province trusts, not revoked, and timestamped: else it
    is refused with the reasons under `extract` and nothing changes. A new one replaces the last."""
    from cases.services.steps import step_for_action

    attachment_size_check(len(data), field="extract")
    with transaction.atomic():
        step = step_for_action(user=user, step_pk=step_pk)
        if step.procedure.agency_role != AgencyRole.CIVIL_STATUS:
            raise Invalid({"extract": [_("Only a civil-status step carries an electronic extract.")]})
        ensure_open(step, "complete")
        verdict = verify_pdf(data, trust_roots=selectors.trust_roots())
        if not verdict.valid:
            raise Invalid({"extract": verdict.problems})
        Extract.objects.filter(step=step).delete()
        extract = Extract(
            step=step,
            sha256=hashlib.sha256(data).hexdigest(),
            signer=verdict.signer,
            signed_at=verdict.signed_at,
            uploaded_by=user,
        )
        extract.file.save(f"{step.bundle.code}-trich-luc.pdf", ContentFile(data), save=False)
        extract.save()
        event(
            step.bundle,
            Action.EXTRACT_ATTACHED,
            actor=user,
            step=step,
            data={"signer": extract.signer, "sha256": extract.sha256},
        )
    return extract


def extract_problems(step: Step, result: dict[str, object]) -> dict[str, list[str]]:
    """What stops a civil-status step from completing with `result` because of its extract: the
    register number or personal ID number is not the one the extract shows; or there is no
    extract where the province requires one (CIVIL_STATUS_EXTRACT_REQUIRED)."""
    if step.procedure.agency_role != AgencyRole.CIVIL_STATUS:
        return {}
    extract = Extract.objects.filter(step=step).first()
    if extract is None:
        if settings.CIVIL_STATUS_EXTRACT_REQUIRED:
            return {"extract": [_("Attach the electronic extract signed by the civil-status system.")]}
        return {}
    with extract.file.open("rb") as stored:
        text = " ".join(pdf_words(stored.read()))
    return {
        f"result.{name}": [
            _("%(value)s is not on the electronic extract: check the number or attach the right extract.")
            % {"value": value}
        ]
        for name in EXTRACT_FIELDS
        if (value := str(result.get(name) or "").strip()) and value not in text
    }


def pdf_words(data: bytes) -> list[str]:
    """The words of a PDF's text, in reading order (pypdf)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(page.extract_text() or "" for page in reader.pages).split()


def step_complete_with_extract(*, user: User, step_pk: int, result: dict[str, object], extract: bytes | None) -> Step:
    """The step page's completion: the extract attached and the step completed together, or
    neither (an extract whose numbers are not the result's is refused with the result)."""
    from cases.services import step_complete

    with transaction.atomic():
        if extract is not None:
            extract_attach(user=user, step_pk=step_pk, data=extract)
        return step_complete(user=user, step_pk=step_pk, result=result)
