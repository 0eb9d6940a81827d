"""The public guides (no sign-in): an index of every kind's variants, a page per variant (and per
category where one picks a procedure's office), and the same guide as a one-page A4 PDF for the
one-stop desk's wall. What they say is cases.guides'; the pages name no kind."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.http import require_safe

from cases import guides
from portal.errors import NotFound
from signing.layout import html_to_pdf, pdf_response

PDF_CACHE_SECONDS = 24 * 3600  # the PDF of one guide's text, made once (its text changes with the rows)


def guide_url(kind: str, variant: int, category: str = "", *, pdf: bool = False) -> str:
    """The address of a variant's guide (of one category's, when given), or of its PDF."""
    name = "cases:guide" + ("-category" if category else "") + ("-pdf" if pdf else "")
    return reverse(name, args=[kind, variant, *([category] if category else [])])


def _guide(kind: str, variant: int, category: str) -> guides.Guide:
    try:
        return guides.guide_get(kind=kind, variant=variant, category=category, on=timezone.localdate())
    except NotFound as missing:
        raise Http404 from missing


def _context(guide: guides.Guide) -> dict[str, object]:
    kind, variant = guide.kind.code, guide.variant.pk
    category = guide.category.code if guide.category else ""
    public = settings.PUBLIC_BASE_URL  # the addresses a printed guide shows are the portal's public ones
    return {
        "guide": guide,
        "guide_url": public + guide_url(kind, variant, category),
        "citizen_url": public + reverse("citizen:home"),
        "track_url": public + reverse("track"),
        "pdf_url": guide_url(kind, variant, category, pdf=True),
        "category_urls": {shown.code: guide_url(kind, variant, shown.code) for shown in guide.categories},
        "variant_url": guide_url(kind, variant),
    }


@require_safe
def guide_index(request: HttpRequest) -> HttpResponse:
    """Every kind with a link to each of its variants' guides."""
    listed = [
        (kind, [(variant, guide_url(kind.code, variant.pk)) for variant in found]) for kind, found in guides.variants()
    ]
    return render(request, "guides/index.html", {"kinds": listed})


@require_safe
def guide(request: HttpRequest, kind: str, variant: int, category: str = "") -> HttpResponse:
    return render(request, "guides/guide.html", _context(_guide(kind, variant, category)))


@require_safe
def guide_pdf(request: HttpRequest, kind: str, variant: int, category: str = "") -> HttpResponse:
    """The guide on one A4 page, in the page's language. The PDF is laid out once per text: the
    text is rendered each time (a changed row changes it), the PDF kept by the hash of its HTML,
    so that the public cannot make the server lay out the same PDF again and again."""
    guide = _guide(kind, variant, category)
    html = render_to_string("guides/guide_pdf.html", _context(guide), request=None)
    key = "guide-pdf:" + hashlib.sha256(html.encode()).hexdigest()
    pdf = cache.get(key)
    if pdf is None:
        pdf = html_to_pdf(html)
        cache.set(key, pdf, PDF_CACHE_SECONDS)
    suffix = f"-{category}" if category else ""
    name = f"huong-dan-{kind}-{variant}{suffix}-{translation.get_language() or 'vi'}.pdf"
    return pdf_response(pdf, name)
