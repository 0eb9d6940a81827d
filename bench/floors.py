"""The framework's own floor for each measured path: the least a view can do on this stack and still
answer the same request. bench/cpu.py serves these beside the portal's own URLs (this module's
urlpatterns include the portal's), in the benchmark's process only; they are never deployed.

- `bench/floor/insert/`: a bare DRF view behind DRF's own token authentication (one query for the
  token and its user: the framework's, not the portal's cached one) that writes three rows in one
  transaction (a filing writes a bundle, its steps and its audit events) and answers 201.
- `bench/floor/list/`: a bare DRF view behind DRF's own token authentication that runs one query
  for the office's 50 most urgent open steps as `.values()` rows and answers them.
- `bench/floor/page/queue/` and `bench/floor/page/desk/`: a plain Django view behind the session of
  the signed-in officer (clerk) that answers the same 50 rows as its page as a `JsonResponse`: the
  officer's 50 most urgent open steps, the clerk's commune's 50 newest dossiers. The floor under a
  signed-in HTML page of 50 rows: the session and the user are read.
- `bench/floor/plain/queue/<office>/` and `bench/floor/plain/desk/<commune>/`: the same rows and
  answer with no session and no user at all (issue 32's second floor).
"""

from __future__ import annotations

from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from rest_framework.authentication import TokenAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.models import OPEN, Bundle, Step

COLUMNS = ("id", "bundle__code", "procedure__code", "state", "due_date", "clock_starts_on", "claimant_id")
DESK_COLUMNS = ("id", "code", "kind", "channel", "state", "received_at", "due_date", "applicant_id_last4")
TABLE = "bench_floor"


def create_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (id bigserial PRIMARY KEY, data jsonb NOT NULL)")


def _rows(office_id: int | None) -> list[dict]:
    return list(Step.objects.filter(OPEN, office=office_id).order_by("due_date", "id").values(*COLUMNS)[:50])


def _desk_rows(commune_id: int | None) -> list[dict]:
    newest = Bundle.objects.filter(commune=commune_id).order_by("-received_at", "-id")
    return list(newest.values(*DESK_COLUMNS)[:50])


class FloorInsert(APIView):
    authentication_classes = [TokenAuthentication]

    def post(self, request: Request) -> Response:
        with transaction.atomic(), connection.cursor() as cursor:
            for part in ("bundle", "steps", "events"):
                cursor.execute(f"INSERT INTO {TABLE} (data) VALUES (%s) RETURNING id", [f'{{"part": "{part}"}}'])
            (pk,) = cursor.fetchone()
        return Response({"id": pk}, status=201)


class FloorList(APIView):
    authentication_classes = [TokenAuthentication]

    def get(self, request: Request) -> Response:
        return Response(_rows(request.user.office_id))  # type: ignore[union-attr]


def page_queue(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"results": _rows(request.user.office_id)})  # type: ignore[union-attr]


def page_desk(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"results": _desk_rows(request.user.commune_id)})  # type: ignore[union-attr]


def plain_queue(request: HttpRequest, office: int) -> JsonResponse:
    return JsonResponse({"results": _rows(office)})


def plain_desk(request: HttpRequest, commune: int) -> JsonResponse:
    return JsonResponse({"results": _desk_rows(commune)})


def bench_places() -> tuple[int, int]:
    """The measured clerk's commune and officer's office (bench/prepare.py), for the plain floors."""
    from agencies.models import User

    clerk, officer = (User.objects.get(username=name) for name in ("bench.clerk", "bench.officer"))
    return clerk.commune_id, officer.office_id  # type: ignore[return-value]


urlpatterns = [
    path("bench/floor/insert/", FloorInsert.as_view()),
    path("bench/floor/list/", FloorList.as_view()),
    path("bench/floor/page/queue/", page_queue),
    path("bench/floor/page/desk/", page_desk),
    path("bench/floor/plain/queue/<int:office>/", plain_queue),
    path("bench/floor/plain/desk/<int:commune>/", plain_desk),
    path("", include("portal.urls")),
]
