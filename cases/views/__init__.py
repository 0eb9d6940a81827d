"""The desk's, the officers' and the public pages of the dossiers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404, HttpResponse

if TYPE_CHECKING:
    from cases.models import Bundle, Step
    from portal.access import PortalRequest

# The slips printed for the steps of a dossier in one state: the state, the document's maker (in
# cases.documents) and the file name's ending.
SLIPS = {
    "supplement-request": ("returned", "supplement_request_pdf", "yeu-cau-bo-sung"),
    "refusal": ("refused", "refusal_pdf", "tu-choi"),
}


def pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    """A paper the portal printed, shown in the browser (and saved under `filename`)."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def slip_response(
    request: PortalRequest, slip: str, bundle: Bundle, steps: list[Step], *, by_officer: bool = False
) -> HttpResponse:
    """A slip of the steps in its state (the request for missing documents, Mẫu 02; the refusal
    slip, Mẫu 03), signed by the person printing it (`by_officer`: by the officer who returned or
    refused the step, for the citizen's copy); 404 when no step is in that state. Reading it is
    recorded."""
    from cases import documents, services
    from cases.choices import AccessChannel

    state, maker, ending = SLIPS[slip]
    chosen = [step for step in steps if step.state == state]
    if not chosen:
        raise Http404
    signer = (chosen[0].claimant if by_officer else None) or request.user
    pdf = getattr(documents, maker)(bundle, steps=chosen, signer=signer)
    services.personal_data_access_record(user=request.user, bundles=[bundle], channel=AccessChannel.PDF)
    return pdf_response(pdf, f"{bundle.code}-{ending}.pdf")
