"""The one-stop desk's actions on a dossier it filed: documents supplied, withdrawal, results
handed over, a scan attached."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import django_fsm as fsm
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from agencies import access
from agencies.choices import UserRole
from agencies.models import User
from cases import rules
from cases.attachments import attachment_check
from cases.choices import FINISHED_STEP_STATES, Action, BundleState, StepState
from cases.models import (
    Attachment,
    Bundle,
    Step,
)
from cases.selectors import bundle_get_for_user
from cases.services.appointment import appointment_update
from cases.services.audit import event, lock_bundle, move, open_refusal, publish
from portal.errors import Conflict, DomainError, Forbidden, Invalid


@dataclasses.dataclass(frozen=True)
class Document:
    """A scan handed in with the dossier: which document it is (its name on the checklist) and the file."""

    label: str
    file: UploadedFile


def documents_checked(documents: Sequence[Document]) -> list[str]:
    """The content type of each scan; Invalid naming each refused one by its row
    ("documents.2.file", "documents.2.label", counted from 1) when any is refused."""
    problems: dict[str, list[str]] = {}
    types = []
    for row, document in enumerate(documents, start=1):
        try:
            types.append(attachment_check(document.file))
        except Invalid as refused:
            problems[f"documents.{row}.file"] = refused.errors["file"]
        if not document.label.strip():
            problems[f"documents.{row}.label"] = [_("Say which document this is.")]
    if problems:
        raise Invalid(problems)
    return types


def _locked_bundle(user: User, code: str, action: str = access.DESK) -> Bundle:
    bundle = bundle_get_for_user(user=user, code=code)
    access.require(user, action)
    locked = lock_bundle(bundle.pk)
    list(Step.objects.select_for_update().filter(bundle=locked).order_by("pk").values_list("pk"))
    return locked


@dataclasses.dataclass(frozen=True)
class DeskAction:
    """One of the desk's actions on a dossier, checked the same way before it is offered on the
    page and before it is taken (a check/execute split, like Wagtail's action objects). An action
    that changes the bundle's state is its transition, and the state machine decides (sources,
    permission); the others keep the state and say here when they are open and why not."""

    transition: str = ""  # the bundle's transition it takes, if any
    action: str = access.DESK  # who may take it (agencies.access)
    states: tuple[str, ...] = ()  # else: the states it is open in
    wrong_state: str = ""  # why not, in another state
    condition: Callable[[Bundle], bool] | None = None  # and what must hold besides
    unmet: str = ""  # why not, when it does not

    def refusal(self, user: User, bundle: Bundle) -> DomainError | None:
        """Why `user` may not take the action on `bundle` now (403 or 409), or None."""
        if not access.may(user, self.action):
            return Forbidden(str(access.REFUSALS[self.action]))
        if self.transition:
            method = getattr(bundle, self.transition)
            return None if fsm.can_proceed(method) else open_refusal(bundle, self.transition)
        if bundle.state not in self.states:
            return Conflict(_(self.wrong_state))
        if self.condition is not None and not self.condition(bundle):
            return Conflict(_(self.unmet))
        return None

    def check(self, user: User, bundle: Bundle) -> None:
        if refused := self.refusal(user, bundle):
            raise refused


# The messages are marked for translation where they are defined and translated when refused.
DESK_ACTIONS = {
    "supplement": DeskAction(
        action=access.SUPPLY,
        states=(BundleState.IN_PROGRESS,),
        wrong_state=gettext_noop("No step of this dossier is waiting for documents."),
        condition=lambda bundle: bundle.steps.filter(state=StepState.RETURNED).exists(),
        unmet=gettext_noop("No step of this dossier is waiting for documents."),
    ),
    "attach": DeskAction(
        action=access.SUPPLY,
        states=(BundleState.IN_PROGRESS,),
        wrong_state=gettext_noop("Documents can only be attached to a dossier in progress."),
    ),
    "withdraw": DeskAction(transition="withdraw"),
    "hand_over": DeskAction(
        states=(BundleState.COMPLETED, BundleState.PARTLY_COMPLETED),
        wrong_state=gettext_noop("Results can be handed over once the dossier is completed."),
        condition=lambda bundle: bundle.handed_over_at is None,
        unmet=gettext_noop("The results were already handed over."),
    ),
}


def bundle_actions(*, user: User, bundle: Bundle) -> list[str]:
    """The desk's actions `user` may take on `bundle` now: the page offers exactly these."""
    return [name for name, action in DESK_ACTIONS.items() if action.refusal(user, bundle) is None]


def bundle_supplement(
    *, user: User, code: str, note: str, documents: Sequence[Document] = (), assurance: str = ""
) -> Bundle:
    """The missing documents arrived: every returned step goes back to its queue with a new clock.
    With `documents` (the citizen supplying online), their scans are attached in the same
    transaction: a refused scan changes nothing. A citizen acts only after an e-ID sign-in at a
    level that may file (`assurance`); a lower level only follows the dossier."""
    if user.role == UserRole.CITIZEN and str(assurance) not in settings.OIDC_ACR_FILING:
        raise Forbidden(
            _("Your e-ID sign-in lets you follow your dossiers but not act on them: sign in again at level 2.")
        )
    content_types = documents_checked(documents)
    with transaction.atomic():
        bundle = _locked_bundle(user, code, access.SUPPLY)
        DESK_ACTIONS["supplement"].check(user, bundle)
        for document, content_type in zip(documents, content_types, strict=True):
            attach(bundle, user, label=document.label, file=document.file, content_type=content_type)
        returned = list(bundle.steps.filter(state=StepState.RETURNED).order_by("pk"))
        clock = rules.calendar().clock_start(timezone.now())
        for step in returned:
            move(
                step,
                "resume",
                action=Action.SUPPLEMENTED,
                actor=user,
                note=note,
                clock_starts_on=clock,
                due_date=rules.step_due(step.procedure_id, bundle.category, clock),
            )
            publish("step.ready", step=step.pk)
        appointment_update(bundle, actor=user)  # the returned steps' clocks start again
    return bundle


def bundle_withdraw(*, user: User, code: str, reason: str) -> Bundle:
    """The citizen withdraws the dossier: steps not finished are cancelled, finished ones stay."""
    if not reason.strip():
        raise Invalid({"reason": [_("Say why the dossier is withdrawn.")]})
    with transaction.atomic():
        bundle = _locked_bundle(user, code)
        move(bundle, "withdraw", action=Action.WITHDRAWN, actor=user, note=reason)
        for step in bundle.steps.exclude(state__in=FINISHED_STEP_STATES).order_by("pk"):
            move(
                step,
                "cancel",
                action=Action.CANCELLED,
                actor=user,
                note=reason,
                reason=reason,
            )
        publish("bundle.finished", bundle=bundle.pk)
    return bundle


def bundle_hand_over(*, user: User, code: str) -> Bundle:
    """The one-stop desk hands the results of a finished dossier to the citizen."""
    with transaction.atomic():
        bundle = _locked_bundle(user, code)
        DESK_ACTIONS["hand_over"].check(user, bundle)
        bundle.handed_over_at = timezone.now()
        bundle.save(update_fields=["handed_over_at"])
        event(bundle, Action.HANDED_OVER, actor=user)
        publish("bundle.handed_over", bundle=bundle.pk)
    return bundle


def attachment_add(
    *, user: User, code: str, kind: str, file: UploadedFile, idempotency_key: str = ""
) -> tuple[Attachment, bool]:
    """Attach a scanned document to a bundle still in progress. Returns it and whether it is new:
    a scan sent again with the Idempotency-Key it was first sent with (a device sending what it
    captured offline, retrying after a dropped connection) is the one stored then, even once the
    bundle has moved on; the same key with another document is refused. Two sends of one key at
    once queue on the bundle's lock."""
    bundle = bundle_get_for_user(user=user, code=code)
    with transaction.atomic():
        if idempotency_key:
            lock_bundle(bundle.pk)
            sent = Attachment.objects.filter(bundle=bundle, idempotency_key=idempotency_key).first()
            if sent is not None:
                if (sent.kind, sent.size) != (kind.strip(), file.size):
                    raise Conflict(_("This Idempotency-Key was already used with a different document."))
                return sent, False
        DESK_ACTIONS["attach"].check(user, bundle)
        if not kind.strip():
            raise Invalid({"kind": [_("Say which document this is.")]})
        content_type = attachment_check(file)
        attachment = attach(
            bundle, user, label=kind.strip(), file=file, content_type=content_type, idempotency_key=idempotency_key
        )
        return attachment, True


def attach(
    bundle: Bundle, user: User, *, label: str, file: UploadedFile, content_type: str, idempotency_key: str = ""
) -> Attachment:
    """Store a checked scan of `bundle` with its audit event, in the caller's transaction (filing
    stores the scans handed in with the dossier this way too)."""
    attachment = Attachment.objects.create(
        bundle=bundle,
        kind=label,
        file=file,
        content_type=content_type,
        size=file.size or 0,
        uploaded_by=user,
        idempotency_key=idempotency_key,
    )
    event(bundle, Action.ATTACHED, actor=user, data={"kind": label, "size": file.size})
    return attachment
