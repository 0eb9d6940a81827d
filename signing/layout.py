"""Laying out a document: HTML into a PDF (WeasyPrint) and a QR code as inline SVG (segno). The
documents' content is their issuers' (the engine's papers, the province's report); this is only
the press."""

from __future__ import annotations

import segno
from django.conf import settings
from django.http import HttpResponse
from django.utils.safestring import SafeString, mark_safe

# Module size of the QR code in CSS pixels: a version 4 code (a URL of about 60 characters) is
# then 3.3 cm wide with its quiet zone, easy for a phone to read from paper.
QR_SCALE = 3


def qr_svg(url: str, *, scale: int = QR_SCALE, border: int = 4) -> SafeString:
    """A QR code of `url` as an inline <svg> element (segno's output, which holds no user text),
    with `border` modules of quiet zone (4, the standard's, unless the page around it is blank)."""
    # Silenced for bandit (B308, B703): segno writes the code as <path> modules only and never the
    # URL as text, so there is nothing to escape.
    return mark_safe(segno.make_qr(url).svg_inline(scale=scale, border=border))  # nosec B308, B703


def html_to_pdf(html: str) -> bytes:
    import weasyprint  # only where a PDF is made: the pages import this module's callers

    # The project directory, with its trailing slash, is the base of the templates' relative URLs
    # (the vendored fonts in static/fonts/).
    return bytes(weasyprint.HTML(string=html, base_url=settings.BASE_DIR.as_uri() + "/").write_pdf())


def pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    """A paper the portal printed, shown in the browser (and saved under `filename`)."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
