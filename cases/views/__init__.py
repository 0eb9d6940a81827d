"""The desk's, the officers' and the public pages of the dossiers."""

from django.http import HttpResponse


def pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    """A paper the portal printed, shown in the browser (and saved under `filename`)."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
