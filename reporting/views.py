from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from agencies.choices import UserRole
from agencies.selectors import commune_list_for_province
from portal.access import role_required


@role_required(UserRole.PROVINCIAL)
def dashboard(request: HttpRequest) -> HttpResponse:
    """The provincial office's dashboard: the province's communes today."""
    province = request.user.province  # type: ignore[union-attr]
    today = timezone.localdate()
    communes = commune_list_for_province(province=province, on=today)
    return render(request, "reporting/dashboard.html", {"province": province, "today": today, "communes": communes})
