"""POST /api/v1/health-notices/: a health facility sends a birth certificate or a death notice;
POST /api/v1/health-notices/api/qd130/guiHoSoXmlQD4750: the same, as the HIS sends its tables to the
Social Security gateway (a form with the envelope base64 in fileHSBase64), answered the gateway's way."""

from __future__ import annotations

import base64
import binascii
import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.permissions import IsHealthFacility
from health.models import HealthNotice
from health.services import health_notice_receive, health_notices_receive_gateway
from portal.errors import DomainError, Invalid


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


GatewayAnswer = inline_serializer(
    "GatewayAnswer",
    {
        "maKetQua": serializers.CharField(help_text='"200" received; "400" refused (thongDiep, errors); "401", "403".'),
        "maGiaoDich": serializers.CharField(
            allow_blank=True, help_text="The ids of the notices kept, comma-separated (empty if none)."
        ),
        "thoiGianTiepNhan": serializers.CharField(help_text="When it was received, yyyyMMddHHmmss, Vietnam's time."),
        "thongDiep": serializers.CharField(help_text="What happened, in Vietnamese."),
        "notices": HealthNoticeSerializer(many=True, required=False),
        "errors": serializers.DictField(
            required=False, help_text="The refusals by field, as the notice API names them."
        ),
    },
)


class GatewayForm(serializers.Serializer):
    username = serializers.CharField(required=False, help_text="The API client's login (checked when sent).")
    loaiHoSo = serializers.CharField(help_text="130")
    maTinh = serializers.CharField(help_text="The facility's province code.")
    maCSKCB = serializers.CharField(help_text="The facility's code (MACSKCB).")
    fileHSBase64 = serializers.CharField(help_text="The signed GIAMDINHHS envelope, base64.")


def _gateway_answer(code: int, message: str, **more: Any) -> Response:
    """The gateway's answer: the result in maKetQua (as HIS code written against it reads it), and
    the same code as the HTTP status, so a refusal is never mistaken for a success by a client
    that only looks at the status."""
    received = timezone.now().astimezone(datetime.timezone(datetime.timedelta(hours=7)))
    body = {
        "maKetQua": str(code),
        "maGiaoDich": "",
        "thoiGianTiepNhan": f"{received:%Y%m%d%H%M%S}",
        "thongDiep": message,
    }
    return Response({**body, **more}, status=code)


class GatewayNotices(APIView):
    """The endpoint a HIS points at as it points at the Social Security gateway's
    guiHoSoXmlQD4750, with this portal's credentials instead of the gateway's."""

    permission_classes = [IsAuthenticated, IsHealthFacility]
    parser_classes = [FormParser, MultiPartParser]

    @extend_schema(
        summary="Send hospital notices as to the Social Security gateway",
        description=(
            "The form a HIS posts to the Social Security gateway's api/qd130/guiHoSoXmlQD4750 "
            "(application/x-www-form-urlencoded: username, loaiHoSo 130, maTinh, maCSKCB, fileHSBase64 the signed "
            "GIAMDINHHS envelope in base64), authenticated as the notice API is (the facility's API token). The "
            "envelope may carry several tables (XML1…XML15): the birth certificates (XML9) and death notices "
            "(GIAYBAOTU) are kept, the others ignored; its signature is checked as for POST health-notices/. "
            "Answered in the gateway's shape, maKetQua 200 (received), 400 (refused: thongDiep and errors say "
            "why), 401 or 403, with the same HTTP status; maGiaoDich the ids of the notices kept."
        ),
        request={"application/x-www-form-urlencoded": GatewayForm},
        responses=dict.fromkeys((200, 400, 401, 403), GatewayAnswer),
    )
    def post(self, request: Request) -> Response:
        form: Any = request.data
        missing = [name for name in ("loaiHoSo", "maTinh", "maCSKCB", "fileHSBase64") if not form.get(name)]
        if missing:
            raise Invalid({name: [_("This field is required.")] for name in missing})
        if (username := form.get("username")) and username != request.user.get_username():
            raise Invalid({"username": [_("This is not the login of the API client that sends it.")]})
        try:
            envelope = base64.b64decode(form["fileHSBase64"], validate=True)
        except (binascii.Error, ValueError):
            raise Invalid({"fileHSBase64": [_("Not a base64-encoded XML document.")]}) from None
        kept = health_notices_receive_gateway(
            user=request.user,  # type: ignore[arg-type]
            envelope=envelope,
            facility_code=form["maCSKCB"],
            file_type=form["loaiHoSo"],
        )
        if not kept:
            message = _("Received; it carries no birth certificate (XML9) or death notice: nothing kept.")
        else:
            message = _("Received %(n)d notice(s): %(numbers)s.") % {
                "n": len(kept),
                "numbers": ", ".join(notice.certificate_number for notice, _created in kept),
            }
        return _gateway_answer(
            200,
            message,
            maGiaoDich=",".join(str(notice.pk) for notice, _created in kept),
            notices=HealthNoticeSerializer([notice for notice, _created in kept], many=True).data,
        )

    def handle_exception(self, exc: Exception) -> Response:
        """Every refusal in the gateway's shape, its code in maKetQua."""
        if isinstance(exc, Invalid):
            problems = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.errors.items())
            return _gateway_answer(400, problems, errors=exc.errors)
        if isinstance(exc, DomainError):
            return _gateway_answer(exc.status_code, str(exc))
        if isinstance(exc, exceptions.APIException):
            response = super().handle_exception(exc)
            detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
            return _gateway_answer(response.status_code, str(detail))
        return super().handle_exception(exc)
