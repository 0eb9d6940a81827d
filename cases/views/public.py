"""The citizen's tracking page: a dossier's code and the last 4 digits of the applicant's ID
number show each step's state and due date, and nothing personal; and who read the dossier's
personal data (a summary per day, office, role and kind of read, the latest reads on request;
never a name)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cases import services
from cases.selectors import bundle_reads_for_citizen, bundle_track
from cases.tracking import track_code_blocked, track_code_blocked_message, track_code_failed
from portal.client import too_many
from portal.errors import NotFound
from portal.middleware import NUL_MESSAGE

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


@require_http_methods(["GET", "HEAD", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """GET: the form, filled in with the code when opened from the receipt's QR code (?code=...).
    POST (with the CSRF token): the look-up, so the last 4 digits of the applicant's ID number never
    travel in the URL, the browser's history or the server's access log. An old link that still
    carries them in its query looks nothing up: it lands on the form with the code only."""
    if request.method != "POST":
        code = request.GET.get("code", "").strip()
        if "id_last4" in request.GET:
            return redirect(reverse("track") + ("?" + urlencode({"code": code}) if code else ""))
        return render(request, "cases/track.html", {"code": code})
    code = request.POST.get("code", "").strip()
    last4 = request.POST.get("id_last4", "").strip()
    context: dict[str, object] = {"code": code}
    if not code or not last4 or "\x00" in code + last4:
        context["error"] = (
            str(NUL_MESSAGE)
            if "\x00" in code + last4
            else _("Enter the dossier code printed on the receipt.")
            if not code
            else _("Enter the last 4 digits of the applicant's ID number.")
        )
        context["code"] = code.replace("\x00", "")
        context["error_field"] = "code" if not code or "\x00" in code else "id_last4"
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
        context["error_field"] = "id_last4"
        return render(request, "cases/track.html", context, status=404)
    context["bundle"] = bundle
    context["reads"] = bundle_reads_for_citizen(bundle=bundle)
    return render(request, "cases/track.html", context)
