"""/api/v1/webhooks/: a partner system's subscriptions (list, create, detail, delete) and the
log of what was sent to each, every attempt included. Integration clients only, each its own."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.choices import UserRole
from outbound import services
from outbound.models import Attempt, Delivery, Subscription
from portal.api import CursorPagination


class IsIntegrationClient(permissions.BasePermission):
    message = _("Only a partner system's API client can subscribe to webhooks.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return getattr(request.user, "role", None) == UserRole.INTEGRATION


class WebhookInput(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    events = serializers.ListField(
        child=serializers.ChoiceField(["*", *services.WEBHOOK_EVENTS]), min_length=1, max_length=20
    )
    secret = serializers.CharField(min_length=16, max_length=200, write_only=True)


class SecretInput(serializers.Serializer):
    secret = serializers.CharField(min_length=16, max_length=200, write_only=True)
    overlap_hours = serializers.IntegerField(min_value=0, max_value=168, default=24)


class WebhookSerializer(serializers.ModelSerializer):
    class Meta:
        model = Subscription
        fields = [
            "id",
            "url",
            "events",
            "active",
            "created_at",
            "failures",
            "disabled_at",
            "disabled_reason",
            "previous_secret_until",
        ]


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attempt
        fields = ["at", "status_code", "error", "duration_ms"]


class DeliverySerializer(serializers.ModelSerializer):
    dossier = serializers.CharField(source="bundle.code")
    type = serializers.SerializerMethodField()
    attempt_log = AttemptSerializer(many=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "type",
            "dossier",
            "state",
            "attempts",
            "created_at",
            "delivered_at",
            "last_error",
            "attempt_log",
        ]

    def get_type(self, delivery: Delivery) -> str:
        return f"dossier.{delivery.event}"


class WebhookList(generics.ListCreateAPIView):
    """The client's webhooks; POST subscribes one: `{"url", "events": [...] or ["*"], "secret"}`.
    Each event is POSTed as JSON, signed: `X-Lienthong-Signature: sha256=<hex>` is the HMAC-SHA256
    of `<X-Lienthong-Timestamp>.<raw body>` under the secret."""

    permission_classes = [permissions.IsAuthenticated, IsIntegrationClient]
    serializer_class = WebhookSerializer
    pagination_class = type("WebhookPagination", (CursorPagination,), {"ordering": ("id",)})

    def get_queryset(self) -> QuerySet[Subscription]:
        return Subscription.objects.filter(client=self.request.user)  # type: ignore[misc]

    @extend_schema(request=WebhookInput, responses={201: WebhookSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = WebhookInput(data=request.data)
        given.is_valid(raise_exception=True)
        subscription = services.webhook_subscribe(client=request.user, **given.validated_data)  # type: ignore[arg-type]
        return Response(WebhookSerializer(subscription).data, status=status.HTTP_201_CREATED)


class WebhookDetail(generics.RetrieveDestroyAPIView):
    permission_classes = [permissions.IsAuthenticated, IsIntegrationClient]
    serializer_class = WebhookSerializer

    def get_queryset(self) -> QuerySet[Subscription]:
        return Subscription.objects.filter(client=self.request.user)  # type: ignore[misc]

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.webhook_delete(client=request.user, pk=int(kwargs["pk"]))  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookSecret(generics.GenericAPIView):
    """POST `{"secret": "<new, 16+ chars>", "overlap_hours": 24}` replaces the webhook's secret.
    For `overlap_hours` (0 to 168) every call is signed with both secrets (`webhook-signature`
    carries two `v1,` signatures), so the receiver can switch to the new one in that time."""

    permission_classes = [permissions.IsAuthenticated, IsIntegrationClient]
    serializer_class = SecretInput

    @extend_schema(request=SecretInput, responses={200: WebhookSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = SecretInput(data=request.data)
        given.is_valid(raise_exception=True)
        subscription = services.webhook_secret_rotate(
            client=request.user,  # type: ignore[arg-type]
            pk=int(kwargs["pk"]),
            **given.validated_data,
        )
        return Response(WebhookSerializer(subscription).data)


class WebhookDeliveries(generics.ListAPIView):
    """What was sent to one of the client's webhooks, newest first, with every attempt."""

    permission_classes = [permissions.IsAuthenticated, IsIntegrationClient]
    serializer_class = DeliverySerializer
    pagination_class = type("DeliveryPagination", (CursorPagination,), {"ordering": ("-created_at", "-id")})

    def get_queryset(self) -> QuerySet[Delivery]:
        return (
            Delivery.objects.filter(subscription__client=self.request.user, subscription=self.kwargs["pk"])  # type: ignore[misc]
            .select_related("bundle")
            .prefetch_related(Prefetch("attempt_log", Attempt.objects.order_by("at", "pk")))
        )
