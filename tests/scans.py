"""Small real scans for upload tests: a one-page PDF (pypdf), a JPEG and a PNG (Pillow). The
portal opens every scan it is given, so a few bytes that only start like one are refused."""

from __future__ import annotations

import io

import pypdf
from PIL import Image


def pdf_scan() -> bytes:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)  # A4 in points
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_scan(kind: str) -> bytes:
    """A small white page as "JPEG" or "PNG"."""
    out = io.BytesIO()
    Image.new("RGB", (40, 56), "white").save(out, kind)
    return out.getvalue()


PDF = pdf_scan()
JPEG = image_scan("JPEG")
PNG = image_scan("PNG")
