"""The citizen's tracking page: a dossier's code and the last 4 digits of the applicant's ID
number show each step's state and due date, and nothing personal; and who read the dossier's
personal data (when, which office or desk, role and channel; never a name)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from cases import services
from cases.selectors import TRACKED_ACCESSES, bundle_accesses_for_citizen, bundle_track
from cases.tracking import track_code_blocked, track_code_blocked_message, track_code_failed
from portal.client import too_many
from portal.errors import NotFound

ATTEMPTS_PER_MINUTE = 30


def notices_stop(request: HttpRequest, token: str) -> HttpResponse:
    """The link in each e-mail: a page that asks, then stops the e-mails and texts about the
    dossier (a POST, so a mail scanner that opens links stops nothing)."""
    if request.method != "POST":
        return render(request, "cases/notices_stop.html", {"token": token})
    try:
        bundle = services.bundle_notices_stop(token=token)
    except NotFound as missing:
        return render(request, "cases/notices_stop.html", {"error": str(missing)}, status=404)
    return render(request, "cases/notices_stop.html", {"stopped": bundle.code})


def track(request: HttpRequest) -> HttpResponse:
    """The form, filled in with the code when opened from the receipt's QR code (?code=...); a
    look-up, and so an error, only once the form is sent (it always sends id_last4)."""
    code = request.GET.get("code", "").strip()
    last4 = request.GET.get("id_last4", "").strip()
    context: dict[str, object] = {"code": code, "id_last4": last4}
    if "id_last4" in request.GET:
        if not code or not last4:
            context["error"] = (
                _("Enter the dossier code printed on the receipt.")
                if not code
                else _("Enter the last 4 digits of the applicant's ID number.")
            )
            context["error_field"] = "code" if not code else "id_last4"
            return render(request, "cases/track.html", context, status=400)
        if too_many(request, "track-page", getattr(settings, "TRACK_PAGE_ATTEMPTS", ATTEMPTS_PER_MINUTE)):
            context["error"] = _("Too many attempts. Wait a minute and try again.")
            return render(request, "cases/track.html", context, status=429)
        if track_code_blocked(code=code):
            context["error"] = track_code_blocked_message()
            return render(request, "cases/track.html", context, status=429)
        bundle = bundle_track(code=code, id_last4=last4)
        if bundle is None:
            track_code_failed(code=code)
            context["error"] = _("No dossier with this code and these digits. Check both and try again.")
            return render(request, "cases/track.html", context, status=404)
        context["bundle"] = bundle
        context["accesses"] = bundle_accesses_for_citizen(bundle=bundle)
        context["limit"] = TRACKED_ACCESSES
    return render(request, "cases/track.html", context)
