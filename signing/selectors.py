"""Reads of the signing app: which key signs a document, the trust roots, a document by token."""

from __future__ import annotations

import functools
from pathlib import Path

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.core import signing as django_signing
from django.utils.translation import gettext as _

from agencies.models import AdministrativeUnit, Office, User
from portal.errors import Unavailable
from signing.models import DocumentKind, IssuedDocument, SignerKind, SigningKey, SigningRule

TOKEN_SALT = "signing.document"


def signing_key_for(*, kind: DocumentKind, issuer: AdministrativeUnit | Office, person: User | None) -> SigningKey:
    """The active key that signs a document of `kind` issued by `issuer` (a People's Committee or
    an office) for which `person` acted, as the kind's signing rule says: 503 naming who has no
    key when there is none (the unsigned document is never given out)."""
    rule = SigningRule.objects.filter(document=kind).values_list("signer", flat=True).first()
    by_person = rule == SignerKind.PERSON and person is not None
    holder = {"user": person} if by_person else ({"office": issuer} if isinstance(issuer, Office) else {"unit": issuer})
    key = SigningKey.objects.filter(active=True, **holder).order_by("-not_after", "-pk").first()
    if key is None:
        who = (person.get_full_name() or person.username) if by_person and person else _issuer_name(issuer)
        raise Unavailable(
            _(
                "%(who)s has no digital signing certificate yet, so this document cannot be issued."
                " Ask the administrator to register one."
            )
            % {"who": who}
        )
    return key


def _issuer_name(issuer: AdministrativeUnit | Office) -> str:
    return issuer.name if isinstance(issuer, Office) else issuer.people_committee


def trust_roots() -> list[asn1_x509.Certificate]:
    """The certificates the province trusts as roots (every .pem, .crt or .cer file, PEM or DER,
    in the SIGNING_TRUST_DIR folder), read once per process and folder."""
    return list(_roots_in(str(settings.SIGNING_TRUST_DIR)))


@functools.lru_cache(maxsize=4)
def _roots_in(folder: str) -> tuple[asn1_x509.Certificate, ...]:
    roots: list[asn1_x509.Certificate] = []
    for path in sorted(Path(folder).glob("*")):
        if path.suffix.lower() not in (".pem", ".crt", ".cer"):
            continue
        data = path.read_bytes()
        blobs = [der for _kind, _headers, der in pem.unarmor(data, multiple=True)] if pem.detect(data) else [data]
        roots.extend(asn1_x509.Certificate.load(der) for der in blobs)
    return tuple(roots)


def document_token(document: IssuedDocument) -> str:
    """The short signed token of a document that its QR code carries: its id and content hash."""
    return django_signing.dumps({"d": document.pk, "h": document.content_sha256[:20]}, salt=TOKEN_SALT)


def document_by_token(token: str) -> IssuedDocument | None:
    """The signed document a token names, or None when the token was not made by this portal or
    names no signed document with that content."""
    try:
        claim = django_signing.loads(token, salt=TOKEN_SALT)
        pk, digest = int(claim["d"]), str(claim["h"])
    except (django_signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    document = IssuedDocument.objects.select_related("bundle").filter(pk=pk, signed_at__isnull=False).first()
    if document is None or not document.content_sha256.startswith(digest):
        return None
    return document


def document_by_file_hash(sha256: str) -> IssuedDocument | None:
    return IssuedDocument.objects.select_related("bundle").filter(sha256=sha256, signed_at__isnull=False).first()
