"""API tokens expire: valid for settings.API_TOKEN_LIFETIME days from when they were issued
(Token.created). The endpoint that issues and revokes them is portal/tokens.py."""

from __future__ import annotations

import datetime
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


def token_expired(token: Token) -> bool:
    return token.created <= timezone.now() - datetime.timedelta(days=settings.API_TOKEN_LIFETIME)


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing a token older than API_TOKEN_LIFETIME days."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            raise exceptions.AuthenticationFailed(
                _("The API token has expired. Obtain a new one from POST /api/v1/auth/token/.")
            )
        return user, token


class SignInLockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, on every sign-in that comes with a request (the login pages, the
    admin's and the token endpoint all pass theirs). A password checked with no request at all (a
    management command, the shell) has no client to count or lock out, and passes through."""

    def authenticate(self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
