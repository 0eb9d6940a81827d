from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from agencies.choices import UserRole
from agencies.selectors import commune_list_for_office, jurisdiction_list_for_commune
from portal.access import role_required


@role_required(UserRole.CLERK)
def clerk_home(request: HttpRequest) -> HttpResponse:
    """The one-stop desk's home: its commune and the offices that handle its dossiers today."""
    commune = request.user.commune  # type: ignore[union-attr]
    today = timezone.localdate()
    jurisdictions = jurisdiction_list_for_commune(commune=commune, on=today)
    return render(request, "cases/clerk_home.html", {"commune": commune, "today": today, "jurisdictions": jurisdictions})


@role_required(UserRole.OFFICER)
def queue(request: HttpRequest) -> HttpResponse:
    """An officer's queue: the office and the communes whose dossiers reach it today."""
    office = request.user.office  # type: ignore[union-attr]
    today = timezone.localdate()
    communes = commune_list_for_office(office=office, on=today)
    return render(request, "cases/queue.html", {"office": office, "today": today, "communes": communes})
