"""The electronic extract of a civil-status step, one of the step's results: attached by the
officer (or the civil-status system), checked by the signing service, and matched against the
result when the step is completed (a step-result check, cases.services.steps.RESULT_CHECKS)."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pypdf
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from agencies.choices import AgencyRole
from agencies.models import User
from cases.attachments import attachment_size_check
from cases.choices import Action
from cases.models import Extract, Step
from cases.services.audit import ensure_open, event
from cases.services.steps import step_complete, step_for_action
from portal.errors import Invalid
from signing.selectors import trust_roots
from signing.verify import verify_pdf

EXTRACT_FIELDS = ("register_number", "personal_id_number")  # matched against the extract's text


def carries_extract(step: Step) -> bool:
    """Whether the step's result comes with an electronic extract (the civil-status steps)."""
    return step.procedure.agency_role == AgencyRole.CIVIL_STATUS


def extract_attach(*, user: User, step_pk: int, data: bytes) -> Extract:
    """The officer of a civil-status step (or the civil-status system, as that office's client)
    attaches the electronic extract before completing the step. It must be intact, signed by a
    certificate that chains to a root the province trusts, not revoked, and timestamped: else it
    is refused with the reasons under `extract` and nothing changes. A new one replaces the last."""
    attachment_size_check(len(data), field="extract")
    with transaction.atomic():
        step = step_for_action(user=user, step_pk=step_pk)
        if not carries_extract(step):
            raise Invalid({"extract": [_("Only a civil-status step carries an electronic extract.")]})
        ensure_open(step, "complete")
        verdict = verify_pdf(data, trust_roots=trust_roots())
        if not verdict.valid:
            raise Invalid({"extract": verdict.problems})
        Extract.objects.filter(step=step).delete()
        extract = Extract(
            step=step,
            sha256=hashlib.sha256(data).hexdigest(),
            signer=verdict.signer,
            signed_at=verdict.signed_at,
            uploaded_by=user,
        )
        extract.file.save(f"{step.bundle.code}-trich-luc.pdf", ContentFile(data), save=False)
        extract.save()
        event(
            step.bundle,
            Action.EXTRACT_ATTACHED,
            actor=user,
            step=step,
            data={"signer": extract.signer, "sha256": extract.sha256},
        )
    return extract


def extract_problems(step: Step, result: dict[str, Any]) -> dict[str, list[str]]:
    """What stops a civil-status step from completing with `result` because of its extract: the
    register number or personal ID number is not the one the extract shows; or there is no
    extract where the province requires one (CIVIL_STATUS_EXTRACT_REQUIRED)."""
    if not carries_extract(step):
        return {}
    extract = Extract.objects.filter(step=step).first()
    if extract is None:
        if settings.CIVIL_STATUS_EXTRACT_REQUIRED:
            return {"extract": [_("Attach the electronic extract signed by the civil-status system.")]}
        return {}
    with extract.file.open("rb") as stored:
        text = " ".join(pdf_words(stored.read()))
    return {
        f"result.{name}": [
            _("%(value)s is not on the electronic extract: check the number or attach the right extract.")
            % {"value": value}
        ]
        for name in EXTRACT_FIELDS
        if (value := str(result.get(name) or "").strip()) and value not in text
    }


def pdf_words(data: bytes) -> list[str]:
    """The words of a PDF's text, in reading order (pypdf)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(page.extract_text() or "" for page in reader.pages).split()


def step_complete_with_extract(*, user: User, step_pk: int, result: dict[str, Any], extract: bytes | None) -> Step:
    """The step page's completion: the extract attached and the step completed together, or
    neither (an extract whose numbers are not the result's is refused with the result)."""
    with transaction.atomic():
        if extract is not None:
            extract_attach(user=user, step_pk=step_pk, data=extract)
        return step_complete(user=user, step_pk=step_pk, result=result)
