"""The desk without a network (issue 31): the pages a device keeps to capture dossiers offline, the
key that opens what it kept, and the door its outbox sends them through when the network returns.
The device's side is static/js/offline.js (its store, encryption and outbox) and the service
worker (templates/cases/sw.js), which keeps these pages, the guides and the static files."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from agencies import access
from agencies.http import PortalRequest
from cases import kinds, offline, services
from cases.api.serializers import BundleCreateSerializer
from cases.forms import Intake
from cases.guides import variants
from cases.rules import ATTACHMENT_MAX_BYTES, setting
from cases.validation import problems_in_one_round
from cases.views.clerk import DeskIntake
from cases.views.guides import guide_url
from cases.views.intake import DOCUMENT_ROWS, ScanSlot, form_context, known_kind
from portal.errors import Conflict, Forbidden, Invalid

VERSION = "1"  # of the device's store and the worker's cache: a new one drops the old cache

# The static files a page of the offline desk loads (the worker keeps them with the pages).
STATIC = (
    "css/portal.css",
    "vendor/htmx.min.js",
    "vendor/idb.umd.js",
    "js/portal.js",
    "js/offline.js",
    "icons/desk-192.png",
    "icons/desk-512.png",
)


@access.page(access.DESK_PAGES)
def outbox(request: PortalRequest) -> HttpResponse:
    """The device's outbox: what waits to be sent, what was refused, what was sent lately."""
    context = {"kinds": kinds.registered(), "offline_hours": settings.OFFLINE_SENT_KEEP_HOURS}
    return render(request, "cases/offline.html", context)


@access.page(access.DESK_PAGES)
def capture(request: PortalRequest, kind: str) -> HttpResponse:
    """The intake form of `kind` as a device keeps it: filled and saved on the device, with its
    scans, without the server; no review page (where the dossier goes is decided when it is sent)."""
    intake = Intake(known_kind(kind))
    context = {
        **form_context(intake),
        "title": kinds.get(intake.kind).new_title,
        "document_kinds": intake.spec.documents,
        "scan_slots": [ScanSlot(row) for row in DOCUMENT_ROWS],
        "scan_max_bytes": setting(ATTACHMENT_MAX_BYTES, timezone.localdate()),
    }
    return render(request, "cases/offline_capture.html", context)


@never_cache
@require_safe
@access.page(access.DESK_PAGES)
def key(request: PortalRequest) -> JsonResponse:
    """The signed-in clerk's key pair (cases.offline.clerk_keys) and a CSRF token for the sends:
    asked each time the device goes to send, never kept by the server's caches or the device's."""
    return JsonResponse({**offline.clerk_keys(request.user), "user": request.user.pk, "csrf": get_token(request)})


@require_POST
@access.page(access.DESK_PAGES)
def file(request: PortalRequest, kind: str) -> JsonResponse:
    """File a dossier captured offline: `{"fields": {name: [values]}, "captured_at", "local_number"}`
    as the form was filled, with the Idempotency-Key made when it was captured. The same filing as
    the intake page's (and the API's: the same key and body give the same bundle, 200); a refusal
    gives each message under the id of the form's field it belongs to, and the page's summary of
    them, each naming its field, for the device to show."""
    flow = DeskIntake(request, known_kind(kind))
    key = request.headers.get("Idempotency-Key", "")[:200]
    try:
        sent = json.loads(request.body)
        fields = QueryDict(mutable=True)
        for name, values in dict(sent["fields"]).items():
            fields.setlist(str(name), [str(value) for value in values])
        captured_at, local_number = str(sent["captured_at"]), str(sent["local_number"])
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"detail": _("The request is not a dossier captured offline.")}, status=400)
    # Asked before the form is read again: what it leads to may have changed since it was filed.
    if (earlier := offline.filed_before(request.user, key=key, local_number=local_number)) is not None:
        return JsonResponse({"code": earlier.code, "url": reverse("cases:bundle", args=[earlier.code])})
    form = flow.form(fields)
    payload = {**flow.payload(form), "captured_at": captured_at, "local_number": local_number}
    checked = BundleCreateSerializer(data=payload)
    try:
        if not checked.is_valid():
            raise Invalid(problems_in_one_round(payload, checked.errors, on=timezone.localdate()))
        bundle, created = services.bundle_file(
            user=request.user,
            data=checked.validated_data,
            idempotency_key=key,
        )
    except Invalid as refused:
        form.refuse(refused.errors)
        summary = form.error_summary()  # (field id, its label, message), in the page's order
        problems: dict[str, list[str]] = {}
        for target, _label, message in summary:
            problems.setdefault(target, []).append(message)
        named = [[target, f"{label}: {message}" if label else message] for target, label, message in summary]
        return JsonResponse(
            {
                "detail": _("The dossier has errors: each is shown next to its field. Nothing was filed."),
                "errors": problems,  # under the id of the form's field ("dossier": the form as a whole)
                "summary": named,
            },
            status=400,
        )
    except (Conflict, Forbidden) as refused:
        return JsonResponse({"detail": str(refused)}, status=409 if isinstance(refused, Conflict) else 403)
    return JsonResponse(
        {"code": bundle.code, "url": reverse("cases:bundle", args=[bundle.code])}, status=201 if created else 200
    )


@require_safe
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest: the desk installs as an app that opens on its dossiers."""
    desk = reverse("cases:clerk-home")
    return JsonResponse(
        {
            "name": _("Liên thông: one-stop desk"),
            "short_name": _("Liên thông desk"),
            "lang": "vi",
            "start_url": desk,
            "scope": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#8a1c1c",
            "icons": [
                {"src": static(f"icons/desk-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"}
                for size in (192, 512)
            ],
        },
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )


@never_cache
@require_safe
def worker(request: HttpRequest) -> HttpResponse:
    """The service worker, at the site's root so that it may keep the guides too. What it keeps:
    the desk's offline pages, the guides, and the static files those load."""
    pages = [reverse("cases:offline"), *(reverse("cases:offline-capture", args=[k.code]) for k in kinds.registered())]
    guides = [reverse("cases:guides")] + [
        guide_url(kind.code, variant.pk) for kind, found in variants() for variant in found
    ]
    context = {
        "version": VERSION,
        "pages": json.dumps(pages),
        "guides": json.dumps(guides),
        "static": json.dumps([static(name) for name in STATIC]),
        # The desk's own pages an offline device opens as their offline counterparts.
        "fallbacks": json.dumps(
            {
                reverse("cases:intake", args=[k.code]): reverse("cases:offline-capture", args=[k.code])
                for k in kinds.registered()
            }
            | {reverse("cases:clerk-home"): reverse("cases:offline")}
        ),
    }
    return render(request, "cases/sw.js", context, content_type="text/javascript")
