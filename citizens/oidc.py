"""The citizen's e-ID sign-in: an OpenID Connect relying party on mozilla-django-oidc.

The library runs the authorization-code flow (state, nonce and the PKCE challenge in the session,
the code exchanged at the token endpoint). This module closes what it leaves open (docs/design/
issue-13.md §1.3, issue 27 §1):
- the endpoints come from the provider's discovery document unless set (citizens.provider);
- the token endpoint is called with the client authentication OIDC_TOKEN_AUTH_METHOD names
  (client_secret_basic, client_secret_post or private_key_jwt);
- the ID token's signature is checked with the provider's published key, under the algorithms its
  discovery announces and the allow-list admits, and `iss`, `aud`, `exp`, `iat`, `nonce` are
  required and checked;
- the citizen's claims are read from the ID token and, when it lacks them (a provider that follows
  OIDC Core puts the profile claims in userinfo only), from userinfo, whose `sub` must be the ID
  token's; which claim holds what is a setting (OIDC_CLAIM_*);
- every failure on the provider's side lands on the refused page (403) or the unavailable page
  (503), with one log line naming its cause, never a 500.
The account is keyed by the personal ID number; the assurance level (`acr`) belongs to this
sign-in and goes to the session (citizens.signin).
"""

from __future__ import annotations

import logging
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
import requests
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from agencies.choices import UserRole
from agencies.models import User
from citizens import provider, signin
from citizens.provider import Refused, Unavailable

logger = logging.getLogger(__name__)
SESSION_ERROR = "citizen_signin_error"  # how the last sign-in failed: "refused", "denied", "unavailable"
LEEWAY_SECONDS = 30  # clock difference tolerated between the provider and us
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def failed(request: HttpRequest, error: Exception | str, kind: str = "") -> None:
    """Log why this sign-in failed (one line) and leave how in the session, for the page."""
    kind = kind or ("unavailable" if isinstance(error, Unavailable) else "refused")
    if kind == "unavailable":
        logger.warning("e-ID sign-in failed, the provider is unavailable: %s", error)
    else:
        logger.warning("e-ID sign-in refused: %s", error)
    request.session[SESSION_ERROR] = kind


def failure_url(request: HttpRequest) -> str:
    if request.session.get(SESSION_ERROR) == "unavailable":
        return reverse("citizen:signin-unavailable")
    return str(settings.LOGIN_REDIRECT_URL_FAILURE)


class SignIn(OIDCAuthenticationRequestView):
    """Off to the provider's authorization endpoint (discovered when not set); a provider that
    cannot be reached sends the citizen to the unavailable page instead."""

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            self.OIDC_OP_AUTH_ENDPOINT = provider.endpoint("authorization_endpoint")
        except Unavailable as error:
            failed(request, error)
            return HttpResponseRedirect(failure_url(request))
        return super().get(request)


class Callback(OIDCAuthenticationCallbackView):
    """The provider's answer. An error it sends (the citizen declined: `access_denied`) is logged
    and shown as such; a refused or unavailable sign-in goes to its own page."""

    def get(self, request: HttpRequest) -> HttpResponse:
        response = super().get(request)  # on an error, signs out whoever was signed in
        error = request.GET.get("error")
        if error:
            # Anyone can send these: one line in the log, never lines of their making.
            error, description = (
                " ".join(request.GET.get(name, "").split())[:200] for name in ("error", "error_description")
            )
            kind = "denied" if error == "access_denied" else "refused"
            failed(request, f"the provider answered {error}: {description}".rstrip(": "), kind)
            return HttpResponseRedirect(self.failure_url)
        return response

    @property
    def failure_url(self) -> str:
        return failure_url(self.request)


class CitizenBackend(OIDCAuthenticationBackend):
    def authenticate(self, request: Any, **kwargs: Any) -> User | None:
        if request is None or "code" not in request.GET:  # a password sign-in: not ours
            return None
        try:
            self.OIDC_OP_TOKEN_ENDPOINT = provider.endpoint("token_endpoint")
            return super().authenticate(request, **kwargs)
        except (Refused, Unavailable) as error:
            failed(request, error)
        except SuspiciousOperation as error:  # the library's own checks (a wrong nonce)
            failed(request, Refused(error))
        return None

    def get_token(self, payload: dict[str, Any]) -> dict[str, Any]:
        """The code exchanged at the token endpoint, the client authenticated as set."""
        method = settings.OIDC_TOKEN_AUTH_METHOD
        auth: tuple[str, str] | None = None
        if method == "client_secret_basic":
            auth = (payload.pop("client_id"), payload.pop("client_secret"))
        elif method == "private_key_jwt":
            del payload["client_secret"]
            payload.update(client_assertion_type=ASSERTION_TYPE, client_assertion=client_assertion())
        try:
            answer = requests.post(self.OIDC_OP_TOKEN_ENDPOINT, data=payload, auth=auth, timeout=settings.OIDC_TIMEOUT)
        except requests.RequestException as error:
            raise Unavailable(f"token endpoint unreachable ({self.OIDC_OP_TOKEN_ENDPOINT}): {error}") from error
        return answered(answer, "token endpoint")

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        if not isinstance(token, str) or not token:
            raise Refused("the token endpoint sent no ID token")
        try:
            key = provider.signing_key(token)
        except jwt.PyJWTError as error:  # not even a JWT
            raise Refused(f"ID token refused: {error}") from error
        payload = self._verify_jws(token, key)
        if payload.get("nonce") != kwargs.get("nonce"):
            raise Refused("ID token refused: issued for another nonce")
        return payload

    def _verify_jws(self, payload: str, key: Any) -> dict[str, Any]:
        algorithms = provider.algorithms()
        try:
            alg = jwt.get_unverified_header(payload).get("alg")
            if alg not in algorithms:
                raise Refused(f"ID token signed with {alg!r}, not one of {algorithms}")
            return jwt.decode(
                payload,
                key,
                algorithms=[alg],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.OIDC_ISSUER,
                leeway=LEEWAY_SECONDS,
                options={"require": ["iss", "aud", "exp", "iat", "sub", "nonce"]},
            )
        except jwt.InvalidTokenError as error:  # expired, bad signature, another audience or issuer
            raise Refused(f"ID token refused: {error}") from error

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> User | None:
        try:
            return super().get_or_create_user(access_token, id_token, payload)
        except SuspiciousOperation as error:  # the library would log it and return None
            raise Refused(error) from error

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The claims of the checked ID token, completed from userinfo when it lacks the personal
        ID number or the name (the ID token's claims win where both have one)."""
        wanted = (settings.OIDC_CLAIM_PERSONAL_ID, settings.OIDC_CLAIM_NAME)
        if all(name in payload for name in wanted):
            return dict(payload)
        url = provider.endpoint("userinfo_endpoint")
        try:
            answer = requests.get(
                url, headers={"Authorization": f"Bearer {access_token}"}, timeout=settings.OIDC_TIMEOUT
            )
        except requests.RequestException as error:
            raise Unavailable(f"userinfo unreachable ({url}): {error}") from error
        userinfo = answered(answer, "userinfo")
        if userinfo.get("sub") != payload["sub"]:
            raise Refused(f"userinfo is about another subject ({userinfo.get('sub')!r}, not {payload['sub']!r})")
        return {**userinfo, **payload}

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        personal_id = str(claims.get(settings.OIDC_CLAIM_PERSONAL_ID, ""))
        if not (len(personal_id) == 12 and personal_id.isdigit()):
            raise Refused(f"missing claim {settings.OIDC_CLAIM_PERSONAL_ID} (a 12-digit personal ID number)")
        if not claims.get(settings.OIDC_CLAIM_LEVEL):
            raise Refused(f"missing claim {settings.OIDC_CLAIM_LEVEL} (the assurance level)")
        return True

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        return self.UserModel.objects.filter(personal_id=claims[settings.OIDC_CLAIM_PERSONAL_ID])

    def create_user(self, claims: dict[str, Any]) -> User:
        """A citizen's first sign-in opens their account: no password of ours, ever."""
        personal_id = claims[settings.OIDC_CLAIM_PERSONAL_ID]
        family, _space, given = str(claims.get(settings.OIDC_CLAIM_NAME, "")).strip().partition(" ")
        with transaction.atomic():
            user = User(username=f"e-id-{personal_id}", role=UserRole.CITIZEN, personal_id=personal_id)
            user.last_name, user.first_name = family, given.strip()
            user.set_unusable_password()
            user.save()
        logger.info("citizen account opened for a new e-ID sign-in (user %s)", user.pk)
        return self.update_user(user, claims)

    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        """What this sign-in knows goes to the session: its level and the data that pre-fills."""
        self.request.session[signin.SESSION_ACR] = str(claims[settings.OIDC_CLAIM_LEVEL])
        self.request.session[signin.SESSION_CLAIMS] = {
            "personal_id": claims[settings.OIDC_CLAIM_PERSONAL_ID],
            "name": claims.get(settings.OIDC_CLAIM_NAME, ""),
            "birthdate": claims.get(settings.OIDC_CLAIM_BIRTHDATE, ""),
        }
        self.request.session.pop(SESSION_ERROR, None)
        return user


def answered(answer: requests.Response, what: str) -> dict[str, Any]:
    """A JSON object the provider answered; a 4xx is a refusal naming the provider's `error`, and
    anything else that is not a JSON object the provider being unavailable."""
    try:
        body = answer.json()
    except ValueError:
        body = None
    if 400 <= answer.status_code < 500:
        error = body.get("error", "") if isinstance(body, dict) else ""
        description = body.get("error_description", "") if isinstance(body, dict) else ""
        raise Refused(f"{what} answered {answer.status_code} {error}: {description}".rstrip(": "))
    if answer.status_code != 200 or not isinstance(body, dict):
        raise Unavailable(f"{what} answered {answer.status_code} {answer.text[:200]!r}")
    return body


def client_assertion() -> str:
    """private_key_jwt (RFC 7523): a short-lived JWT signed with the portal's key, for the issuer."""
    now = int(time.time())
    claims = {
        "iss": settings.OIDC_RP_CLIENT_ID,
        "sub": settings.OIDC_RP_CLIENT_ID,
        "aud": settings.OIDC_ISSUER,
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + 60,
    }
    key = Path(settings.OIDC_CLIENT_PRIVATE_KEY).read_bytes()
    headers = {"kid": settings.OIDC_CLIENT_KEY_ID} if settings.OIDC_CLIENT_KEY_ID else None
    return jwt.encode(claims, key, algorithm=settings.OIDC_CLIENT_ASSERTION_ALGORITHM, headers=headers)
