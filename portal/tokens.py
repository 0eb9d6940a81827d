"""API tokens: obtained with a username and password (POST /api/v1/auth/token/), valid for
settings.API_TOKEN_LIFETIME days from when they were issued, revoked by their holder
(DELETE /api/v1/auth/token/) or by an administrator (admin > Auth Token > Tokens).

Sign-in through this endpoint counts towards django-axes' lockout like the login pages: the
password check gets the request, so failures are counted per account and per client address."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.authentication import token_expired

_Detail = inline_serializer("Detail", {"detail": serializers.CharField()})


class TokenView(APIView):
    """Obtain an API token (POST) or revoke your own (DELETE)."""

    throttle_classes: list[type] = []

    def _obtaining(self) -> bool:
        return getattr(self.request, "method", None) == "POST"

    def get_permissions(self) -> list[Any]:
        return [AllowAny()] if self._obtaining() else [IsAuthenticated()]

    def get_authenticators(self) -> list[Any]:
        # Obtaining a token needs none (an expired token sent along must not stand in the way).
        return [] if self._obtaining() else super().get_authenticators()

    @extend_schema(
        request=AuthTokenSerializer,
        responses={
            200: inline_serializer("IssuedToken", {"token": serializers.CharField()}),
            400: OpenApiResponse(description="Wrong username or password."),
            429: OpenApiResponse(_Detail, description="Too many failed attempts for this account or address."),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        # The plain HttpRequest, not DRF's wrapper: django-axes marks the request it is given.
        serializer = AuthTokenSerializer(data=request.data, context={"request": request._request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        # A sign-in like the pages' (django-axes starts the account's count of failures again).
        user_logged_in.send(sender=type(user), request=request._request, user=user)
        token, created = Token.objects.get_or_create(user=user)
        if not created and token_expired(token):
            token.delete()
            token = Token.objects.create(user=user)
        return Response({"token": token.key})

    @extend_schema(
        request=None,
        responses={204: None, 401: OpenApiResponse(_Detail, description="No valid token or session.")},
    )
    def delete(self, request: Request) -> Response:
        Token.objects.filter(user=request.user).delete()  # type: ignore[misc]  # authenticated: a User
        return Response(status=status.HTTP_204_NO_CONTENT)


@dataclass(frozen=True)
class TokenState:
    """Whether a person holds an API token, when it was issued and until when it works; never the
    token itself, which only the answer to POST /api/v1/auth/token/ gives."""

    issued: datetime.datetime
    expires: datetime.datetime

    @property
    def expired(self) -> bool:
        return self.expires <= timezone.now()


def token_state_for_user(*, user: Any) -> TokenState | None:
    """The state of the person's own token (None: they have none); the key is not read."""
    issued = Token.objects.filter(user=user).values_list("created", flat=True).first()
    if issued is None:
        return None
    return TokenState(issued, issued + datetime.timedelta(days=settings.API_TOKEN_LIFETIME))
