"""The citizen's own area (/citizen/): the dossiers where they are the applicant, filing online,
supplying documents, the receipt and the results. Signed in with e-ID only (citizens.oidc)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from agencies.choices import UserRole
from cases.models import Bundle
from citizens import signin


def citizen_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Without a citizen's session, off to the identity provider (through mozilla-django-oidc's
    authorize view, which adds state, nonce and the PKCE challenge), then back here."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated or getattr(user, "role", None) != UserRole.CITIZEN:
            return redirect(reverse("oidc_authentication_init") + "?" + urlencode({"next": request.get_full_path()}))
        return view(request, *args, **kwargs)

    return wrapped


@citizen_required
def home(request: HttpRequest) -> HttpResponse:
    bundles = Bundle.objects.restrict(request.user).select_related("commune")
    return render(request, "citizens/home.html", {"bundles": bundles, "may_file": signin.may_file(request)})
