"""An agency officer's pages: the office's queue and each step, with exactly the actions the state
machine allows now. Thin: every change goes through the services, as over the API."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies import access
from agencies.http import PortalRequest
from agencies.models import User
from cases import kinds, rules, services
from cases.filters import HistoryFilter, StepFilter
from cases.forms import (
    ApologyForm,
    NoteForm,
    ReasonForm,
    ReturnForm,
    kind_sections,
    result_bad_dates,
    result_form,
    result_values,
    section_rows,
    unconfirmed,
)
from cases.models import OPEN, Bundle, Step
from cases.selectors import (
    extract_of,
    extract_read,
    listed_page,
    note_addressees,
    note_list_for_user,
    queue_row_for_user,
    step_get_for_user,
    step_history_for_user,
    step_list_for_user,
    step_page_for_user,
)
from cases.services import papers
from cases.services.extracts import carries_extract, step_complete_with_extract
from cases.views import paper_response, slip_response
from cases.views import rows as rows_for_page
from portal.access import redirect_back
from portal.dates import bad_date, parse_date
from portal.errors import Conflict, Invalid
from portal.paging import keep_query
from portal.refusals import on_form
from signing.layout import pdf_response

PAGE_SIZE = 50
# The claimant with their office in the same prefetch query: the row names the person and office.
CLAIMANT = Prefetch("claimant", queryset=User.objects.select_related("office"))
# What a queue row shows of its dossier: the code and the name of the person it is about.
ROW_BUNDLE = Prefetch("bundle", queryset=Bundle.objects.only("id", "code", "kind", "state", "data"))


@access.page(access.QUEUE)
def queue(request: PortalRequest) -> HttpResponse:
    """The office's open steps, most urgent first (earliest due date), page by page."""
    steps = step_list_for_user(user=request.user)
    listed = StepFilter(request.GET, queryset=steps.filter(OPEN))
    page = listed_page(
        user=request.user,
        rows=listed.qs,
        order="due_date",
        cursor=request.GET.get("after", ""),
        size=PAGE_SIZE,
        bundle_ids=lambda steps: {step.bundle_id for step in steps},
        # The page's keys from the open-steps index alone, walked in order (portal.paging.keys_first);
        # then its steps by key, their related rows by prefetch; the procedures are the process's
        # (a handful of rows, kept a minute).
        read=steps.prefetch_related(ROW_BUNDLE, CLAIMANT),
    )
    procedures = rules.procedure_rows()
    for step in page.rows:
        step.procedure = procedures[step.procedure_id]
    context = {
        "filter": listed,
        "page": page,
        "rows": rows_for_page.queue_rows(page.rows, services.step_actions_by_row(user=request.user, steps=page.rows)),
    }
    template = "cases/_queue_rows.html" if request.htmx and request.GET.get("after") else "cases/queue.html"
    return render(request, template, context)


@access.page(access.QUEUE)
def history(request: PortalRequest) -> HttpResponse:
    """What the officer (or their office) finished, newest first: completed, returned, refused."""
    mine = request.GET.get("who") != "office"
    listed = HistoryFilter(request.GET, queryset=step_history_for_user(user=request.user, mine=mine))
    rows = listed.qs.select_related("step__bundle", "step__procedure", "actor")
    page = listed_page(
        user=request.user,
        rows=rows,
        order="-at",
        cursor=request.GET.get("after", ""),
        size=PAGE_SIZE,
        bundle_ids=lambda events: {event.step.bundle_id for event in events},
    )
    context = {"filter": listed, "page": page, "mine": mine, "keep_query": keep_query(request.GET)}
    template = "cases/_history_rows.html" if request.htmx and request.GET.get("after") else "cases/history.html"
    return render(request, template, context)


@require_POST
@access.page(access.QUEUE)
def queue_act(request: PortalRequest, pk: int, action: str) -> HttpResponse:
    """Claim or release from the queue; with HTMX only the step's row comes back."""
    service = {"claim": services.step_claim, "release": services.step_release}.get(action)
    if service is None:
        raise Http404
    try:
        service(user=request.user, step_pk=pk)
    except Conflict as conflict:
        messages.error(request, str(conflict))
    if not request.htmx:
        return redirect_back(request, "cases:queue")
    step = queue_row_for_user(user=request.user, pk=pk)
    actions = {step.pk: services.step_actions(user=request.user, step=step)}
    return render(request, "cases/queue_rows.html", {"rows": rows_for_page.queue_rows([step], actions)}, using="jinja2")


def _step_page(
    request: PortalRequest, pk: int, *, forms: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    page = step_page_for_user(user=request.user, pk=pk)
    step = page.step
    forms = forms or {}
    kind = kinds.get(step.bundle.kind)
    context = {
        "page": page,
        "step": step,
        "bundle": step.bundle,
        "sections": [
            (kind_sections(kind.code).get(name, (name,))[0], section_rows(kind.code, name, values))
            for name, values in page.sections
        ],
        "actions": services.step_actions(user=request.user, step=step),
        "complete_form": forms.get("complete")
        or result_form(step.procedure.result_fields, initial=kind.result_initial(step), extract=carries_extract(step)),
        "extract": extract_of(step.bundle),
        "return_form": forms.get("return") or ReturnForm(step.bundle.kind),
        "refuse_form": forms.get("refuse") or ReasonForm(),
        "apology_form": forms.get("apologise") or ApologyForm(initial=_apology_initial(step)),
        "late": step.apology_owed,
        "kind_facts": kind.step_facts(step),
        # Notes between the offices and the desk (the page's read of the dossier covers them).
        "notes": note_list_for_user(user=request.user, bundle=step.bundle),
        "note_form": forms.get("note") or NoteForm(note_addressees(user=request.user, bundle=step.bundle), None),
        "note_action": reverse("cases:step-note", args=[pk]),
    }
    return render(request, "cases/step.html", context, status=status)


def _apology_initial(step: Step) -> dict[str, str]:
    if step.new_appointment_on:
        return {"new_appointment_on": step.new_appointment_on.strftime("%d/%m/%Y")}
    return {"new_appointment_on": rules.suggested_appointment(timezone.localdate()).strftime("%d/%m/%Y")}


@access.page(access.QUEUE)
def step_detail(request: PortalRequest, pk: int) -> HttpResponse:
    return _step_page(request, pk)


@require_POST
@access.page(access.QUEUE)
def step_act(request: PortalRequest, pk: int, action: str) -> HttpResponse:
    """Complete, return for supplement, refuse, claim, release, or give a late step its new date."""
    step = step_get_for_user(user=request.user, pk=pk)
    form: Any = None
    try:
        if action == "complete":
            procedure_fields = step.procedure.result_fields
            form = result_form(procedure_fields, data=request.POST, files=request.FILES, extract=carries_extract(step))
            result = result_values(form, procedure_fields)
            if not_sent := {**result_bad_dates(form, procedure_fields), **unconfirmed(form)}:
                # Told with what the service would refuse in the result: every error in one round.
                raise Invalid({**services.step_result_problems(step=step, result=result), **not_sent})
            upload = request.FILES.get("result-extract")
            step_complete_with_extract(
                user=request.user, step_pk=pk, result=result, extract=upload.read() if upload else None
            )
        elif action == "return":
            form = ReturnForm(step.bundle.kind, data=request.POST)
            services.step_return(
                user=request.user,
                step_pk=pk,
                reason=request.POST.get("return-reason", ""),
                missing_documents=form.documents(),
            )
        elif action == "refuse":
            form = ReasonForm(data=request.POST)
            reason = request.POST.get("refuse-reason", "")
            if not_sent := unconfirmed(form):
                raise Invalid({**services.refusal_problems(reason=reason), **not_sent})
            services.step_refuse(user=request.user, step_pk=pk, reason=reason)
        elif action == "apologise":
            form = ApologyForm(data=request.POST)
            raw = request.POST.get("apology-new_appointment_on", "")
            day = parse_date(raw)
            if day is None:
                raise Invalid({"new_appointment_on": [bad_date(form.fields["new_appointment_on"].label, raw)]})
            services.step_apologise(user=request.user, step_pk=pk, new_appointment_on=day)
        elif action in ("claim", "release"):
            (services.step_claim if action == "claim" else services.step_release)(user=request.user, step_pk=pk)
        else:
            raise Http404
    except Invalid as refused:
        on_form(form, refused.errors, names={"missing_documents": "missing"})
        return _step_page(request, pk, forms={action: form}, status=400)
    except Conflict as conflict:
        messages.error(request, str(conflict))
        return redirect("cases:step", pk=pk)
    done = {
        "complete": _("The step is done; the steps that waited for it are now in their offices' queues."),
        "return": _("The dossier was returned; the citizen has been told which documents are missing."),
        "refuse": _("The step was refused."),
        "apologise": _("The new appointment date was recorded. Print the apology letter."),
        "claim": _("You are now handling this step."),
        "release": _("The step is back in the office's queue."),
    }
    messages.success(request, done[action])
    return redirect("cases:step", pk=pk)


@require_POST
@access.page(access.QUEUE)
def step_note(request: PortalRequest, pk: int) -> HttpResponse:
    """The officer leaves a note on this step for the desk or another office of the dossier."""
    step = step_get_for_user(user=request.user, pk=pk)
    form = NoteForm(note_addressees(user=request.user, bundle=step.bundle), None, data=request.POST)
    try:
        note = services.note_add(user=request.user, code=str(step.bundle.code), **{**form.sent(), "step_pk": step.pk})
    except Invalid as refused:
        on_form(form, refused.errors)
        return _step_page(request, pk, forms={"note": form}, status=400)
    messages.success(request, _("The note was sent to %(to)s.") % {"to": note.to_name})
    return redirect(reverse("cases:step", args=[pk]) + "#notes")


@access.page(access.QUEUE)
def step_apology(request: PortalRequest, pk: int) -> HttpResponse:
    """The apology letter with the new appointment date, signed (once the date is recorded)."""
    step = step_page_for_user(user=request.user, pk=pk, channel=None).step  # the paper records its own read
    if step.new_appointment_on is None:
        messages.error(request, _("Record the new appointment date first."))
        return redirect("cases:step", pk=pk)
    return paper_response(request, step.bundle, lambda: papers.apology_issue(step=step, actor=request.user))


@access.page(access.QUEUE)
def step_supplement_request(request: PortalRequest, pk: int) -> HttpResponse:
    """The request to supply the documents this returned step misses (Mẫu 02), as a PDF."""
    step = step_page_for_user(user=request.user, pk=pk, channel=None).step  # the slip records its own read
    return slip_response(request, "supplement-request", step.bundle, [step])


@access.page(access.QUEUE)
def step_refusal(request: PortalRequest, pk: int) -> HttpResponse:
    """The refusal slip of this refused step (Mẫu 03), as a PDF."""
    step = step_page_for_user(user=request.user, pk=pk, channel=None).step  # the slip records its own read
    return slip_response(request, "refusal", step.bundle, [step])


@access.page(access.QUEUE)
def step_extract(request: PortalRequest, pk: int) -> HttpResponse:
    """The dossier's checked electronic extract, for the officers of its steps; 404 when none."""
    extract = extract_read(user=request.user, pk=pk)
    if extract is None:
        raise Http404
    with extract.file.open("rb") as stored:
        return pdf_response(stored.read(), f"{extract.step.bundle.code}-trich-luc.pdf")
