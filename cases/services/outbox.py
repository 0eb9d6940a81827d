"""Delivering the outbox: the hand-off of a step to its office and the notices to citizens,
each delivered once whatever the number of deliveries."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.choices import Action, BundleState, StepState
from cases.documents import tracking_url
from cases.models import Bundle, Notification, Outbox, Step
from cases.services.audit import NOTICE_TOPICS, event, lock_bundle, publish_many
from portal.errors import NotFound
from portal.sms import send_sms


def outbox_deliver(*, message_pk: int) -> bool:
    """Deliver one outbox message, once: a second delivery of the same message does nothing.
    Returns whether this call delivered it."""
    with transaction.atomic():
        message = (
            Outbox.objects.select_for_update(skip_locked=True).filter(pk=message_pk, delivered_at__isnull=True).first()
        )
        if message is None:
            return False
        message.attempts += 1
        _deliver(message)
        message.delivered_at = timezone.now()
        message.save(update_fields=["attempts", "delivered_at"])
    return True


# What the citizen hears about (the office hears of `step.ready`, its hand-off).
CITIZEN_TOPICS = (
    "bundle.filed",
    "step.returned",
    "step.done",
    "step.refused",
    "step.late",
    "bundle.late",
    "step.apologised",
    "bundle.finished",
    "bundle.rescheduled",
)


# The outbox's topics that other apps deliver themselves, each registered by its app when Django
# starts (reporting: "report.email", the province's scheduled report).
TOPIC_HANDLERS: dict[str, Callable[[Outbox], None]] = {}
# The adapters that hear of every change of a dossier, in the outbox message's transaction and in
# its order (`position`), each registered by its app when Django starts (outbound: the national
# portal's status and the partners' webhooks). The engine names none of them.
CHANGE_SUBSCRIBERS: list[Callable[..., object]] = []


def _deliver(message: Outbox) -> None:
    payload = message.payload
    if message.topic in NOTICE_TOPICS:
        _send_notice(message)
        return
    if handler := TOPIC_HANDLERS.get(message.topic):
        handler(message)
        return
    if "step" in payload:
        bundle = lock_bundle(Step.objects.values_list("bundle_id", flat=True).get(pk=payload["step"]))
        step = Step.objects.select_related("office", "procedure").get(pk=payload["step"])
    else:
        step, bundle = None, lock_bundle(payload["bundle"])
    for subscriber in CHANGE_SUBSCRIBERS:  # the systems outside
        subscriber(topic=message.topic, position=message.pk, bundle=bundle, step=step)
    if message.topic == "step.ready" and step is not None:
        # The hand-off: the dossier reaches the office that handles this step.
        if step.handed_off_at is None:
            step.handed_off_at = timezone.now()
            step.save(update_fields=["handed_off_at"])
            event(bundle, Action.HANDED_OFF, actor=None, step=step, data={"office": step.office.name})
        text = _("Dossier %(code)s: %(procedure)s is in your queue, due %(due)s.") % {
            "code": bundle.code,
            "procedure": step.procedure.name,
            "due": step.due_date,
        }
        Notification.objects.create(
            bundle=bundle, step=step, outbox=message, recipient=step.office.name, message=text, to_office=step.office
        )
        return
    if message.topic not in CITIZEN_TOPICS:  # the results handed over: nothing to tell the citizen
        return
    with translation.override(settings.LANGUAGE_CODE):  # the citizen's notices are in Vietnamese
        text, short = _citizen_texts(message.topic, bundle, step)
        applicant = bundle.data.get("applicant") or {}
        Notification.objects.create(
            bundle=bundle, step=step, outbox=message, recipient=applicant.get("phone", ""), message=text
        )
        if message.topic in CITIZEN_TOPICS and bundle.notices_stopped_at is None:
            _notices_queue(bundle, step, message.topic, text, short)


def _citizen_texts(topic: str, bundle: Bundle, step: Step | None) -> tuple[str, str]:
    """The notice of a change the citizen cares about: the full text (the portal notice and the
    e-mail) and the text message's, which names the dossier and the step, never a person, a
    document they lack or a reason (free text may hold personal data)."""
    code = bundle.code
    procedure = step.procedure.name if step is not None else ""
    if topic == "step.returned" and step is not None:
        text = _("Dossier %(code)s: please supply %(documents)s by %(day)s.") % {
            "code": code,
            "documents": ", ".join(step.missing_documents),
            "day": _day(step.supplement_deadline),
        }
        short = _("Dossier %(code)s: %(procedure)s needs more documents by %(day)s.") % {
            "code": code,
            "procedure": procedure,
            "day": _day(step.supplement_deadline),
        }
        return text, short
    if topic == "step.refused" and step is not None:
        text = _("Dossier %(code)s: %(procedure)s was refused.") % {"code": code, "procedure": procedure}
        # The reason goes to the applicant's e-mail and the portal notice, never in a text message.
        return text + " " + _("Reason: %(reasons)s") % {"reasons": step.reason}, text
    if topic == "step.done" and step is not None:
        text = _("Dossier %(code)s: %(procedure)s is done.") % {"code": code, "procedure": procedure}
    elif topic in ("step.late", "bundle.late"):
        text = _("Dossier %(code)s is late. We apologise; a new appointment date will follow.") % {"code": code}
    elif topic == "step.apologised" and step is not None:
        text = _("Dossier %(code)s: we apologise for the delay; new appointment %(day)s.") % {
            "code": code,
            "day": _day(step.new_appointment_on),
        }
    elif topic == "bundle.rescheduled":
        text = _("Dossier %(code)s: the results are now due %(due)s.") % {"code": code, "due": _day(bundle.due_date)}
    elif topic == "bundle.filed":
        text = _("Dossier %(code)s received, due %(due)s.") % {"code": code, "due": _day(bundle.due_date)}
    else:
        if bundle.state in (BundleState.COMPLETED, BundleState.PARTLY_COMPLETED):
            text = _("Dossier %(code)s: the results are ready (%(state)s).") % {
                "code": code,
                "state": bundle.get_state_display().lower(),
            }
        else:
            text = _("Dossier %(code)s: %(state)s.") % {"code": code, "state": bundle.get_state_display()}
        reasons = [s.reason for s in bundle.steps.filter(state=StepState.REFUSED).order_by("pk") if s.reason]
        if reasons:
            # The reasons go to the applicant's e-mail and the portal notice, never in a text message.
            return text + " " + _("Reason: %(reasons)s") % {"reasons": "; ".join(reasons)}, text
    return text, text


def _day(day: datetime.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def _notices_queue(bundle: Bundle, step: Step | None, topic: str, text: str, short: str) -> None:
    """One outbox row per channel the applicant gave (e-mail, phone): each is sent by its own
    delivery, so a failure of one never repeats the other."""
    applicant = bundle.data.get("applicant") or {}
    base = {"bundle": bundle.pk, "step": step.pk if step is not None else None, "topic": topic}
    rows: list[tuple[str, dict[str, Any]]] = []
    if applicant.get("email"):
        subject = _("Dossier %(code)s: notice") % {"code": bundle.code}
        body = "\n\n".join(
            [
                text,
                _("Follow the dossier: %(url)s") % {"url": tracking_url(str(bundle.code))},
                _("To stop these notices for this dossier: %(url)s") % {"url": notices_stop_url(bundle)},
            ]
        )
        rows.append(("notice.email", {**base, "to": applicant["email"], "subject": subject, "text": body}))
    # The national portal texts the appointment of a dossier filed there itself: not a second time.
    if applicant.get("phone") and not (topic == "bundle.filed" and bundle.national_code):
        rows.append(("notice.sms", {**base, "to": applicant["phone"], "text": short}))
    if rows:
        publish_many(rows)


def _send_notice(message: Outbox) -> None:
    """Send one notice, in the delivery that marks it sent: a second delivery finds it sent and
    does nothing. A failure raises, so the row stays unsent and the task tries again later; the
    e-mail's Message-ID and the text's id are fixed, so a receiver drops a repeat."""
    payload = message.payload
    bundle = Bundle.objects.get(pk=payload["bundle"])
    if message.topic == "notice.email":
        mail = EmailMessage(subject=payload["subject"], body=payload["text"], to=[payload["to"]])
        mail.extra_headers["Message-ID"] = f"<notice-{message.pk}@{mail_domain()}>"
        mail.send()
        channel = "email"
    else:
        send_sms(message_id=f"notice-{message.pk}", to=payload["to"], text=payload["text"])
        channel = "sms"
    step = Step.objects.filter(pk=payload["step"]).first() if payload.get("step") else None
    Notification.objects.create(
        bundle=bundle, step=step, outbox=message, recipient=payload["to"], message=payload["text"]
    )
    event(bundle, Action.NOTIFIED, actor=None, step=step, data={"channel": channel, "topic": payload["topic"]})


def mail_domain() -> str:
    return settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].rstrip(">") or "localhost"


def notices_stop_url(bundle: Bundle) -> str:
    """The link in each e-mail that stops the notices of this dossier (signed; no sign-in needed)."""
    token = signing.dumps(bundle.code, salt=NOTICES_STOP)
    return f"{settings.PUBLIC_BASE_URL}{reverse('notices-stop', args=[token])}"


NOTICES_STOP = "notices-stop"


def bundle_notices_stop(*, token: str) -> Bundle:
    """The citizen stops the e-mails and texts about one dossier, from the link in a notice (a
    signed code: no sign-in). Stopping twice changes nothing more."""
    try:
        code = signing.loads(token, salt=NOTICES_STOP)
    except signing.BadSignature:
        raise NotFound(_("This link is not valid. Use the link in the latest notice.")) from None
    with transaction.atomic():
        found = Bundle.objects.filter(code=code).values_list("pk", flat=True).first()
        if found is None:
            raise NotFound(_("This link is not valid. Use the link in the latest notice."))
        bundle = lock_bundle(found)
        if bundle.notices_stopped_at is None:
            bundle.notices_stopped_at = timezone.now()
            bundle.save(update_fields=["notices_stopped_at"])
            event(bundle, Action.NOTICES_STOPPED, actor=None)
    return bundle


def outbox_pending(*, older_than: datetime.timedelta) -> list[int]:
    """Messages still undelivered after `older_than`: their publication was lost (a crash between
    commit and publish, a broker outage) or their worker died; the sweeper publishes them again."""
    return list(
        Outbox.objects.filter(delivered_at__isnull=True, created_at__lt=timezone.now() - older_than)
        .order_by("pk")
        .values_list("pk", flat=True)[:1000]
    )
