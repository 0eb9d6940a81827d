"""Scanned documents attached to a bundle: PDF, JPEG or PNG only, recognised by their content
(the first bytes), not by the name or the type the browser claims."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.choices import UserRole
from agencies.models import User
from cases import rules
from cases.choices import Action
from cases.models import Attachment, BundleState
from cases.selectors import bundle_get_for_user
from cases.services import _event
from portal.errors import Conflict, Forbidden, Invalid

SIGNATURES = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


def sniff(head: bytes) -> str | None:
    """The content type the first bytes of a file prove, if it is one the portal accepts."""
    return next((kind for signature, kind in SIGNATURES.items() if head.startswith(signature)), None)


def attachment_check(file: UploadedFile, *, field: str = "file") -> str:
    """The content type of an acceptable scan; Invalid (under `field`) for a file too large or of
    another type."""
    limit = rules.setting(rules.ATTACHMENT_MAX_BYTES, timezone.localdate())
    if file.size is None or file.size > limit:
        raise Invalid({field: [_("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)}]})
    file.seek(0)
    content_type = sniff(file.read(8))
    file.seek(0)
    if content_type is None:
        raise Invalid({field: [_("Only PDF, JPEG or PNG scans are accepted; this file is none of them.")]})
    return content_type


def attachment_add(*, user: User, code: str, kind: str, file: UploadedFile) -> Attachment:
    """Attach a scanned document to a bundle still in progress."""
    bundle = bundle_get_for_user(user=user, code=code)
    if user.role not in (UserRole.CLERK, UserRole.INTEGRATION):
        raise Forbidden(_("Only the one-stop desk or the system that filed the dossier can attach documents."))
    if bundle.state != BundleState.IN_PROGRESS:
        raise Conflict(_("Documents can only be attached to a dossier in progress."))
    if not kind.strip():
        raise Invalid({"kind": [_("Say which document this is.")]})
    content_type = attachment_check(file)
    with transaction.atomic():
        attachment = Attachment.objects.create(
            bundle=bundle, kind=kind, file=file, content_type=content_type, size=file.size or 0, uploaded_by=user
        )
        _event(bundle, Action.ATTACHED, actor=user, data={"kind": kind, "size": file.size})
    return attachment
