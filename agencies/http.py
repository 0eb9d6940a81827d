"""The request of a signed-in page, for the type checker: its user is a portal user."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    from agencies.models import User


class PortalRequest(HttpRequest):
    """A request on a page behind `agencies.access.page`: its user is a logged-in portal user."""

    user: User
    htmx: HtmxDetails
