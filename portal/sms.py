"""Text messages to citizens, through the backend the settings name (`SMS_BACKEND`):

- `console` (the default): the message is written to the log, nothing leaves the machine;
- `http`: a brand-name SMS gateway's HTTP API: `POST SMS_GATEWAY_URL` with the JSON
  `{"id", "to", "sender", "text"}` and `Authorization: Bearer SMS_GATEWAY_TOKEN`. `id` is ours, the
  same on every retry of one message, so the gateway can drop a repeat. Any answer but 2xx, a
  timeout or a refused connection raises `SmsError` (the caller retries later).
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request

from django.conf import settings

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10


class SmsError(Exception):
    """The gateway did not take the message; sending it again later may work."""


def send_sms(*, message_id: str, to: str, text: str) -> None:
    if settings.SMS_BACKEND == "console":
        logger.info("SMS %s to %s: %s", message_id, to, text)
        return
    if settings.SMS_BACKEND != "http":
        raise SmsError(f"Unknown SMS_BACKEND {settings.SMS_BACKEND!r}")
    body = json.dumps({"id": message_id, "to": to, "sender": settings.SMS_SENDER, "text": text}).encode()
    request = urllib.request.Request(
        settings.SMS_GATEWAY_URL,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}"},
    )
    if not settings.SMS_GATEWAY_URL.startswith(("https://", "http://")):
        raise SmsError("SMS_GATEWAY_URL must be an http(s) address")
    try:
        # Silenced for bandit (B310): the scheme is checked to be http(s) just above.
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # nosec B310
            status = answer.status
    except urllib.error.HTTPError as refused:
        raise SmsError(f"The SMS gateway answered {refused.code}") from None
    except OSError as down:
        raise SmsError(f"The SMS gateway cannot be reached: {down}") from None
    if not 200 <= status < 300:
        raise SmsError(f"The SMS gateway answered {status}")
