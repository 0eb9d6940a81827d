"""Who is asking, by address, and what the sign-in answers once an account or address is locked.

The client address is REMOTE_ADDR, unless REMOTE_ADDR is one of the proxies settings.TRUSTED_PROXIES
names: then it is the right-most X-Forwarded-For entry that is not a trusted proxy (the proxy
appends what it saw; anything left of that is what the client claimed and may be forged). The API
throttles, the tracking page's counters and the sign-in lockout (django-axes) all use it.
"""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import Iterator
from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache as django_cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from rest_framework.throttling import ScopedRateThrottle

from portal.errors import TooMany

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def _trusted(address: str) -> bool:
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))
    if not networks:
        return False
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: HttpRequest) -> str:
    """The address of the client, trusting X-Forwarded-For only as far as the trusted proxies."""
    address = request.META.get("REMOTE_ADDR", "") or ""
    if not _trusted(address):
        return address
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    for hop in reversed(forwarded):
        if not _trusted(hop):
            return hop
    return forwarded[0] if forwarded else address


def too_many(request: HttpRequest, scope: str, per_minute: int) -> bool:
    """Whether this address asked for `scope` more than `per_minute` times in this minute (the
    public pages' counters, kept in the cache)."""
    key = f"{scope}:{client_address(request)}"
    django_cache.add(key, 0, timeout=60)
    try:
        return django_cache.incr(key) > per_minute
    except ValueError:  # expired between add and incr
        return False


IN_FLIGHT_SECONDS = 120  # longer than any request may run (gunicorn's timeout)


@contextlib.contextmanager
def in_flight(request: HttpRequest, scope: str, per_address: int, in_all: int) -> Iterator[None]:
    """At most `per_address` of one address's requests for `scope` run at once, and `in_all` from
    everyone (so the public never takes every worker from the desk): beyond, TooMany. The counters
    live in the cache, each expiring after IN_FLIGHT_SECONDS in case a worker dies holding one."""
    keys = [(f"{scope}:running:{client_address(request)}", per_address), (f"{scope}:running", in_all)]
    taken = []
    try:
        for key, limit in keys:
            django_cache.add(key, 0, timeout=IN_FLIGHT_SECONDS)
            try:
                running = django_cache.incr(key)
            except ValueError:  # expired between add and incr: counted afresh
                django_cache.add(key, 1, timeout=IN_FLIGHT_SECONDS)
                running = 1
            taken.append(key)
            django_cache.touch(key, IN_FLIGHT_SECONDS)  # lives as long as checks keep running
            if running > limit:
                raise TooMany(_("Another check is running: wait for it to finish and try again."))
        yield
    finally:
        for key in taken:
            with contextlib.suppress(ValueError):  # expired meanwhile: nothing to give back
                if django_cache.decr(key) < 0:
                    django_cache.set(key, 0, timeout=IN_FLIGHT_SECONDS)


class ClientScopedRateThrottle(ScopedRateThrottle):
    """DRF's scoped throttle, counting by client_address() instead of trusting X-Forwarded-For."""

    def get_ident(self, request: Any) -> str:
        return client_address(request)


def sign_in_locked_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _(
        "Too many failed sign-in attempts for this account or from this address. "
        "Try again in %(minutes)d minutes, or ask the head of your office or an administrator to unlock it."
    ) % {"minutes": minutes}


def lockout_response(request: HttpRequest, original_response: HttpResponse | None, credentials: Any) -> HttpResponse:
    """django-axes' answer once locked: JSON for the API, the sign-in page with the message otherwise."""
    message = getattr(request, "sign_in_refusal", "") or sign_in_locked_message()
    status = settings.AXES_HTTP_RESPONSE_CODE
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    if isinstance(original_response, TemplateResponse) and original_response.context_data:
        context = dict(original_response.context_data)
        form = context.get("form")
        if isinstance(form, AuthenticationForm):
            form.errors.pop("__all__", None)
            form.add_error(None, message)
        response = TemplateResponse(request, original_response.template_name, context, status=status)
        return response.render()
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
