"""Who may open which page: each page names the roles it serves; anyone else gets 403. Where a
form sends the person back afterwards, only to a page of this site."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:  # the kernel names no app at run time (docs/architecture.md)
    from agencies.models import User

View = Callable[..., HttpResponseBase]


def role_required(*roles: str) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if getattr(request.user, "role", None) not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class PortalRequest(HttpRequest):
    """A request on a page behind `role_required`: its user is a logged-in portal user."""

    user: User
    htmx: HtmxDetails


def redirect_back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    """To the page the form was posted from (its `next`, with that page's query), or to `default`
    (a URL name) when there is none or it points off this site."""
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return redirect(target if safe else default)
