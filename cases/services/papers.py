"""The dossiers' official papers, each issued by its body and signed by the signing service: the
receipt and appointment slip (Mẫu 01), the slips about some steps (Mẫu 02, Mẫu 03) and a late
step's apology letter (Mẫu 04). What they say is cases.documents'; the signing service lays them
out, signs them and keeps them, and tells the engine when one is signed (an audit event)."""

from __future__ import annotations

from typing import Any

from agencies.choices import UserRole
from agencies.models import User
from cases import documents
from cases.choices import Action
from cases.models import Bundle, Step
from cases.services.audit import event
from signing.models import DocumentKind, IssuedDocument
from signing.services import document_issue


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
        bundle_id=bundle.pk,
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
        bundle_id=bundle.pk,
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
        bundle_id=step.bundle_id,
    )


def document_signed(sender: Any, document: IssuedDocument, **kwargs: Any) -> None:
    """The audit event of a dossier's paper once it is signed (the signing service's
    `document_signed` signal, connected in CasesConfig.ready(); sent inside its transaction)."""
    if document.bundle is not None:  # fetched with the document: no query
        event(
            document.bundle,
            Action.DOCUMENT_SIGNED,
            actor=None,
            data={"document": document.pk, "kind": document.kind, "signer": document.signer},
        )
