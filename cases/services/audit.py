"""The plumbing every write shares: the audit trail, the outbox, the bundle lock, and taking one
transition of the state machine with its event. Nothing here decides anything about a dossier."""

from __future__ import annotations

from typing import Any

import django_fsm as fsm
from django.utils.translation import gettext as _

from agencies.models import User
from cases.choices import (
    Action,
)
from cases.models import (
    Bundle,
    Event,
    Outbox,
    Step,
)
from portal.celery import send_on_commit
from portal.errors import Conflict


def event(bundle: Bundle, action: Action, **fields: Any) -> Event:
    """Append an audit event: who (actor, in which role and office), what, from and to which state."""
    row = event_row(bundle, action, **fields)
    row.save()
    return row


def event_row(
    bundle: Bundle,
    action: Action,
    *,
    actor: User | None,
    step: Step | None = None,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> Event:
    return Event(
        bundle=bundle,
        step=step,
        actor=actor,
        actor_role=actor.role if actor else "system",
        office_id=actor.office_id if actor else None,
        action=action,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        data=data or {},
    )


def publish(topic: str, **payload: Any) -> None:
    """Write an outbox row in the current transaction; hand it to a worker once it commits."""
    publish_many([(topic, payload)])


def publish_many(messages: list[tuple[str, dict[str, Any]]]) -> None:

    rows = Outbox.objects.bulk_create([Outbox(topic=topic, payload=payload) for topic, payload in messages])
    # The notices to citizens on a queue of their own: a slow mail server never delays a hand-off.
    notices = [row.pk for row in rows if row.topic in NOTICE_TOPICS]
    others = [row.pk for row in rows if row.topic not in NOTICE_TOPICS]
    if others:
        send_on_commit("cases.tasks.outbox_deliver_task", *others)
    if notices:
        send_on_commit("cases.tasks.outbox_deliver_task", *notices, queue="notices")


NOTICE_TOPICS = ("notice.email", "notice.sms")


def open_refusal(obj: Bundle | Step, transition: str) -> Conflict:
    """The 409 of a transition that is not open in the current state."""
    return Conflict(
        _("This cannot be done while the %(what)s is '%(state)s'. Reload and try again.")
        % {"what": obj._meta.verbose_name, "state": obj.get_state_display()}
    )


def ensure_open(obj: Bundle | Step, transition: str) -> None:
    """409 unless the state machine allows `transition` now."""
    if not fsm.can_proceed(getattr(obj, transition)):
        raise open_refusal(obj, transition)


def available_actions(obj: Bundle | Step, user: User) -> list[str]:
    """The transitions with a label (the ones people take) that `user` may take on `obj` now, as
    the state machine says (sources, conditions, permission): the pages show exactly these."""
    field = obj._meta.get_field("state")
    return [t.name for t in fsm.get_available_user_FIELD_transitions(obj, user, field) if "label" in t.custom]


def _values(obj: Bundle | Step) -> dict[str, Any]:
    return {field.name: getattr(obj, field.attname) for field in obj._meta.concrete_fields if not field.primary_key}


def move(
    obj: Bundle | Step,
    transition: str,
    *,
    action: Action,
    actor: User | None,
    note: str = "",
    data: dict[str, Any] | None = None,
    **arguments: Any,
) -> None:
    """Take one transition of a bundle or step: 409 unless it is open now, run it, save exactly
    the fields it changed (409 if the row changed meanwhile) and append the audit event. The
    transition itself is the one list of what it changes."""
    ensure_open(obj, transition)
    before = _values(obj)
    getattr(obj, transition)(**arguments)
    changed = [name for name, value in _values(obj).items() if value != before[name]]
    try:
        obj.save(update_fields=["state", *(name for name in changed if name != "state")])
    except fsm.ConcurrentTransition:
        raise Conflict(_("Somebody changed this dossier first. Reload and try again.")) from None
    step = obj if isinstance(obj, Step) else None
    bundle = step.bundle if step is not None else obj
    assert isinstance(bundle, Bundle)
    event(
        bundle, action, actor=actor, step=step, from_state=before["state"], to_state=obj.state, reason=note, data=data
    )


def lock_bundle(pk: int) -> Bundle:
    """Lock a bundle row before touching its steps: every writer takes the bundle first, so two
    writers of one bundle queue up instead of deadlocking (officers, workers and beat alike)."""
    return Bundle.objects.select_for_update().get(pk=pk)
