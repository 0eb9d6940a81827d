"""POST /api/v1/verify/: the verdict on a PDF (multipart `file`), for anyone, as JSON."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.client import ClientScopedRateThrottle, in_flight
from signing import services


class PdfUpload(serializers.Serializer):
    """One PDF file (multipart `file`); its size is the services' to judge (attachment.max_bytes)."""

    file = serializers.FileField(max_length=200)


class VerifyOutput(serializers.Serializer):
    valid = serializers.BooleanField()
    issued_by_portal = serializers.BooleanField()
    signer = serializers.CharField(allow_null=True)
    signed_at = serializers.DateTimeField(allow_null=True)
    dossier = serializers.CharField(allow_null=True)
    document = serializers.CharField(allow_null=True)
    problems = serializers.ListField(child=serializers.CharField())


class Verify(APIView):
    """Whether a PDF is a document this portal issued, unchanged; who signed it and when; for
    which dossier. Open to anyone: it shows nothing the document does not show itself."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    parser_classes = [MultiPartParser]
    throttle_classes = [ClientScopedRateThrottle]
    throttle_scope = "verify"

    @extend_schema(request={"multipart/form-data": PdfUpload}, responses={200: VerifyOutput})
    def post(self, request: Request) -> Response:
        given = PdfUpload(data=request.data)
        given.is_valid(raise_exception=True)
        with in_flight(request, "verify", settings.VERIFY_RUNNING_PER_ADDRESS, settings.VERIFY_RUNNING):
            check = services.document_check(data=given.validated_data["file"].read())
        return Response(
            VerifyOutput(
                {
                    "valid": check.valid,
                    "issued_by_portal": check.issued_by_portal,
                    "signer": check.signer or None,
                    "signed_at": check.signed_at,
                    "dossier": check.dossier,
                    "document": check.document,
                    "problems": check.problems,
                }
            ).data
        )
