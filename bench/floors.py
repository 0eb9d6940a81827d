"""The framework's own floor for each measured path: the least a view can do on this stack and still
answer the same request. bench/cpu.py serves these beside the portal's own URLs (this module's
urlpatterns include the portal's), in the benchmark's process only; they are never deployed.

- `bench/floor/insert/`: a DRF view behind the same token authentication that writes three rows
  in one transaction (a filing writes a bundle, its steps and its audit events) and answers 201.
- `bench/floor/list/`: a DRF view behind the same token authentication that runs one query for the
  office's 50 most urgent open steps as `.values()` rows and answers them.
- `bench/floor/page/`: a plain Django view behind the session of a signed-in officer that answers
  the same 50 rows as a `JsonResponse` (the floor under any HTML page of 50 rows).
"""

from __future__ import annotations

from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.models import OPEN, Step

COLUMNS = ("id", "bundle__code", "procedure__code", "state", "due_date", "clock_starts_on", "claimant_id")
TABLE = "bench_floor"


def create_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (id bigserial PRIMARY KEY, data jsonb NOT NULL)")


def _rows(office_id: int | None) -> list[dict]:
    return list(Step.objects.filter(OPEN, office=office_id).order_by("due_date", "id").values(*COLUMNS)[:50])


class FloorInsert(APIView):
    def post(self, request: Request) -> Response:
        with transaction.atomic(), connection.cursor() as cursor:
            for part in ("bundle", "steps", "events"):
                cursor.execute(f"INSERT INTO {TABLE} (data) VALUES (%s) RETURNING id", [f'{{"part": "{part}"}}'])
            (pk,) = cursor.fetchone()
        return Response({"id": pk}, status=201)


class FloorList(APIView):
    def get(self, request: Request) -> Response:
        return Response(_rows(request.user.office_id))  # type: ignore[union-attr]


def floor_page(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"results": _rows(request.user.office_id)})  # type: ignore[union-attr]


urlpatterns = [
    path("bench/floor/insert/", FloorInsert.as_view()),
    path("bench/floor/list/", FloorList.as_view()),
    path("bench/floor/page/", floor_page),
    path("", include("portal.urls")),
]
