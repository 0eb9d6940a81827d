"""The signed documents on the pages: one answer for every document a person downloads (the
signed PDF, or the page that says it is being signed), and the public /verify/ page."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from portal.client import in_flight, too_many
from portal.errors import Invalid, TooMany, Unavailable
from signing import selectors, services
from signing.layout import pdf_response
from signing.models import IssuedDocument


def issued_response(request: HttpRequest, issue: Callable[[], IssuedDocument]) -> HttpResponse:
    """The signed PDF of the document `issue` gives, once it is signed (200); until then a page
    that says so and looks again by itself (202, or 503 when nobody may sign it). The unsigned
    document never leaves the server. The issuer records who read it (cases.views.paper_response)."""
    try:
        document = issue()
    except Unavailable as missing:
        return render(request, "signing/being_signed.html", {"problem": str(missing)}, status=503)
    document.refresh_from_db(fields=["file", "signed_at", "problem"])  # signed in-process without a broker
    if document.signed_at is None:
        return render(request, "signing/being_signed.html", {"document": document}, status=202)
    with document.file.open("rb") as signed:
        return pdf_response(signed.read(), document.filename)


def verify(request: HttpRequest) -> HttpResponse:
    """Anyone checks a document: the token of its QR code (?t=) names what the portal issued; an
    uploaded PDF is checked for its signature and matched against what the portal issued."""
    context: dict[str, object] = {}
    token = request.GET.get("t", "")
    if token:
        context["by_token"] = selectors.document_by_token(token)
        context["token_given"] = True
    if request.method == "POST":
        if too_many(request, "verify-page", settings.VERIFY_PAGE_ATTEMPTS):
            context["error"] = _("Too many attempts. Wait a minute and try again.")
            return render(request, "signing/verify.html", context, status=429)
        upload = request.FILES.get("file")
        if upload is None:
            context["error"] = _("Choose the PDF file to check.")
            return render(request, "signing/verify.html", context, status=400)
        try:
            with in_flight(request, "verify", settings.VERIFY_RUNNING_PER_ADDRESS, settings.VERIFY_RUNNING):
                context["check"] = services.document_check(data=upload.read())
        except Invalid as refused:  # too large
            context["error"] = refused.errors["file"][0]
            return render(request, "signing/verify.html", context, status=400)
        except TooMany as busy:
            context["error"] = str(busy)
            return render(request, "signing/verify.html", context, status=429)
        context["filename"] = upload.name
    return render(request, "signing/verify.html", context)
