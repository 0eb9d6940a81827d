"""The citizen's e-ID sign-in: an OpenID Connect relying party on mozilla-django-oidc.

The library runs the authorization-code flow (state, nonce and the PKCE challenge in the session,
the code exchanged at the token endpoint, the ID token's RS256 signature checked against the
provider's published keys). This backend closes what the library leaves open (docs/design/
issue-13.md §1.3): it also requires and checks `iss`, `aud`, `exp`, `iat` and `nonce`; it reads the
citizen from the signed ID token, not from userinfo; and any refusal (an expired or tampered
token, a wrong nonce, a missing personal ID) becomes the failure page with the reason logged,
never a 500. The account is keyed by the personal ID number; the assurance level (`acr`) belongs
to this sign-in and goes to the session (citizens.signin).
"""

from __future__ import annotations

import logging
from typing import Any

import jwt
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from agencies.choices import UserRole
from agencies.models import User
from citizens import signin

logger = logging.getLogger(__name__)
SESSION_ERROR = "citizen_signin_error"  # why the last sign-in was refused (for the failure page)
LEEWAY_SECONDS = 30  # clock difference tolerated between the provider and us


class CitizenBackend(OIDCAuthenticationBackend):
    def _verify_jws(self, payload: bytes, key: Any) -> dict[str, Any]:
        try:
            if jwt.get_unverified_header(payload).get("alg") != self.OIDC_RP_SIGN_ALGO:
                raise SuspiciousOperation("ID token signed with an unexpected algorithm")
            return jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.OIDC_ISSUER,
                leeway=LEEWAY_SECONDS,
                options={"require": ["iss", "aud", "exp", "iat", "sub", "nonce"]},
            )
        except jwt.InvalidTokenError as error:  # expired, bad signature, another audience or issuer
            raise SuspiciousOperation(f"ID token refused: {error}") from error

    def authenticate(self, request: Any, **kwargs: Any) -> User | None:
        if request is None or "code" not in request.GET:  # a password sign-in: not ours
            return None
        try:
            return super().authenticate(request, **kwargs)
        except SuspiciousOperation as error:
            logger.warning("e-ID sign-in refused: %s", error)
            request.session[SESSION_ERROR] = str(error)
            return None

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> dict[str, Any]:
        return dict(payload)  # who signed in and at what level: from the checked ID token only

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        personal_id = str(claims.get(settings.OIDC_CLAIM_PERSONAL_ID, ""))
        return len(personal_id) == 12 and personal_id.isdigit() and bool(claims.get(settings.OIDC_CLAIM_LEVEL))

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        return self.UserModel.objects.filter(personal_id=claims[settings.OIDC_CLAIM_PERSONAL_ID])

    def create_user(self, claims: dict[str, Any]) -> User:
        """A citizen's first sign-in opens their account: no password of ours, ever."""
        personal_id = claims[settings.OIDC_CLAIM_PERSONAL_ID]
        family, _space, given = str(claims.get("name", "")).strip().partition(" ")
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
            "name": claims.get("name", ""),
            "birthdate": claims.get("birthdate", ""),
        }
        self.request.session.pop(SESSION_ERROR, None)
        return user
