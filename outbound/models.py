"""What the portal sends out (issue 15): each change of a dossier's state to the national portal
it came from, as deliveries that keep their order per dossier, are retried with backoff and, after
a day, wait in a dead-letter list for an administrator to send them again."""

from __future__ import annotations

import datetime
import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import User
from cases.models import Bundle


class Target(models.TextChoices):
    NATIONAL = "national", _("National public-service portal")
    WEBHOOK = "webhook", _("A partner's webhook")


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    DELIVERED = "delivered", _("Delivered")
    DEAD = "dead", _("Given up: waiting for an administrator")


class NationalState(models.Model):
    """How one change of a dossier reads on the national portal: its state code there (the
    synchronisation call's TrangThaiHoSo). Data, because the current codes are unverified."""

    event = models.CharField(_("change"), max_length=40, unique=True)
    code = models.CharField(_("state code on the national portal"), max_length=40)
    label = models.CharField(_("meaning"), max_length=200)

    class Meta:
        verbose_name = _("national portal state")
        verbose_name_plural = _("national portal states")
        ordering = ["event"]

    def __str__(self) -> str:
        return f"{self.event} → {self.code}"


class Subscription(models.Model):
    """A partner system's webhook: the events it wants about the dossiers it may see, POSTed to
    its URL and signed with its secret (HMAC-SHA256). While a secret is being rotated, the one it
    replaced signs too, until `previous_secret_until`. Switched off by the portal after a run of
    failures, with the reason the partner reads."""

    client = models.ForeignKey(User, verbose_name=_("client"), on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(_("secret"), max_length=200)
    previous_secret = models.CharField(_("previous secret"), max_length=200, blank=True)
    previous_secret_until = models.DateTimeField(_("previous secret signs until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    active = models.BooleanField(_("active"), default=True)
    failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    disabled_at = models.DateTimeField(_("switched off at"), null=True, blank=True)
    disabled_reason = models.CharField(_("why it was switched off"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.url

    def wants(self, event_type: str) -> bool:
        return "*" in self.events or event_type in self.events

    def signing_secrets(self, now: datetime.datetime) -> list[str]:
        """The secrets that sign a call made now: the current one, then the one it replaced while
        the rotation's overlap lasts."""
        return [self.secret, self.previous_secret] if self.previous_signs_at(now) else [self.secret]

    def previous_signs_at(self, now: datetime.datetime) -> bool:
        return bool(self.previous_secret and self.previous_secret_until and now < self.previous_secret_until)

    @property
    def rotating_until(self) -> datetime.datetime | None:
        """Until when the replaced secret still signs, while it does (for the partner's page)."""
        return self.previous_secret_until if self.previous_signs_at(timezone.now()) else None


class Delivery(models.Model):
    """One message to one outside system about one dossier. Its id goes with every attempt, so
    the receiver drops a repeat; the deliveries of a dossier to a target go out in the order they
    were written, a later one waiting while an earlier one is undelivered."""

    id = models.UUIDField(_("delivery id"), primary_key=True, default=uuid.uuid4, editable=False)
    target = models.CharField(_("to"), max_length=20, choices=Target.choices)
    subscription = models.ForeignKey(
        Subscription,
        verbose_name=_("webhook"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    bundle = models.ForeignKey(Bundle, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="+")
    event = models.CharField(_("change"), max_length=40)
    # Its place in the dossier's order: the outbox message it came from (written in commit order).
    position = models.BigIntegerField(_("position"))
    payload = models.JSONField(_("message"))
    created_at = models.DateTimeField(_("written at"), default=timezone.now)
    state = models.CharField(_("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    # The start of the day of tries (its writing, or an administrator's replay).
    retry_from = models.DateTimeField(_("trying since"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["position", "created_at"]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(state="pending"), name="delivery_due"),
            models.Index(fields=["target", "subscription", "bundle", "position"], name="delivery_order"),
        ]

    def __str__(self) -> str:
        return f"{self.get_target_display()}: {self.event} ({self.pk})"


class Attempt(models.Model):
    """One try of a delivery: what the receiver answered, or why it could not be reached."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)  # what the partner reads: never the answer's body
    # The start of the receiver's answer, for the staff only (administration), and only from a
    # receiver outside the internal networks webhooks may reach (an internal host's page stays unread).
    answer = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error}"
