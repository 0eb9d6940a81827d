"""API v1 endpoints: thin, each parses its input, calls one service or selector and renders."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import Throttled
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies import access
from agencies.choices import AgencyRole, UnitLevel
from agencies.models import AdministrativeUnit, Jurisdiction
from cases import kinds, services
from cases.api import rows
from cases.api import serializers as s
from cases.choices import AccessChannel, BundleState, Channel, ReadKind, StepState
from cases.models import OPEN, Bundle, Event, Note, Step
from cases.selectors import (
    ACTOR,
    bundle_get_for_user,
    bundle_list_for_user,
    bundle_notes_for_user,
    bundle_track,
    person_bundle_list_for_user,
    person_id_number,
    step_list_for_user,
)
from cases.services import attachment_add
from cases.services.extracts import extract_attach
from cases.tracking import track_code_blocked, track_code_blocked_message, track_code_failed
from cases.validation import problems_in_one_round
from portal.api import DATE_OR_EMPTY, CursorPagination, query_bool, query_choice, query_date
from portal.client import ClientScopedRateThrottle
from portal.errors import Invalid, NotFound
from portal.paging import KeysFirst
from signing.api import PdfUpload


def _day(request: Request, name: str = "on") -> datetime.date:
    return query_date(request, name) or timezone.localdate()


def _enum(choices: Any) -> list[str]:
    """A query parameter's values as the schema lists them: "" too, which means no filter."""
    return [*(str(choice) for choice in choices), ""]


ON = OpenApiParameter("on", DATE_OR_EMPTY, description="The day (YYYY-MM-DD); default today.")
OVERDUE = OpenApiParameter("overdue", OpenApiTypes.BOOL, description="true: only those past their due date.")
OPEN_STATES = (StepState.READY, StepState.IN_PROGRESS, StepState.RETURNED)


def _bundles_with_steps(queryset: QuerySet[Bundle]) -> QuerySet[Bundle]:
    steps = Step.objects.select_related("office").order_by("procedure__position", "pk")
    return queryset.select_related("commune").prefetch_related(Prefetch("steps", queryset=steps))


# --- Reference data ------------------------------------------------------------------------------


class UnitList(generics.ListAPIView):
    """Administrative units valid on a date (default today)."""

    serializer_class = s.UnitSerializer
    pagination_class = type("UnitPagination", (CursorPagination,), {"ordering": ("code", "id"), "page_size": 200})

    @extend_schema(parameters=[OpenApiParameter("parent"), OpenApiParameter("level", enum=_enum(UnitLevel.values)), ON])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[AdministrativeUnit]:
        units = AdministrativeUnit.objects.valid_on(_day(self.request)).select_related("parent")
        if parent := self.request.query_params.get("parent"):
            units = units.filter(parent__code=parent)
        if level := query_choice(self.request, "level", UnitLevel.values):
            units = units.filter(level=level)
        return units


class OfficeList(generics.ListAPIView):
    """The office that plays a role for a commune on a date (every role when none is named)."""

    serializer_class = s.OfficeSerializer
    pagination_class = type("OfficePagination", (CursorPagination,), {"ordering": ("role", "id")})

    @extend_schema(parameters=[OpenApiParameter("role", enum=_enum(AgencyRole.values)), OpenApiParameter("unit"), ON])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Jurisdiction]:
        on = _day(self.request)
        rows = Jurisdiction.objects.valid_on(on).filter(unit__in=AdministrativeUnit.objects.valid_on(on))
        if role := query_choice(self.request, "role", AgencyRole.values):
            rows = rows.filter(role=role)
        if unit := self.request.query_params.get("unit"):
            rows = rows.filter(unit__code=unit)
        return rows.select_related("office", "unit")


# --- Bundles -------------------------------------------------------------------------------------


class ListedReads(generics.GenericAPIView):
    """A list of dossiers that shows their personal data (the child's ID number in results): the
    page's dossiers are recorded as listed reads where the page is cut, one bulk insert whatever
    its length."""

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)
        if page:
            services.personal_data_access_record(
                user=self.request.user,  # type: ignore[arg-type]
                bundles=page,
                channel=AccessChannel.API,
                kind=ReadKind.LISTED,
            )
        return page


class BundleListCreate(ListedReads, generics.ListAPIView):
    serializer_class = s.BundleSerializer
    pagination_class = type("BundlePagination", (CursorPagination,), {"ordering": ("-received_at", "-id")})

    @extend_schema(
        parameters=[
            OpenApiParameter("state", enum=_enum(BundleState.values)),
            OpenApiParameter("kind", enum=_enum(kinds.codes())),
            OpenApiParameter("channel", enum=_enum(Channel.values)),
            OpenApiParameter("commune"),
            OVERDUE,
        ]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Bundle]:
        bundles = bundle_list_for_user(user=self.request.user)  # type: ignore[arg-type]
        params = self.request.query_params
        for name, choices in (("state", BundleState.values), ("kind", kinds.codes()), ("channel", Channel.values)):
            if value := query_choice(self.request, name, choices):
                bundles = bundles.filter(**{name: value})
        if params.get("commune"):
            bundles = bundles.filter(commune__code=params["commune"])
        if query_bool(self.request, "overdue"):
            bundles = bundles.overdue(timezone.localdate())
        return _bundles_with_steps(bundles)

    @extend_schema(
        request=s.BundleCreateSerializer,
        responses={201: s.BundleSerializer, 200: s.BundleSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", location=OpenApiParameter.HEADER, required=False)],
    )
    def post(self, request: Request) -> Response:
        payload = s.BundleCreateSerializer(data=request.data)
        if not payload.is_valid() and isinstance(data := request.data, dict):
            # Every error at once, as on the pages: the rules of each part the serializer accepted too.
            raise Invalid(problems_in_one_round(data, payload.errors, on=timezone.localdate()))
        payload.is_valid(raise_exception=True)  # a body that is not an object
        bundle, created = services.bundle_file(
            user=request.user,  # type: ignore[arg-type]
            data=payload.validated_data,
            idempotency_key=request.headers.get("Idempotency-Key", "")[:200],
        )
        if not created:  # the earlier filing of this Idempotency-Key, as it is now
            bundle = _bundles_with_steps(Bundle.objects.filter(pk=bundle.pk)).get()
        return Response(
            rows.bundle_row(bundle, list(bundle.steps.all())),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class BundleDetail(APIView):
    @extend_schema(responses=s.BundleDetailSerializer)
    def get(self, request: Request, code: str) -> Response:
        bundle = bundle_get_for_user(user=request.user, code=code, channel=AccessChannel.API)  # type: ignore[arg-type]
        bundle = _bundles_with_steps(Bundle.objects.filter(pk=bundle.pk)).get()
        return Response(s.BundleDetailSerializer(bundle).data)


def _bundle_response(request: Request, bundle: Bundle) -> Response:
    """The bundle after a change by its filer: its steps' results are personal data, so recorded."""
    services.personal_data_access_record(user=request.user, bundles=[bundle], channel=AccessChannel.API)  # type: ignore[arg-type]
    return Response(s.BundleSerializer(_bundles_with_steps(Bundle.objects.filter(pk=bundle.pk)).get()).data)


class BundleSupplement(APIView):
    @extend_schema(request=s.NoteSerializer, responses=s.BundleSerializer)
    def post(self, request: Request, code: str) -> Response:
        payload = s.NoteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return _bundle_response(
            request,
            services.bundle_supplement(user=request.user, code=code, note=payload.validated_data["note"]),  # type: ignore[arg-type]
        )


class BundleWithdraw(APIView):
    @extend_schema(request=s.ReasonSerializer, responses=s.BundleSerializer)
    def post(self, request: Request, code: str) -> Response:
        payload = s.ReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return _bundle_response(
            request,
            services.bundle_withdraw(user=request.user, code=code, reason=payload.validated_data["reason"]),  # type: ignore[arg-type]
        )


class BundleAttachments(APIView):
    @extend_schema(
        request={"multipart/form-data": s.AttachmentSerializer},
        responses={201: None, 200: None},
        parameters=[OpenApiParameter("Idempotency-Key", location=OpenApiParameter.HEADER, required=False)],
    )
    def post(self, request: Request, code: str) -> Response:
        payload = s.AttachmentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        attachment, created = attachment_add(
            user=request.user,  # type: ignore[arg-type]
            code=code,
            idempotency_key=request.headers.get("Idempotency-Key", "")[:200],
            **payload.validated_data,
        )
        return Response(
            {"id": attachment.pk, "kind": attachment.kind, "content_type": attachment.content_type,
             "size": attachment.size},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )  # fmt: skip


class BundleEvents(generics.ListAPIView):
    serializer_class = s.EventSerializer
    pagination_class = type("EventPagination", (CursorPagination,), {"ordering": ("at", "id")})

    def get_queryset(self) -> QuerySet[Event]:
        # Its events' reasons and the people who acted are the dossier's personal data: a read.
        bundle = bundle_get_for_user(user=self.request.user, code=self.kwargs["code"], channel=AccessChannel.API)  # type: ignore[arg-type]
        return Event.objects.filter(bundle=bundle).select_related(*ACTOR, "office", "step")


class BundleNotes(generics.ListAPIView):
    """GET: the notes between the offices working the dossier, oldest first (a read of the dossier,
    recorded); POST `{"text", "to": "desk" | "<office id>", "step": <step id> | null}`: leave one.
    Only the dossier's one-stop desk and the offices of its steps: 404 for anyone else."""

    serializer_class = s.BundleNoteSerializer
    pagination_class = type("NotePagination", (CursorPagination,), {"ordering": ("at", "id")})

    def get_queryset(self) -> QuerySet[Note]:
        return bundle_notes_for_user(user=self.request.user, code=self.kwargs["code"])  # type: ignore[arg-type]

    @extend_schema(request=s.BundleNoteCreateSerializer, responses={201: s.BundleNoteSerializer})
    def post(self, request: Request, code: str) -> Response:
        payload = s.BundleNoteCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        values = payload.validated_data
        note = services.note_add(
            user=request.user,  # type: ignore[arg-type]
            code=code,
            text=values["text"],
            to=values["to"],
            step_pk=values.get("step"),
        )
        return Response(s.BundleNoteSerializer(note).data, status=status.HTTP_201_CREATED)


class PersonDossiers(ListedReads, generics.ListAPIView):
    """The dossiers about one person, by their personal ID number, in any role (applicant,
    mother, father, household head, deceased), of every kind, in the caller's scope: the desk,
    civil status and the police (400 for a number that is not 12 digits). Each listed dossier is
    a recorded read."""

    serializer_class = s.PersonDossierSerializer
    pagination_class = type("PersonPagination", (CursorPagination,), {"ordering": ("-received_at", "-id")})

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "id_number", location=OpenApiParameter.PATH, pattern=r"^[0-9]{12}$", description="12 digits."
            )
        ]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Bundle]:
        access.require(
            self.request.user, access.PERSON, _("Only the one-stop desk, civil status and the police look people up.")
        )
        bundles = person_bundle_list_for_user(user=self.request.user, id_number=self.kwargs["id_number"], typed=False)  # type: ignore[arg-type]
        return bundles.select_related("commune").defer("search_text")

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "id_number": person_id_number(self.kwargs["id_number"])}


# --- Agency work ---------------------------------------------------------------------------------


class Queue(generics.ListAPIView):
    """The steps of the caller's office, most urgent first, with the data each procedure needs."""

    serializer_class = s.QueueStepSerializer
    pagination_class = type("QueuePagination", (CursorPagination,), {"ordering": ("due_date", "id")})

    @extend_schema(parameters=[OpenApiParameter("state", enum=_enum(OPEN_STATES)), OVERDUE])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Step]:
        steps = step_list_for_user(user=self.request.user)  # type: ignore[arg-type]
        state = query_choice(self.request, "state", OPEN_STATES)
        steps = steps.filter(state=state) if state else steps.filter(OPEN)
        if query_bool(self.request, "overdue"):
            steps = steps.overdue(timezone.localdate())
        return steps

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The page's keys from the open-steps index alone, walked in order instead of sorting the
        # office's whole queue (portal.paging.keys_first); then its steps' own columns by key, and
        # rows.queue_rows reads the rest.
        read = step_list_for_user(user=request.user).values(*rows.QUEUE_COLUMNS)  # type: ignore[arg-type]
        page: list[dict[str, Any]] = self.paginate_queryset(KeysFirst(self.get_queryset(), read)) or []  # type: ignore[arg-type]
        services.personal_data_access_record(
            user=request.user,  # type: ignore[arg-type]
            bundle_ids={step["bundle_id"] for step in page},
            channel=AccessChannel.API,
            kind=ReadKind.LISTED,
        )
        return self.get_paginated_response(rows.queue_rows(page))


class _StepAction(APIView):
    """POST /steps/<id>/<action>/: parse the body, call the action's service, answer the step."""

    input_serializer: type[serializers.Serializer] | None = None

    def act(self, request: Request, service: Callable[..., Step], pk: int) -> Response:
        values: dict[str, Any] = {}
        if self.input_serializer is not None:
            payload = self.input_serializer(data=request.data)
            payload.is_valid(raise_exception=True)
            values = dict(payload.validated_data)
        step = service(user=request.user, step_pk=pk, **values)
        return Response(s.StepSerializer(Step.objects.select_related("office").get(pk=step.pk)).data)


class StepClaim(_StepAction):
    @extend_schema(request=None, responses=s.StepSerializer)
    def post(self, request: Request, pk: int) -> Response:
        return self.act(request, services.step_claim, pk)


class StepRelease(_StepAction):
    @extend_schema(request=None, responses=s.StepSerializer)
    def post(self, request: Request, pk: int) -> Response:
        return self.act(request, services.step_release, pk)


class StepComplete(_StepAction):
    input_serializer = s.StepResultSerializer

    @extend_schema(request=s.StepResultSerializer, responses=s.StepSerializer)
    def post(self, request: Request, pk: int) -> Response:
        return self.act(request, services.step_complete, pk)


class StepReturn(_StepAction):
    input_serializer = s.ReturnSerializer

    @extend_schema(request=s.ReturnSerializer, responses=s.StepSerializer)
    def post(self, request: Request, pk: int) -> Response:
        return self.act(request, services.step_return, pk)


class StepRefuse(_StepAction):
    input_serializer = s.ReasonSerializer

    @extend_schema(request=s.ReasonSerializer, responses=s.StepSerializer)
    def post(self, request: Request, pk: int) -> Response:
        return self.act(request, services.step_refuse, pk)


# --- Public tracking -----------------------------------------------------------------------------


class Track(APIView):
    """A citizen follows a dossier with its code and the last 4 digits of the applicant's ID: in the
    query (GET, as the contract has it) or in the body (POST), which keeps them out of URLs and logs."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [ClientScopedRateThrottle]
    throttle_scope = "track"
    RESPONSES = {
        200: s.TrackSerializer,
        404: OpenApiResponse(description="No dossier with this code and these digits."),
        429: OpenApiResponse(
            description="Too many look-ups from this address, or too many wrong answers for this code."
        ),
    }

    @extend_schema(parameters=[OpenApiParameter("id_last4", required=True)], responses=RESPONSES)
    def get(self, request: Request, code: str) -> Response:
        return self.answer(code, request.query_params.get("id_last4", ""))

    @extend_schema(request=s.TrackLookupSerializer, responses=RESPONSES)
    def post(self, request: Request, code: str) -> Response:
        payload = s.TrackLookupSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self.answer(code, payload.validated_data["id_last4"])

    def answer(self, code: str, id_last4: str) -> Response:
        if track_code_blocked(code=code):
            raise Throttled(detail=track_code_blocked_message())
        bundle = bundle_track(code=code, id_last4=id_last4)
        if bundle is None:
            track_code_failed(code=code)
            raise NotFound(_("No dossier with this code and these digits."))
        return Response(s.TrackSerializer(bundle).data)


class ExtractOutput(serializers.Serializer):
    signer = serializers.CharField()
    signed_at = serializers.DateTimeField(allow_null=True)
    sha256 = serializers.CharField()


class StepExtract(APIView):
    """POST /steps/<id>/extract/ (multipart `file`): the civil-status step's electronic extract,
    signed by the civil-status system. Checked on arrival (400 with the reasons under `extract`,
    nothing stored); its numbers are matched against the result when the step is completed."""

    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": PdfUpload}, responses={201: ExtractOutput})
    def post(self, request: Request, pk: int) -> Response:
        given = PdfUpload(data=request.data)
        given.is_valid(raise_exception=True)
        extract = extract_attach(
            user=request.user,  # type: ignore[arg-type]
            step_pk=pk,
            data=given.validated_data["file"].read(),
        )
        return Response(
            ExtractOutput({"signer": extract.signer, "signed_at": extract.signed_at, "sha256": extract.sha256}).data,
            status=201,
        )
