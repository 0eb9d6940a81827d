"""The citizen's own area (/citizen/): the dossiers where they are the applicant, filing online,
supplying missing documents, the receipt and the slips. Signed in with e-ID only (citizens.oidc);
thin views over the same selectors and services as the desk's pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from agencies.choices import UnitLevel, UserRole
from agencies.http import PortalRequest
from agencies.selectors import commune_list_for_user
from cases import kinds, services
from cases.choices import Channel, StepState
from cases.forms import Intake
from cases.models import Bundle
from cases.selectors import (
    bundle_get_for_user,
    bundle_list_for_user,
    bundle_page_for_user,
    bundle_reads_for_citizen,
    listed_page,
)
from cases.services.outbox import notices_stop_url
from cases.views import slip_response
from cases.views.intake import IntakeFlow, ScanSlot, known_kind, scan_slots, scans, scans_refused
from citizens import signin
from citizens.oidc import SESSION_ERROR, SignIn
from health.selectors import filing_data, offers_for
from portal.errors import Conflict, Invalid

PAGE_SIZE = 50
SUPPLY_ROWS = range(1, 4)  # scans supplied at once on a dossier's page
OTHER_DOCUMENT = "Giấy tờ khác"  # always offered: the checklists' name of any other paper


def citizen_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Without a session, off to the identity provider (through mozilla-django-oidc's authorize
    view, which adds state, nonce and the PKCE challenge), then back here. Staff signed in with a
    password are not citizens here (403)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect(reverse("oidc_authentication_init") + "?" + urlencode({"next": request.get_full_path()}))
        if getattr(user, "role", None) != UserRole.CITIZEN:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@citizen_required
def home(request: PortalRequest) -> HttpResponse:
    """My dossiers, newest first, each with what it waits for; what I may file."""
    rows = bundle_list_for_user(user=request.user).with_documents_due().select_related("commune")
    page = listed_page(
        user=request.user, rows=rows, order="-received_at", cursor=request.GET.get("after", ""), size=PAGE_SIZE
    )
    context = {
        "page": page,
        "may_file": signin.may_file(request),
        "kinds": kinds.registered(),
        "claims": signin.claims(request),
        "offers": offers(request),
    }
    return render(request, "citizens/home.html", context)


def signin_failed(request: HttpRequest) -> HttpResponse:
    """Where a refused e-ID sign-in lands (LOGIN_REDIRECT_URL_FAILURE): why, in plain words (the
    provider's answer could not be accepted, or the citizen declined there), and a way to try
    again (403). The technical reason is in the log, not on the page."""
    how = request.session.pop(SESSION_ERROR, "")
    return render(request, "citizens/signin_failed.html", {"how": how}, status=403)


def signin_unavailable(request: HttpRequest) -> HttpResponse:
    """Where an e-ID sign-in lands when the provider cannot be reached (503)."""
    request.session.pop(SESSION_ERROR, None)
    return render(request, "citizens/signin_unavailable.html", status=503)


def offers(request: PortalRequest) -> list[dict[str, str]]:
    """The hospitals' notices that name this person, each offered as a dossier ready to file."""
    rows = []
    for notice in offers_for(request.user)[:PAGE_SIZE]:
        kind = kinds.get(notice.kind)  # the wording is the kind's
        moment = timezone.localtime(notice.event_at)
        where = {
            "day": formats.date_format(moment, "SHORT_DATE_FORMAT"),
            "place": notice.facility.name,
            "name": notice.subject.get("full_name", ""),
        }
        url = reverse("citizen:file", args=[notice.kind]) + "?" + urlencode({"notice": notice.pk})
        rows.append({"text": str(kind.notice_offer) % where, "action": str(kind.notice_action), "url": url})
    return rows


class CitizenIntake(IntakeFlow):
    """The citizen's intake: online, for themselves (the applicant from the e-ID's claims), in the
    commune they choose; the sign-in's assurance level goes to the service, which decides."""

    def form(self, data: Any = None) -> Intake:
        form = super().form(data)
        fields = form.top.fields
        del fields["channel"]
        fields.pop("needs_verification", None)  # the desk's judgement, not the citizen's
        fields["commune"] = forms.ChoiceField(
            label=gettext_lazy("Commune or ward where you file"),
            choices=[("", "—"), *commune_choices(self.request)],
            required=False,
        )
        for section in form.sections:
            if section.path == "applicant":
                section.form.fields["id_number"].widget.attrs["readonly"] = True
        return form

    def initial(self) -> dict[str, Any]:
        """The form data a new dossier starts from: the applicant from the signed ID token; with
        `?notice=<id>` of a hospital notice that names this person, everything it says (the
        commune of residence too)."""
        claims = signin.claims(self.request)
        applicant = {"full_name": claims.get("name") or "", "id_number": self.request.user.personal_id}
        payload: dict[str, Any] = {"applicant": applicant}
        wanted = self.request.GET.get("notice", "")
        offered = offers_for(self.request.user).filter(kind=self.kind)
        notice = offered.filter(pk=wanted).first() if wanted.isdigit() else None
        if notice is not None:
            payload.update(filing_data(notice), commune=notice.commune.code if notice.commune else "")
            if kinds.get(notice.kind).notice_relationship:
                applicant["relationship"] = str(kinds.get(notice.kind).notice_relationship)
        return self.prefilled(payload)

    def commune(self, form: Intake) -> str:
        return str(form.top.data.get("commune", ""))

    def payload(self, form: Intake) -> dict[str, Any]:
        payload = super().payload(form)
        payload["channel"] = Channel.ONLINE
        # Always the signed-in person, whatever the page sent.
        payload.setdefault("applicant", {})["id_number"] = self.request.user.personal_id
        return payload

    def part_url(self) -> str:
        return reverse("citizen:intake-part", args=[self.kind]) if kinds.get(self.kind).intake_path else ""

    def preview(self, data: dict[str, Any]) -> services.FilingPlan:
        return services.bundle_preview(user=self.request.user, data=data, assurance=signin.level(self.request))

    def file(self, data: dict[str, Any], documents: list[services.Document]) -> Bundle:
        filed, _new = services.bundle_file(
            user=self.request.user, data=data, documents=documents, assurance=signin.level(self.request)
        )
        return filed

    def filed(self, bundle: Bundle) -> HttpResponse:
        messages.success(
            self.request,
            _("Dossier %(code)s was filed online. Keep the code: the receipt is below.") % {"code": bundle.code},
        )
        return redirect("citizen:bundle", code=bundle.code)

    def start_again(self) -> HttpResponse:
        return redirect("citizen:file", kind=self.kind)

    def extra_context(self) -> dict[str, Any]:
        return {"citizen": True}

    def title(self) -> Any:
        spec = kinds.get(self.kind)
        return spec.online_title or spec.new_title


def commune_choices(request: PortalRequest) -> list[tuple[str, list[tuple[str, str]]]]:
    """Today's communes and wards, grouped by province."""
    communes = commune_list_for_user(user=request.user, on=timezone.localdate()).select_related("parent__parent")
    groups: dict[str, list[tuple[str, str]]] = {}
    for commune in communes.order_by("parent__name", "name"):
        parent = commune.parent
        province = parent if parent is None or parent.level == UnitLevel.PROVINCE else parent.parent
        groups.setdefault(province.name if province else "", []).append((commune.code, commune.name))
    return list(groups.items())


@citizen_required
def file(request: PortalRequest, kind: str) -> HttpResponse:
    """File a dossier online: enter it, review where it goes, attach the scans, file. A sign-in
    below the filing level is told so, with a way to sign in again at that level (403)."""
    known_kind(kind)
    if not signin.may_file(request):
        return render(request, "citizens/level_needed.html", {"next": request.get_full_path()}, status=403)
    return CitizenIntake(request, kind).handle()


class SignInAgain(SignIn):
    """Sign in again at a level that may file: the identity provider is asked for those levels
    (`acr_values`, settings.OIDC_ACR_FILING) and to sign the person in anew (`prompt=login`);
    then back to `next`, as with the first sign-in (the new level replaces the old in the session)."""

    def get_extra_params(self, request: HttpRequest) -> dict[str, str]:
        levels = " ".join(sorted(settings.OIDC_ACR_FILING))
        return {**super().get_extra_params(request), "acr_values": levels, "prompt": "login"}


@require_POST
@citizen_required
def intake_part(request: PortalRequest, kind: str) -> HttpResponse:
    """HTMX: the kind's own part of the page again (the funeral allowance's category)."""
    return CitizenIntake(request, kind).part()


@citizen_required
def bundle(request: PortalRequest, code: str, *, refused: list[ScanSlot] | None = None) -> HttpResponse:
    """One of my dossiers: each step, what is missing and by when (and a form to supply it), the
    results of the finished steps, the receipt and the slips; then who viewed it (a summary)."""
    page = bundle_page_for_user(user=request.user, code=code)
    returned = [step for step in page.steps if step.state == StepState.RETURNED]
    to_bring = sorted({name for step in returned for name in step.missing_documents})
    context = {
        "bundle": page.bundle,
        "steps": page.steps,
        "returned": returned,
        "refused": any(step.state == StepState.REFUSED for step in page.steps),
        "attachments": page.attachments,
        "supply_slots": refused or [ScanSlot(row) for row in SUPPLY_ROWS],
        "to_bring": to_bring,
        "supply_kinds": [*to_bring, *([] if OTHER_DOCUMENT in to_bring else [OTHER_DOCUMENT])],
        "notices_stop_url": notices_stop_url(page.bundle) if page.bundle.notices_stopped_at is None else "",
        "reads": bundle_reads_for_citizen(bundle=page.bundle),
        "may_file": signin.may_file(request),  # a lower level only follows: supplying is acting
    }
    return render(request, "citizens/bundle.html", context, status=400 if refused else 200)


@require_POST
@citizen_required
def supply(request: PortalRequest, code: str) -> HttpResponse:
    """Supply the missing documents online: their scans are attached and the returned steps go back
    to their offices' queues with a new clock, in one transaction (a refused scan changes nothing).
    Below the filing level, told so with the way to sign in again (403), as filing is."""
    if not signin.may_file(request):
        return render(request, "citizens/level_needed.html", {"next": request.get_full_path()}, status=403)
    rows, documents = scans(request, SUPPLY_ROWS, "supply-{}-kind", "supply-{}-file")
    try:
        if not documents:
            raise Invalid({"documents.1.file": [_("Choose the scanned file.")]})
        services.bundle_supplement(
            user=request.user,
            code=code,
            note=request.POST.get("note", "").strip(),
            documents=documents,
            assurance=signin.level(request),
        )
    except Invalid as problems:
        if not scans_refused(problems):  # not a scan's refusal: said at the first file
            problems = Invalid({"documents.1.file": [m for ms in problems.errors.values() for m in ms]})
        # Each refusal at the field of its slot, the types chosen kept, the files named to choose again.
        slots = scan_slots(request, SUPPLY_ROWS, "supply", refused=problems, sent=rows or [1])
        return bundle(request, code, refused=slots)
    except Conflict as conflict:
        messages.error(request, str(conflict))
        return redirect("citizen:bundle", code=code)
    messages.success(request, _("The documents were sent; the returned steps are back with their offices."))
    return redirect("citizen:bundle", code=code)


@citizen_required
def receipt(request: PortalRequest, code: str) -> HttpResponse:
    """The receipt and appointment slip of my dossier, signed."""
    from cases.services import papers
    from cases.views import paper_response

    found = bundle_get_for_user(user=request.user, code=code)
    return paper_response(request, found, lambda: papers.receipt_issue(bundle=found, actor=request.user))


@citizen_required
def slip(request: PortalRequest, code: str, slip: str) -> HttpResponse:
    """The request for missing documents (Mẫu 02) or the refusal slip (Mẫu 03) of my dossier,
    signed by the officer who returned or refused the step."""
    found = bundle_get_for_user(user=request.user, code=code)
    steps = list(found.steps.select_related("procedure", "office", "claimant"))
    return slip_response(request, slip, found, steps, by_officer=True)
