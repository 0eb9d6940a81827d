"""The one-stop desk's pages: its dossiers, the intake of a new one, and each dossier's page.
Thin: each reads its input, calls one selector or service, and renders."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies import access
from agencies.http import PortalRequest
from agencies.selectors import jurisdiction_list_for_user
from cases import kinds, services
from cases.choices import BundleState, Channel
from cases.filters import BundleFilter
from cases.forms import DESK_FORMS, Intake, NoteForm, unconfirmed
from cases.models import Bundle
from cases.selectors import (
    attachment_get_for_user,
    bundle_counts,
    bundle_get_for_user,
    bundle_list_for_user,
    bundle_page_for_user,
    listed_page,
    note_addressees,
    note_list_for_user,
)
from cases.services import attachment_add, papers
from cases.services.filing import FILING_SOURCES
from cases.views import paper_response, slip_response
from cases.views import rows as rows_for_page
from cases.views.intake import IntakeFlow
from portal.errors import Conflict, Invalid
from portal.paging import keep_query
from portal.refusals import on_form

PAGE_SIZE = 50
FINISHED_WITH_RESULTS = (BundleState.COMPLETED, BundleState.PARTLY_COMPLETED)


@access.page(access.DESK_PAGES)
def clerk_home(request: PortalRequest) -> HttpResponse:
    """The commune's dossiers, newest first, with filters and the counts that matter at the desk."""
    bundles = bundle_list_for_user(user=request.user)
    listed = BundleFilter(request.GET, queryset=bundles)
    rows = listed.qs.with_documents_due().defer("search_text", "id_numbers")  # the search's columns
    page = listed_page(
        user=request.user, rows=rows, order="-received_at", cursor=request.GET.get("after", ""), size=PAGE_SIZE
    )
    today = timezone.localdate()
    context = {
        "filter": listed,
        "page": page,
        "rows": rows_for_page.desk_rows(page.rows),
        "keep_query": keep_query(request.GET),
        "counts": bundle_counts(user=request.user, today=today),
        "today": today,
        "jurisdictions": jurisdiction_list_for_user(user=request.user, on=today),
    }
    template = "cases/_bundle_rows.html" if request.htmx and request.GET.get("after") else "cases/clerk_home.html"
    return render(request, template, context)


class DeskIntake(IntakeFlow):
    """The desk's intake: its own commune, the channels a desk receives by."""

    def commune(self, form: Intake) -> str:
        return self.request.user.commune.code if self.request.user.commune else ""

    def initial(self) -> dict[str, Any] | None:
        """With `?certificate=<number>`: the dossier filled from what it cites (a hospital's notice
        of that number), or the desk told why not."""
        for source in FILING_SOURCES:
            filled, message = source.desk_prefill(user=self.request.user, kind=self.kind, query=self.request.GET)
            if message:
                messages.warning(self.request, message)
            if filled is not None:
                return self.prefilled({"channel": Channel.DIRECT, **filled})
        return None

    def part_url(self) -> str:
        return reverse(f"cases:intake-part-{self.kind}") if kinds.get(self.kind).intake_path else ""

    def filed(self, bundle: Bundle) -> HttpResponse:
        messages.success(
            self.request,
            _("Dossier %(code)s received. Print the receipt and appointment slip for the citizen.")
            % {"code": bundle.code},
        )
        return redirect("cases:bundle", code=bundle.code)

    def start_again(self) -> HttpResponse:
        return redirect("cases:intake", kind=self.kind)

    def extra_context(self) -> dict[str, Any]:
        return {"person_hint_url": reverse("cases:person-hint")}


@access.page(access.DESK_PAGES)
def intake(request: PortalRequest, kind: str) -> HttpResponse:
    """Enter a dossier, review it and file it (cases.views.intake)."""
    return DeskIntake(request, kind).handle()


@require_POST
@access.page(access.DESK_PAGES)
def intake_part(request: PortalRequest, kind: str) -> HttpResponse:
    """HTMX: the kind's own part of the intake page again (IntakeFlow.part)."""
    return DeskIntake(request, kind).part()


@access.page(access.DOSSIER_PAGES)
def bundle_detail(request: PortalRequest, code: str) -> HttpResponse:
    """A dossier's page: its steps as a timeline, documents and audit trail, and the desk's actions."""
    return _bundle_page(request, code)


def _bundle_page(
    request: PortalRequest,
    code: str,
    *,
    refused: forms.Form | None = None,
    note: NoteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    page = bundle_page_for_user(user=request.user, code=code)
    may_note = access.may(request.user, access.NOTES)  # the desk, not the province who only reads
    context = {
        "page": page,
        "bundle": page.bundle,
        # The desk's forms, the one just refused bound to what was sent, with its refusals.
        "desk_forms": {
            name: refused if isinstance(refused, form_class) else form_class()
            for name, form_class in DESK_FORMS.items()
        },
        "document_kinds": kinds.get(page.bundle.kind).documents,
        "kind_facts": kinds.get(page.bundle.kind).filing_facts(page.bundle.data),
        # The desk's actions open now to this person (none for provincial staff, who only read).
        "actions": services.bundle_actions(user=request.user, bundle=page.bundle),
        # Notes between the desk and the offices (the page's read of the dossier covers them).
        "notes": note_list_for_user(user=request.user, bundle=page.bundle) if may_note else None,
        "note_form": (note or NoteForm(note_addressees(user=request.user, bundle=page.bundle), page.steps))
        if may_note
        else None,
        "note_action": reverse("cases:bundle-note", args=[code]),
    }
    return render(request, "cases/bundle.html", context, status=status)


@require_POST
@access.page(access.DESK_PAGES)
def bundle_note(request: PortalRequest, code: str) -> HttpResponse:
    """The desk leaves a note for an office working the dossier (cases.services.notes)."""
    bundle = bundle_get_for_user(user=request.user, code=code)
    steps = list(bundle.steps.select_related("procedure").order_by("procedure__position", "pk"))
    form = NoteForm(note_addressees(user=request.user, bundle=bundle), steps, data=request.POST)
    try:
        note = services.note_add(user=request.user, code=code, **form.sent())
    except Invalid as refused:
        on_form(form, refused.errors)
        return _bundle_page(request, code, note=form, status=400)
    messages.success(request, _("The note was sent to %(to)s.") % {"to": note.to_name})
    return redirect(reverse("cases:bundle", args=[code]) + "#notes")


@require_POST
@access.page(access.DESK_PAGES)
def bundle_act(request: PortalRequest, code: str, action: str) -> HttpResponse:
    """The desk's actions on a dossier: documents arrived, withdraw, results handed over, attach."""
    done = {
        "supplement": _("The documents were recorded; the returned steps are back in their queues."),
        "withdraw": _("The dossier was withdrawn."),
        "hand-over": _("The results were recorded as handed over."),
        "attach": _("The document was attached."),
    }
    if action not in done:
        raise Http404
    form = DESK_FORMS[action.replace("-", "_")](data=request.POST)
    try:
        if "confirm" in form.fields and (not_confirmed := unconfirmed(form)):
            raise Invalid(not_confirmed)
        if action == "supplement":
            services.bundle_supplement(user=request.user, code=code, note=request.POST.get("note", "").strip())
        elif action == "withdraw":
            services.bundle_withdraw(user=request.user, code=code, reason=request.POST.get("reason", ""))
        elif action == "hand-over":
            services.bundle_hand_over(user=request.user, code=code)
        else:
            upload = request.FILES.get("file")
            if upload is None:
                raise Invalid({"file": [_("Choose the scanned file.")]})
            attachment_add(user=request.user, code=code, kind=request.POST.get("kind", ""), file=upload)
    except Invalid as refused:
        on_form(form, refused.errors)
        return _bundle_page(request, code, refused=form, status=400)
    except Conflict as conflict:
        messages.error(request, str(conflict))
        return redirect("cases:bundle", code=code)
    messages.success(request, done[action])
    return redirect("cases:bundle", code=code)


@access.page(access.DOSSIER_PAGES)
def bundle_receipt(request: PortalRequest, code: str) -> HttpResponse:
    """The receipt and appointment slip (giấy tiếp nhận hồ sơ và hẹn trả kết quả), signed."""
    bundle = bundle_get_for_user(user=request.user, code=code)
    return paper_response(request, bundle, lambda: papers.receipt_issue(bundle=bundle, actor=request.user))


@access.page(access.DOSSIER_PAGES)
def bundle_supplement_request(request: PortalRequest, code: str) -> HttpResponse:
    """The request to supply the documents the returned steps miss (Mẫu 02), as a PDF; 404 when
    no step waits for documents."""
    bundle = bundle_get_for_user(user=request.user, code=code)
    return slip_response(
        request, "supplement-request", bundle, list(bundle.steps.select_related("procedure", "office"))
    )


@access.page(access.DOSSIER_PAGES)
def bundle_refusal(request: PortalRequest, code: str) -> HttpResponse:
    """The refusal slip of the refused steps (Mẫu 03), as a PDF; 404 when no step was refused."""
    bundle = bundle_get_for_user(user=request.user, code=code)
    return slip_response(request, "refusal", bundle, list(bundle.steps.select_related("procedure", "office")))


@access.page(access.SCANS)
def attachment_file(request: PortalRequest, pk: int) -> FileResponse:
    """A scanned document, to whoever may see its dossier (404 for anyone else)."""
    attachment = attachment_get_for_user(user=request.user, pk=pk)
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}[attachment.content_type]
    return FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        filename=f"{attachment.bundle.code}-{attachment.pk}.{extension}",
    )
