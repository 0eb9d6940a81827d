"""The desk's, the officers' and the public pages of the dossiers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.http import Http404, HttpResponse

from cases import services
from cases.choices import AccessChannel
from cases.services import papers
from signing.views import issued_response

if TYPE_CHECKING:
    from agencies.http import PortalRequest
    from cases.models import Bundle, Step
    from signing.models import IssuedDocument


# The state of the steps each slip is about.
SLIP_STATES = {"supplement-request": "returned", "refusal": "refused"}


def slip_response(
    request: PortalRequest, slip: str, bundle: Bundle, steps: list[Step], *, by_officer: bool = False
) -> HttpResponse:
    """A slip of the steps in its state (the request for missing documents, Mẫu 02; the refusal
    slip, Mẫu 03), signed by the person printing it (`by_officer`: by the officer who returned or
    refused the step, for the citizen's copy), as the signed PDF (paper_response); 404 when no
    step is in that state."""

    chosen = [step for step in steps if step.state == SLIP_STATES[slip]]
    if not chosen:
        raise Http404
    signer = (chosen[0].claimant if by_officer else None) or request.user
    if signer.office_id is not None:
        # An officer signs the slip of the office's own steps, under the office's header: never
        # another office's request or refusal (the desk's slip lists them all, signed by a clerk).
        chosen = [step for step in chosen if step.office_id == signer.office_id] or chosen
    return paper_response(
        request,
        bundle,
        lambda: papers.slip_issue(slip=slip, bundle=bundle, steps=chosen, signer=signer, actor=request.user),
    )


def paper_response(request: PortalRequest, bundle: Bundle, issue: Callable[[], IssuedDocument]) -> HttpResponse:
    """A dossier's signed paper (signing.views.issued_response), its reading recorded as a read of
    the dossier's personal data once the signed PDF is given out."""
    response = issued_response(request, issue)
    if response.status_code == 200:
        services.personal_data_access_record(user=request.user, bundles=[bundle], channel=AccessChannel.PDF)
    return response
