"""Signing in: API tokens expire, valid for settings.API_TOKEN_LIFETIME days from when they were
issued (Token.created; the endpoint that issues and revokes them is portal/tokens.py); and the
guard against guessing (SignInLockoutBackend)."""

from __future__ import annotations

import datetime
import logging
import math
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from portal.client import client_address, sign_in_locked_message

logger = logging.getLogger(__name__)


def token_expired(token: Token) -> bool:
    return token.created <= timezone.now() - datetime.timedelta(days=settings.API_TOKEN_LIFETIME)


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing a token older than API_TOKEN_LIFETIME days."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            raise exceptions.AuthenticationFailed(
                _("The API token has expired. Obtain a new one from POST /api/v1/auth/token/.")
            )
        return user, token


class SignInLockoutBackend(AxesStandaloneBackend):
    """The sign-in guard, on every sign-in that comes with a request (the login pages, the admin's,
    the token endpoint and the e-ID callback all pass theirs), in three layers (docs/api.md: "Password
    guessing"):

    - per address, a ceiling a whole office behind one address never reaches in a day of typos
      (SIGN_IN_ADDRESS_LIMIT failures within an hour, any account, e-ID refusals included): then
      that address waits AXES_COOLOFF_TIME;
    - per account, slowing down first: after SIGN_IN_SLOW_AFTER failures each try must wait 2, 4,
      8… seconds after the last failure (a try too soon is refused and not counted);
    - per account, django-axes' lock after AXES_FAILURE_LIMIT failures, from any address.

    A password checked with no request at all (a management command, the shell) has no client to
    count or lock out, and passes through."""

    def authenticate(self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any):
        if request is None:
            return None
        if address_locked(request):
            refuse(request, sign_in_locked_message())
        if username and (wait := seconds_to_wait(username)):
            refuse(request, slow_down_message(wait))
        return super().authenticate(request, username, password, **kwargs)


def refuse(request: Any, message: str) -> None:
    """Refuse this sign-in as django-axes refuses a locked one (its middleware answers with
    portal.client.lockout_response), with this message, without counting it as a failure."""
    request.axes_locked_out, request.sign_in_refusal = True, message
    raise AxesBackendPermissionDenied("sign-in refused by the guard")


def _address_key(request: Any) -> str:
    return f"sign-in-failures:{client_address(request)}"


def address_locked(request: Any) -> bool:
    return bool(cache.get(f"{_address_key(request)}:locked"))


def failure_counted(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    """A failed sign-in (django.contrib.auth's user_login_failed), counted against its address;
    one the guard itself refused (locked, too soon) is not a new failure."""
    if request is None or getattr(request, "axes_locked_out", False):
        return
    key = _address_key(request)
    cache.add(key, 0, timeout=3600)
    try:
        failures = cache.incr(key)
    except ValueError:  # the hour ended between add and incr
        return
    if failures >= settings.SIGN_IN_ADDRESS_LIMIT:
        cache.set(f"{key}:locked", True, timeout=int(settings.AXES_COOLOFF_TIME.total_seconds()))
        logger.warning("sign-in from %s locked after %d failures within the hour", client_address(request), failures)


def seconds_to_wait(username: str) -> int:
    """How long this account must still wait before its next try (0: it may try now)."""
    attempts = AccessAttempt.objects.filter(username=username)
    failures = sum(attempts.values_list("failures_since_start", flat=True))
    if not settings.SIGN_IN_SLOW_AFTER <= failures < settings.AXES_FAILURE_LIMIT:  # then axes' lock decides
        return 0
    last = max(attempts.values_list("attempt_time", flat=True))
    delay = 2 ** (failures - settings.SIGN_IN_SLOW_AFTER + 1)
    return max(0, math.ceil((last + datetime.timedelta(seconds=delay) - timezone.now()).total_seconds()))


def slow_down_message(seconds: int) -> str:
    return _("Several failed sign-ins for this account: wait %(seconds)d seconds before trying again.") % {
        "seconds": seconds
    }
