"""What a partner reads on its /integration/ page about the deliveries to its webhooks: each change
by the portal's own label (its key kept for developers), each failed try as a short sentence."""

from __future__ import annotations

import re

from django import template
from django.utils.translation import gettext as _

from outbound.services import CHANGE_LABELS

register = template.Library()

# How an attempt's error starts when the request itself failed (outbound.services._attempt):
# the requests exception's class name, then its text.
EXCEPTION = re.compile(r"^(?P<name>[A-Za-z]\w*(?:Error|Timeout|Exception|Redirects|URL|Schema)): ")


@register.filter
def change_label(change: str) -> str:
    """The label of a change sent to webhooks ("step_done": "Completed"), the key itself if unknown."""
    label = CHANGE_LABELS.get(change)
    return str(label) if label is not None else change


@register.filter
def attempt_error_summary(error: str) -> str:
    """A failed try in a sentence ("ConnectionError: HTTPConnectionPool(...)": could not connect);
    an error that is already a sentence (an address the portal refused) is shown as it is."""
    found = EXCEPTION.match(error or "")
    if found is None:
        return error
    name = found.group("name")
    if "SSL" in name:
        return _("The webhook's address refused a secure connection")
    if "Timeout" in name:
        return _("The webhook's address did not answer in time")
    if name in ("ConnectionError", "ProxyError"):
        return _("Could not connect to the webhook's address")
    return _("The request to the webhook's address failed")
