"""POST /api/v1/health-notices/: a health facility sends a birth certificate or a death notice."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from health.models import HealthNotice
from health.services import health_notice_receive
from portal.permissions import IsHealthFacility


class HealthNoticeSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text="birth or death: the kind of dossier it starts.")

    class Meta:
        model = HealthNotice
        fields = ["id", "kind", "certificate_number"]


class HealthNotices(APIView):
    permission_classes = [IsAuthenticated, IsHealthFacility]

    @extend_schema(
        summary="Send a hospital notice",
        description=(
            "A birth certificate (giấy chứng sinh, table 9 of Decision 130/QĐ-BYT, LOAIHOSO XML9) or a death "
            "notice (LOAIHOSO GIAYBAOTU) in the Ministry of Health's envelope, signed by the facility (XML-DSig, "
            "enveloped, RSA-SHA256 or stronger, in CHUKYDONVI) with a certificate of a CA the province registered "
            "for it; or the same data as a FHIR R4 collection bundle (application/fhir+json). Only a health "
            "facility's API client may call it. The same certificate again answers 200 with the same id."
        ),
        request={"application/xml": OpenApiTypes.STR, "application/fhir+json": OpenApiTypes.OBJECT},
        responses={201: HealthNoticeSerializer, 200: HealthNoticeSerializer},
    )
    def post(self, request: Request) -> Response:
        notice, created = health_notice_receive(
            user=request.user,  # type: ignore[arg-type]
            body=request.body,
            content_type=request.content_type or "",
        )
        return Response(
            HealthNoticeSerializer(notice).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )
