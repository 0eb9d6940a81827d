"""The head of an office's escalation ladder (cases/ladder.py): what sits on which rung, since
when, with whom, and giving a step to a named officer of the office. Thin: the service decides."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies import access
from agencies.http import PortalRequest
from cases import services
from cases.choices import Rung
from cases.selectors import ladder_for_user
from portal.errors import Conflict, Invalid


@access.page(access.LADDER)
def ladder_page(request: PortalRequest) -> HttpResponse:
    rows = ladder_for_user(user=request.user, now=timezone.now())
    context = {
        "rows": rows,
        "rungs": [(rung, label, sum(1 for row in rows if row.rung == rung)) for rung, label in Rung.choices],
        "officers": services.office_officers(user=request.user),
    }
    return render(request, "cases/ladder.html", context)


@require_POST
@access.page(access.LADDER)
def ladder_reassign(request: PortalRequest, pk: int) -> HttpResponse:
    try:
        step = services.step_reassign(user=request.user, step_pk=pk, officer_pk=request.POST.get("officer"))
    except Invalid as refused:
        for problems in refused.errors.values():
            for problem in problems:
                messages.error(request, problem)
    except Conflict as conflict:
        messages.error(request, str(conflict))
    else:
        messages.success(
            request,
            _("Dossier %(code)s: %(procedure)s is now handled by %(name)s.")
            % {
                "code": step.bundle.code,
                "procedure": step.procedure.shown_name,
                "name": step.claimant.full_name if step.claimant else "",
            },
        )
    return redirect("cases:ladder")
