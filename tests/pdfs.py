"""Reading the portal's PDFs back in tests with Python libraries only (no poppler on the machine):
pypdf for the text and the page sizes, pypdfium2 (PDFium in its wheel) for the pages as images."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pypdf


def pdf_lines(pdf: bytes) -> list[str]:
    """The text of every page as laid out on paper (pypdf's layout mode, like `pdftotext -layout`):
    one string per printed line, trailing blanks removed."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    lines: list[str] = []
    for page in reader.pages:
        lines += [line.rstrip() for line in page.extract_text(extraction_mode="layout").splitlines()]
    return [line for line in lines if line.strip()]


def pdf_text(pdf: bytes) -> str:
    """The text of the PDF as laid out, each run of white space made one space, so that a phrase
    wrapped onto the next line still reads as one."""
    return " ".join(" ".join(pdf_lines(pdf)).split())


def pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """Each page's size in points (width, height), as its media box gives it."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [(round(float(page.mediabox.width), 3), round(float(page.mediabox.height), 3)) for page in reader.pages]


def pdf_fonts(pdf: bytes) -> set[str]:
    """The names of the fonts the pages use, without the subset prefix ("ABCDEF+")."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    names = set()
    for page in reader.pages:
        resources: Any = page["/Resources"]
        for font in resources.get("/Font", {}).values():
            names.add(str(font.get_object()["/BaseFont"]).lstrip("/").split("+")[-1])
    return names


A4_PORTRAIT = (595.276, 841.89)
A4_LANDSCAPE = (841.89, 595.276)


def pdf_to_pngs(pdf: bytes, stem: Path, *, dpi: int = 60) -> list[Path]:
    """Each page as a PNG beside `stem` (stem-1.png, stem-2.png…), to look at."""
    import pypdfium2

    stem.parent.mkdir(parents=True, exist_ok=True)
    document = pypdfium2.PdfDocument(pdf)
    paths = []
    for number, page in enumerate(document, start=1):
        path = stem.with_name(f"{stem.name}-{number}.png")
        page.render(scale=dpi / 72).to_pil().save(path)
        paths.append(path)
    document.close()
    return paths


def signed_get(client, url: str, data: dict | None = None, **extra):
    """Ask for a document the portal issues: it is being signed (202, and no PDF leaves the
    server); the signing task runs (in-process, as the transaction's on-commit work); asked again,
    it is the signed PDF."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        first = client.get(url, data, **extra)
    assert first.status_code == 202, (url, first.status_code)
    assert b"%PDF" not in first.content
    second = client.get(url, data, **extra)
    assert (second.status_code, second["Content-Type"]) == (200, "application/pdf"), url
    return second
