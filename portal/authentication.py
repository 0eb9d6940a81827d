"""Signing in: API tokens expire, valid for settings.API_TOKEN_LIFETIME days from when they were
issued (Token.created; the endpoint that issues and revokes them is portal/tokens.py), and are
remembered in the cache for a short while (token_cache_forget); and the guard against guessing
(SignInLockoutBackend)."""

from __future__ import annotations

import datetime
import hashlib
import logging
import math
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import router, transaction
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
    """DRF's token authentication, refusing a token older than API_TOKEN_LIFETIME days, that reads
    a token and its holder's row from the cache when a request of the last API_TOKEN_CACHE_SECONDS
    left them there, instead of the database (a request with a known token then costs no query
    to authenticate). What the cache holds is a hash of the key, when the token was issued and the
    holder's columns but the password's (only an active holder's): each request makes its own User
    of them, as the database would, and checks expiry on it."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        if not settings.API_TOKEN_CACHE_SECONDS:
            return _unexpired(*super().authenticate_credentials(key))
        remembered = cache.get(_token_cache_key(key))
        found = _token_from_cache(key, remembered) if isinstance(remembered, tuple) else None
        if found is None:  # the database's answer: an unknown token, an inactive holder are refused there
            found = super().authenticate_credentials(key)
            if remembered is None:
                _token_remember(*found)
        return _unexpired(*found)


def _unexpired(user: Any, token: Token) -> tuple[Any, Token]:
    if token_expired(token):
        raise exceptions.AuthenticationFailed(
            _("The API token has expired. Obtain a new one from POST /api/v1/auth/token/.")
        )
    return user, token


# --- The tokens the cache remembers ------------------------------------------------------------
# Whatever could make a remembered token wrong marks its entry stale at once, in the cache every
# process shares: deleting the token (DELETE /api/v1/auth/token/, the admin's delete and its bulk
# action: QuerySet.delete() sends post_delete for each row when anyone listens), saving it, and
# saving or deleting its holder (made inactive, given another role, office, commune...). A stale
# entry is looked up in the database again and is not replaced before it expires, so a request
# that read the row just before the change cannot put the old row back; it is marked stale again
# when the transaction commits, for a request that read the row between the change and the commit.
# Not seen: a change by QuerySet.update() or raw SQL, which sends no signal; it applies within
# API_TOKEN_CACHE_SECONDS (or call token_cache_forget).
_STALE = "stale"


def _token_cache_key(key: str) -> str:
    """The cache's name for a token: a hash, never the key itself (the cache is no place for it)."""
    return "api-token:" + hashlib.sha256(key.encode()).hexdigest()


def _user_columns() -> tuple[str, ...]:
    return tuple(f.attname for f in get_user_model()._meta.concrete_fields if f.attname != "password")


def _token_remember(user: Any, token: Token) -> None:
    columns = _user_columns()
    entry = (token.created, columns, tuple(getattr(user, column) for column in columns))
    # add, not set: an entry marked stale stays so until it expires
    cache.add(_token_cache_key(token.key), entry, timeout=settings.API_TOKEN_CACHE_SECONDS)


def _token_from_cache(key: str, entry: tuple[Any, ...]) -> tuple[Any, Token] | None:
    created, columns, values = entry
    if columns != _user_columns():  # remembered by a release with other columns
        return None
    user_model = get_user_model()
    user = user_model.from_db(router.db_for_read(user_model), columns, values)  # the password deferred
    token = Token.from_db(
        router.db_for_read(Token),
        ["key", "user_id", "created"],
        [{"key": key, "user_id": user.pk, "created": created}[f.attname] for f in Token._meta.concrete_fields],
    )
    token.user = user
    return user, token


def token_cache_forget(keys: list[str]) -> None:
    """Mark these tokens' cache entries stale, now and when the transaction (if any) commits."""
    stale = dict.fromkeys((_token_cache_key(key) for key in keys), _STALE)
    if stale and settings.API_TOKEN_CACHE_SECONDS:
        cache.set_many(stale, timeout=settings.API_TOKEN_CACHE_SECONDS)
        if transaction.get_connection().in_atomic_block:
            transaction.on_commit(lambda: cache.set_many(stale, timeout=settings.API_TOKEN_CACHE_SECONDS))


def token_changed(sender: Any, instance: Token, created: bool = False, **kwargs: Any) -> None:
    """A token saved or deleted (Token's and the admin's TokenProxy's post_save and post_delete);
    a new one cannot be in the cache yet."""
    if not created:
        token_cache_forget([instance.key])


def token_holder_changed(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
    """A user saved (User's post_save): their token, if they have one, is read from the database
    again. A new user has none yet, and a sign-in's note of its time changes nothing a token needs."""
    if created or kwargs.get("update_fields") == frozenset({"last_login"}) or not settings.API_TOKEN_CACHE_SECONDS:
        return
    token_cache_forget(list(Token.objects.filter(user_id=instance.pk).values_list("key", flat=True)))


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
