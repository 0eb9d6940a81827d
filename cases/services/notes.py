"""Notes between the offices working a dossier: the desk and the offices of its steps leave one
another a note on the dossier or on one of its steps (a question to the desk, a remark to the
police). A note is written once and never changed or deleted; it names its author and is its own
record (no audit event: the dossier's events reach its partner systems and the national portal,
the notes never do). The addressed office is told by an in-portal notice, through the outbox."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from agencies import access
from agencies.models import User
from cases.models import Bundle, Note, Notification, Outbox
from cases.selectors import DESK, NOTE_PEOPLE, note_addressees
from cases.services.audit import publish
from portal.errors import Invalid, NotFound

NOTE_LENGTH = 2000  # characters
TOPIC = "note.added"


def note_add(*, user: User, code: str, text: str, to: str, step_pk: int | None = None) -> Note:
    """Leave a note on the dossier `code` (on its step `step_pk` if given) for `to`: "desk" (the
    dossier's one-stop desk) or the id of an office of its steps, never the author's own. Only the
    desk and the offices of the dossier may (404 for anyone else); a note that is empty, too long,
    to nobody of the dossier or on a step of another dossier is refused (400), naming the field,
    and nothing is written. The addressed office is told after commit (outbox)."""
    bundle = Bundle.objects.restrict(user, access.NOTES).filter(code=code).select_related("commune").first()
    if bundle is None:
        raise NotFound(_("No dossier %(code)s.") % {"code": code})
    text = text.strip()
    problems: dict[str, list[str]] = {}
    if not text:
        problems["text"] = [_("Note: write what you want to say.")]
    elif len(text) > NOTE_LENGTH:
        problems["text"] = [
            _("Note: at most %(limit)s characters (this one has %(length)s).")
            % {"limit": NOTE_LENGTH, "length": len(text)}
        ]
    if to not in dict(note_addressees(user=user, bundle=bundle)):
        problems["to"] = [_("To: choose the desk or another office working this dossier.")]
    step = None
    if step_pk is not None:
        step = bundle.steps.filter(pk=step_pk).first()
        if step is None:
            problems["step"] = [_("Step: choose a step of this dossier.")]
    if problems:
        raise Invalid(problems)
    with transaction.atomic():
        note = Note.objects.create(
            bundle=bundle,
            step=step,
            author=user,
            author_office_id=user.office_id,
            to_office_id=None if to == DESK else int(to),
            text=text,
        )
        publish(TOPIC, note=note.pk)
    return note


def note_deliver(message: Outbox) -> None:
    """The outbox's "note.added": the in-portal notice to the addressed office (or desk), in
    Vietnamese; delivered once (cases.services.outbox.outbox_deliver). It says who wrote on which
    dossier, never the note itself; the dossier's partners hear nothing of it."""
    note = Note.objects.select_related(*NOTE_PEOPLE, "author__office").get(pk=message.payload["note"])
    with translation.override(settings.LANGUAGE_CODE):
        text = _("Dossier %(code)s: a note for you from %(author)s.") % {
            "code": note.bundle.code,
            "author": note.author_name,
        }
    Notification.objects.create(
        bundle=note.bundle,
        step=note.step,
        outbox=message,
        recipient=note.to_name,
        message=text,
        to_office=note.to_office,
        to_unit=None if note.to_office is not None else note.bundle.commune,
    )
