"""Writes of the connections out: the deliveries a change of a dossier causes, and sending them,
in order per dossier and target, at least once, with backoff, until a day has passed."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import logging
import time
from typing import Any

import requests
from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import User
from cases.choices import Action, BundleState
from cases.models import Bundle, Step
from outbound import national
from outbound.addresses import webhook_address_check
from outbound.models import Attempt, Delivery, DeliveryState, Subscription, Target
from portal.celery import send_on_commit
from portal.errors import Invalid, NotFound

logger = logging.getLogger(__name__)
SEND_TASK = "outbound.tasks.deliveries_send_task"  # sent by name: the tasks import this module

# The outbox topics that change what the national portal shows, as our names for the changes.
NATIONAL_CHANGES = {
    "bundle.filed": "received",
    "step.ready": "in_progress",
    "step.returned": "returned",
    "step.done": "step_done",
    "step.refused": "step_refused",
    "step.apologised": "late",
    "bundle.handed_over": "handed_over",
}
FINISHED = {
    BundleState.COMPLETED: "completed",
    BundleState.PARTLY_COMPLETED: "partly_completed",
    BundleState.REFUSED: "refused",
}
# The version of an event's body: fields are only added within a version; one whose meaning
# changes would come as a new version.
WEBHOOK_VERSION = 1
# Each change as people read it on the portal: the audit trail's action or the dossier's state of
# the same name (the partner's page shows these, with the key beside them).
CHANGE_LABELS = {
    "received": Action.FILED.label,
    "in_progress": BundleState.IN_PROGRESS.label,
    "returned": Action.RETURNED.label,
    "step_done": Action.COMPLETED.label,
    "step_refused": Action.REFUSED.label,
    "late": Action.APOLOGISED.label,
    "handed_over": Action.HANDED_OVER.label,
    "completed": BundleState.COMPLETED.label,
    "partly_completed": BundleState.PARTLY_COMPLETED.label,
    "refused": BundleState.REFUSED.label,
}


def deliveries_add(*, topic: str, position: int, bundle: Bundle, step: Step | None) -> list[Delivery]:
    """The deliveries one outbox message causes: to the national portal for a dossier that came
    from it, to each partner webhook that wants this event about a dossier its client may see.
    Written in the outbox's own transaction (so each change is written once, whatever the number
    of deliveries of the message), in its place (`position`, the message's); sent once it commits."""
    change = FINISHED.get(bundle.state) if topic == "bundle.finished" else NATIONAL_CHANGES.get(topic)
    if change is None:
        return []
    rows = []
    if bundle.national_code and national.configured():
        payload = national_payload(change, bundle, step)
        rows.append(Delivery(target=Target.NATIONAL, bundle=bundle, event=change, position=position, payload=payload))
    event_type = f"dossier.{change}"
    wanted = [s for s in Subscription.objects.filter(active=True).select_related("client") if s.wants(event_type)]
    clients = {subscription.client for subscription in wanted}
    # One visibility check per client and one read of the dossier, whatever the number of webhooks.
    sees = {client.pk: Bundle.objects.restrict(client).filter(pk=bundle.pk).exists() for client in clients}
    dossier = dossier_view(bundle) if any(sees.values()) else {}
    for subscription in wanted:
        if sees[subscription.client_id]:
            delivery = Delivery(
                target=Target.WEBHOOK, subscription=subscription, bundle=bundle, event=change, position=position
            )
            delivery.payload = {
                "id": str(delivery.pk),
                "event_id": f"evt_{position}",
                "version": WEBHOOK_VERSION,
                "type": event_type,
                "time": timezone.now().isoformat(),
                "dossier": dossier,
            }
            rows.append(delivery)
    Delivery.objects.bulk_create(rows)
    for delivery in rows:
        send_on_commit(SEND_TASK, delivery.target, bundle.pk, delivery.subscription_id)
    return rows


def dossier_view(bundle: Bundle) -> dict[str, Any]:
    """What a partner's event says of the dossier: its code and states, no personal data (a
    partner reads those through the API, in its own scope)."""
    steps = bundle.steps.order_by("pk").values_list("procedure_id", "state", "due_date")
    return {
        "code": bundle.code,
        "kind": bundle.kind,
        "state": bundle.state,
        "due_date": bundle.due_date.isoformat(),
        "steps": [
            {"procedure": procedure, "state": state, "due_date": due.isoformat() if due else None}
            for procedure, state, due in steps
        ],
    }


def national_payload(change: str, bundle: Bundle, step: Step | None) -> dict[str, Any]:
    """What the national portal is sent for one change (outbound.national: the record and the step
    of progress, as OpenCPS builds them; the state codes are NationalState rows)."""
    return national.payload(change, str(CHANGE_LABELS[change]), change in FINISHED.values(), bundle, step)


def deliveries_send(*, target: str, bundle_pk: int, subscription_pk: int | None = None) -> int:
    """Send what is due for one dossier and target (one webhook), oldest first, stopping at the
    first failure (a later change never overtakes an earlier one). Another worker already on this
    queue makes this call do nothing; a switched-off webhook gets nothing. Returns how many were
    delivered."""
    delivered = 0
    while True:
        try:
            with transaction.atomic():
                queue = Q(subscription__isnull=True) if subscription_pk is None else Q(subscription_id=subscription_pk)
                delivery = (
                    Delivery.objects.select_for_update(nowait=True, of=("self",))
                    .select_related("subscription")
                    .filter(queue, target=target, bundle_id=bundle_pk)
                    .exclude(state=DeliveryState.DELIVERED)
                    .order_by("position", "created_at")
                    .first()
                )
                if (
                    delivery is None
                    or delivery.state == DeliveryState.DEAD
                    or delivery.next_attempt_at > timezone.now()
                    or (delivery.subscription is not None and not delivery.subscription.active)
                ):
                    return delivered
                if not _attempt(delivery):
                    return delivered
                delivered += 1
        except DatabaseError:  # the row is locked: another worker sends this dossier's queue
            return delivered


def _request(delivery: Delivery) -> tuple[str, bytes, dict[str, str]]:
    """Where a partner's delivery goes, its body and its headers: HMAC-SHA256 of
    "<timestamp>.<body>" under its secret, and Standard Webhooks' signatures over
    "<id>.<timestamp>.<body>" under each secret that signs now (two while a rotation's overlap
    lasts)."""
    assert delivery.subscription is not None  # the national portal's go through outbound.national
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", "X-Lienthong-Delivery": str(delivery.pk)}
    stamp, secrets = str(int(time.time())), delivery.subscription.signing_secrets(timezone.now())
    digest = hmac.new(secrets[0].encode(), stamp.encode() + b"." + body, hashlib.sha256)
    headers["X-Lienthong-Timestamp"] = stamp
    headers["X-Lienthong-Signature"] = f"sha256={digest.hexdigest()}"  # the current secret's only
    # Standard Webhooks (standardwebhooks.com) beside them: the message id, the same on every retry
    # of this delivery (the receiver's de-duplication key), is signed with the time and the body;
    # the key is the secret's bytes, which the partner's library takes as "whsec_" + base64(secret).
    message = f"msg_{delivery.pk}"
    signed = f"{message}.{stamp}.".encode() + body
    headers["webhook-id"], headers["webhook-timestamp"] = message, stamp
    headers["webhook-signature"] = " ".join(
        f"v1,{base64.b64encode(hmac.new(secret.encode(), signed, hashlib.sha256).digest()).decode()}"
        for secret in secrets
    )
    return delivery.subscription.url, body, headers


def _attempt(delivery: Delivery) -> bool:
    """One try, recorded; the delivery marked delivered, or its next try set (or given up); a
    webhook's run of failures counted, and the webhook switched off after WEBHOOK_MAX_FAILURES."""
    started = time.monotonic()
    # The national portal speaks its own protocol, judged by the answer's error_code (outbound.national).
    status, error, answer = (*national.send(delivery), "") if delivery.subscription is None else _post(delivery)
    now = timezone.now()
    duration = round((time.monotonic() - started) * 1000)
    Attempt.objects.create(
        delivery=delivery, at=now, status_code=status, error=error, answer=answer, duration_ms=duration
    )
    delivery.attempts += 1
    if not error:
        delivery.state, delivery.delivered_at, delivery.last_error = DeliveryState.DELIVERED, now, ""
    else:
        delivery.last_error = error
        wait = min(settings.OUTBOUND_RETRY_BASE * 2 ** (delivery.attempts - 1), settings.OUTBOUND_RETRY_MAX)
        delivery.next_attempt_at = now + datetime.timedelta(seconds=wait)
        if delivery.next_attempt_at - delivery.retry_from > datetime.timedelta(seconds=settings.OUTBOUND_GIVE_UP):
            delivery.state = DeliveryState.DEAD
            logger.warning("delivery %s given up after %d attempts: %s", delivery.pk, delivery.attempts, error)
    delivery.save()
    if delivery.subscription is not None:
        _count(delivery.subscription, error, now)
    return not error


def _post(delivery: Delivery) -> tuple[int | None, str, str]:
    """A partner's webhook: one POST; its status, "" when 2xx or what went wrong as the partner
    may read it (the status, never the answer's body: the URL may reach a host whose error page
    is not the partner's to read), and the start of the answer for the staff, kept only from a
    receiver outside the internal networks."""
    status, error, kept = None, "", ""
    url, body, headers = _request(delivery)
    try:
        inside = webhook_address_check(url)
        answer = requests.post(
            url, data=body, headers=headers, timeout=settings.OUTBOUND_TIMEOUT, allow_redirects=False
        )
        status = answer.status_code
        if not 200 <= status < 300:
            error, kept = f"HTTP {status}", "" if inside else answer.text[:300]
    except requests.RequestException as failure:
        error = f"{type(failure).__name__}: {failure}"[:300]
    except Invalid as refused:
        error = "; ".join(refused.errors["url"])[:300]
    return status, error, kept


def _count(subscription: Subscription, error: str, now: datetime.datetime) -> None:
    subscription.failures = subscription.failures + 1 if error else 0
    if error and subscription.failures >= settings.WEBHOOK_MAX_FAILURES:
        subscription.active, subscription.disabled_at = False, now
        subscription.disabled_reason = f"{subscription.failures} lần gửi liên tiếp không thành công; lần cuối: {error}"[
            :300
        ]
    subscription.save(update_fields=["failures", "active", "disabled_at", "disabled_reason"])


def deliveries_due() -> list[tuple[str, int, int | None]]:
    """The queues (target, dossier, webhook) with something due now (the beat sweeper sends them)."""
    return list(
        Delivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=timezone.now())
        .values_list("target", "bundle_id", "subscription_id")
        .distinct()[:1000]
    )


def delivery_replay(*, delivery: Delivery) -> None:
    """An administrator sends a given-up delivery again: a fresh day of tries, in its place."""
    Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.DEAD).update(
        state=DeliveryState.PENDING, next_attempt_at=timezone.now(), retry_from=timezone.now()
    )
    send_on_commit(SEND_TASK, delivery.target, delivery.bundle_id, delivery.subscription_id)


# --- Partners' webhooks ------------------------------------------------------------------------

WEBHOOK_EVENTS = sorted({f"dossier.{change}" for change in [*NATIONAL_CHANGES.values(), *FINISHED.values()]})


def webhook_subscribe(*, client: User, url: str, events: list[str], secret: str) -> Subscription:
    """A partner subscribes its URL to some events (["*"]: all). The address is checked first."""
    webhook_address_check(url)
    return Subscription.objects.create(client=client, url=url, events=sorted(set(events)), secret=secret)


def webhook_secret_rotate(*, client: User, pk: int, secret: str, overlap_hours: int) -> Subscription:
    """A partner replaces its webhook's secret. Calls are signed with both for `overlap_hours`
    (0: the old one stops at once), so the partner can switch its receiver in that time; a secret
    that is being replaced already stops signing now."""
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().filter(client=client, pk=pk).first()
        if subscription is None:
            raise NotFound(_("No such webhook."))
        if hmac.compare_digest(secret.encode(), subscription.secret.encode()):
            raise Invalid({"secret": [_("The new secret must differ from the current one.")]})
        until = timezone.now() + datetime.timedelta(hours=overlap_hours)
        subscription.previous_secret, subscription.secret = (subscription.secret if overlap_hours else ""), secret
        subscription.previous_secret_until = until if overlap_hours else None
        subscription.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
    logger.info("webhook %s: secret rotated, the previous one signs until %s", pk, subscription.previous_secret_until)
    return subscription


def webhook_delete(*, client: User, pk: int) -> None:
    """A partner removes one of its webhooks (its deliveries go with it); 404 for anyone else's."""
    deleted, _rows = Subscription.objects.filter(client=client, pk=pk).delete()
    if not deleted:
        raise NotFound(_("No such webhook."))
