from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from agencies.choices import UserRole
from agencies.selectors import commune_list_for_user
from portal.access import PortalRequest, role_required


@role_required(UserRole.PROVINCIAL)
def dashboard(request: PortalRequest) -> HttpResponse:
    """The provincial office's dashboard: the province's communes today."""
    today = timezone.localdate()
    communes = commune_list_for_user(user=request.user, on=today).order_by("code")
    return render(request, "reporting/dashboard.html", {"today": today, "communes": communes})
