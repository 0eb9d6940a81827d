import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from agencies import access
from agencies.choices import UserRole
from agencies.http import PortalRequest
from portal.celery import app as celery_app

logger = logging.getLogger(__name__)

LANDING_PAGES: dict[str, str] = {
    UserRole.CLERK: "cases:clerk-home",
    UserRole.OFFICER: "cases:queue",
    UserRole.PROVINCIAL: "reporting:dashboard",
    UserRole.ADMIN: "admin:index",
    UserRole.INTEGRATION: "integration",
    UserRole.CITIZEN: "citizen:home",
    UserRole.HEALTH_FACILITY: "integration",
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each person to the page their role works from."""
    return redirect(LANDING_PAGES[request.user.role])  # type: ignore[union-attr]


@access.page(access.INTEGRATION)
def integration(request: HttpRequest) -> HttpResponse:
    """A partner system's account: its API token's state (never the token), and for a partner
    that may subscribe, its webhooks and their latest deliveries; its own only."""
    from outbound.selectors import RECENT_DELIVERIES, delivery_list_for_user, webhook_list_for_user
    from portal.tokens import token_state_for_user

    user = request.user
    context: dict[str, Any] = {"token": token_state_for_user(user=user)}
    if user.role == UserRole.INTEGRATION:  # type: ignore[union-attr]
        context["webhooks"] = list(webhook_list_for_user(user=user))  # type: ignore[arg-type]
        context["deliveries"] = delivery_list_for_user(user=user)  # type: ignore[arg-type]
        context["recent"] = RECENT_DELIVERIES
    return render(request, "portal/integration.html", context)


@access.page(access.STAFF_SIGN_IN)
def sign_in_locks(request: PortalRequest) -> HttpResponse:
    """The head of an office or desk: their staff's failed sign-ins, and unlocking one (POST
    `username`), so a locked colleague need not wait for the administrator."""
    from agencies.selectors import sign_in_locks_for
    from agencies.services import sign_in_unlock

    if not request.user.heads_workplace:
        raise PermissionDenied
    if request.method == "POST":
        sign_in_unlock(head=request.user, username=request.POST.get("username", ""))
        messages.success(request, _("The account can sign in again."))
        return redirect("sign-in-locks")
    return render(request, "portal/sign_in_locks.html", {"rows": sign_in_locks_for(user=request.user)})


def _database_state() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure means "down"; the log says why, the public answer does not
        logger.exception("health check: database unreachable")
        return {"ok": False, "vendor": connection.vendor}
    return {"ok": True, "vendor": connection.vendor}


def _broker_state() -> dict[str, Any]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "in-process"}
    try:
        with celery_app.connection_for_write(connect_timeout=2) as broker:
            broker.ensure_connection(max_retries=1, interval_start=0, timeout=2)
    except Exception:
        logger.exception("health check: broker unreachable")
        return {"ok": False, "mode": "broker"}
    return {"ok": True, "mode": "broker"}


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and people: 200 when the database and the broker answer, else 503."""
    state = {"database": _database_state(), "broker": _broker_state()}
    healthy = all(part["ok"] for part in state.values())
    return JsonResponse({"status": "ok" if healthy else "unavailable", **state}, status=200 if healthy else 503)


@csrf_exempt  # a POST to a missing address is missing, whatever its cookies
def api_not_found(request: HttpRequest) -> JsonResponse:
    """An address under /api/ that matches no endpoint (`/api/v1/steps/abc/claim/`): the API's 404."""
    return JsonResponse({"detail": _("Not found.")}, status=404)


class _Logout(auth_views.LogoutView):
    """Django's sign-out, and the browser told to drop what this site keeps on the device: its
    caches and storage (the desk's offline store and the service worker among them), so that no
    citizen's data stays behind on a shared computer (issue 31). The desk's page asks first when
    dossiers captured offline still wait to be sent (static/js/offline.js)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response


logout = _Logout.as_view()


def favicon(request: HttpRequest) -> HttpResponse:
    """The browser's own request for an icon: the icon (pages name it too), not a 404 page."""
    return redirect(static("icons/desk-192.png"))
