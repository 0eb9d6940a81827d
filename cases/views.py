from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from agencies.choices import UserRole
from agencies.selectors import commune_list_for_user, jurisdiction_list_for_user
from portal.access import PortalRequest, role_required


@role_required(UserRole.CLERK)
def clerk_home(request: PortalRequest) -> HttpResponse:
    """The one-stop desk's home: its commune and the offices that handle its dossiers today."""
    today = timezone.localdate()
    jurisdictions = jurisdiction_list_for_user(user=request.user, on=today)
    return render(request, "cases/clerk_home.html", {"today": today, "jurisdictions": jurisdictions})


@role_required(UserRole.OFFICER)
def queue(request: PortalRequest) -> HttpResponse:
    """An officer's queue: the office and the communes whose dossiers reach it today."""
    today = timezone.localdate()
    communes = commune_list_for_user(user=request.user, on=today).order_by("name")
    return render(request, "cases/queue.html", {"today": today, "communes": communes})
