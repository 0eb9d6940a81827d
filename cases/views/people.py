"""One person's dossiers, by their personal ID number: a page for the desk, civil status and the
police (agencies.access.PERSON), and the desk intake's warning that the person whose ID is being
typed already has a dossier in progress. Thin: a selector reads, the page renders."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from agencies import access
from agencies.http import PortalRequest
from cases.models import Step
from cases.selectors import (
    listed_page,
    person_bundle_list_for_user,
    person_id_number,
    person_in_progress_for_user,
    person_roles,
)
from portal.errors import Invalid
from portal.paging import keep_query

PAGE_SIZE = 50


@access.page(access.PERSON)
def person_page(request: PortalRequest) -> HttpResponse:
    """The dossiers about the person with the ID number asked for, in the caller's scope, newest
    first, page by page, each with who the person is in it; each one listed is a recorded read."""
    typed = request.GET.get("id_number", "").strip()
    context: dict[str, object] = {"typed": typed, "keep_query": keep_query(request.GET)}
    if not typed:
        return render(request, "cases/person.html", context)
    try:
        bundles = person_bundle_list_for_user(user=request.user, id_number=typed)
    except Invalid as refused:
        return render(request, "cases/person.html", {**context, "errors": refused.errors["id_number"]}, status=400)
    number = person_id_number(typed)
    # An officer opens the dossier through their office's step; the desk opens the dossier's page.
    own_steps = Step.objects.filter(office=request.user.office_id).only("pk", "bundle_id").order_by("pk")
    rows = bundles.select_related("commune").prefetch_related(Prefetch("steps", queryset=own_steps, to_attr="own"))
    page = listed_page(
        user=request.user,
        rows=rows.defer("search_text"),
        order="-received_at",
        cursor=request.GET.get("after", ""),
        size=PAGE_SIZE,
    )
    context |= {
        "number": number,
        "page": page,
        "hits": [(bundle, [label for _, label in person_roles(bundle, number)]) for bundle in page.rows],
        "desk": access.may(request.user, access.DESK_PAGES),
    }
    return render(request, "cases/person.html", context)


@require_POST
@access.page(access.PERSON)
def intake_hint(request: PortalRequest) -> HttpResponse:
    """HTMX, from the desk's intake as an ID number is typed: the dossiers in progress about the
    people whose 12-digit ID numbers the form holds (the duplicate rules stay the filing's)."""
    typed = [request.POST[key] for key in request.POST if key.endswith("id_number")]
    hits = person_in_progress_for_user(user=request.user, id_numbers=typed)
    return render(request, "cases/_person_hint.html", {"hits": hits})
