"""Scanned documents attached to a bundle: PDF, JPEG or PNG only, recognised by their content
(the first bytes), not by the name or the type the browser claims, and then opened: a file that
starts like a PDF or an image but does not parse as one is refused."""

from __future__ import annotations

import warnings

import pypdf
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from cases import rules
from portal.errors import Invalid

SIGNATURES = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


def sniff(head: bytes) -> str | None:
    """The content type the first bytes of a file prove, if it is one the portal accepts."""
    return next((kind for signature, kind in SIGNATURES.items() if head.startswith(signature)), None)


def attachment_size_check(size: int | None, *, field: str = "file") -> None:
    """Invalid (under `field`) for a file larger than the largest document the portal accepts
    (the attachment.max_bytes setting): scans, extracts, PDFs brought to /verify/."""
    limit = rules.setting(rules.ATTACHMENT_MAX_BYTES, timezone.localdate())
    if size is None or size > limit:
        raise Invalid({field: [_("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)}]})


def attachment_check(file: UploadedFile, *, field: str = "file") -> str:
    """The content type of an acceptable scan; Invalid (under `field`) for a file too large or of
    another type."""
    attachment_size_check(file.size, field=field)
    file.seek(0)
    content_type = sniff(file.read(8))
    file.seek(0)
    if content_type is None:
        raise Invalid({field: [_("Only PDF, JPEG or PNG scans are accepted; this file is none of them.")]})
    if not _opens_as(file, content_type):
        if content_type == "application/pdf":
            raise Invalid({field: [_("The scan is not a readable PDF: it starts like one but cannot be opened.")]})
        raise Invalid({field: [_("The scan is not a readable image: it starts like one but cannot be opened.")]})
    return content_type


IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}


def _opens_as(file: UploadedFile, content_type: str) -> bool:
    """Whether the file parses as the type its first bytes claim: a PDF with at least one page
    (pypdf), or an image decoded whole (Pillow), no larger than Pillow's decompression-bomb limit."""
    file.seek(0)
    try:
        if content_type == "application/pdf":
            reader = pypdf.PdfReader(file, strict=False)
            return len(reader.pages) > 0 and reader.pages[0].mediabox.width > 0
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file, formats=[IMAGE_FORMATS[content_type]]) as image:
                image.load()
                return True
    # A parser fed untrusted bytes may raise anything (its own errors, ValueError, KeyError,
    # RecursionError, ...): every one of them means the same thing here, the file does not open.
    except Exception:  # noqa: BLE001
        return False
    finally:
        file.seek(0)
