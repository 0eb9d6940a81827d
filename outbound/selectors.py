"""Reads of what the portal sends out, scoped to the person asking: a partner's own webhooks and
the deliveries to them (the API's lists and the partner's /integration/ page)."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from agencies.models import User
from outbound.models import Attempt, Delivery, Subscription

RECENT_DELIVERIES = 20  # on the partner's page; the API lists them all, page by page


def webhook_list_for_user(*, user: User) -> QuerySet[Subscription]:
    """The webhooks this API client subscribed, oldest first (nobody else's)."""
    return Subscription.objects.filter(client=user).order_by("pk")


def delivery_list_for_user(*, user: User, limit: int = RECENT_DELIVERIES) -> list[Delivery]:
    """The latest deliveries to this client's webhooks, newest first, each with its webhook's URL,
    its dossier's code and its last attempt's answer (`last_status`, `last_attempt_error`), in one
    query; the message itself and the dossier's data are not read."""
    last = Attempt.objects.filter(delivery=OuterRef("pk")).order_by("-at", "-pk")
    rows = (
        Delivery.objects.filter(subscription__client=user)
        .select_related("subscription", "bundle")
        .only(
            "pk",
            "event",
            "state",
            "attempts",
            "created_at",
            "delivered_at",
            "next_attempt_at",
            "last_error",
            "subscription__url",
            "bundle__code",
            "bundle__state",  # the state: django-fsm reads it on load
        )
        .annotate(
            last_status=Subquery(last.values("status_code")[:1]),
            last_attempt_error=Subquery(last.values("error")[:1]),
        )
        .order_by("-created_at", "-pk")
    )
    return list(rows[:limit])
