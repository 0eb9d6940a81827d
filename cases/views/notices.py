"""The staff's notices page: what the portal told their office, desk or province (a step in the
queue, a note from another office, a step that climbed the escalation ladder), newest first, each
linked to the page where it is acted on. Nothing the portal tells the staff sits unseen."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from agencies import access
from agencies.http import PortalRequest
from cases.selectors import notice_list_for_user
from portal.paging import keyset_page

PAGE_SIZE = 50


@access.page(access.NOTICES)
def notices(request: PortalRequest) -> HttpResponse:
    rows = notice_list_for_user(user=request.user)
    page = keyset_page(rows, order="-sent_at", cursor=request.GET.get("after", ""), size=PAGE_SIZE)
    template = "cases/_notice_rows.html" if request.htmx and request.GET.get("after") else "cases/notices.html"
    return render(request, template, {"page": page, "keep_query": ""})
