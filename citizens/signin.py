"""What one e-ID sign-in left in the session, and what it allows.

The identity provider's signed ID token names the citizen (the personal ID number is the account's
key) and the assurance level of this sign-in (`acr`). The level belongs to the sign-in, not to the
account, so it lives in the session: level 2 may file, a lower level may only track.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

SESSION_ACR = "citizen_acr"  # the `acr` claim of this sign-in's ID token, as a string
SESSION_CLAIMS = "citizen_claims"  # name, birthdate, personal_id from the ID token (for pre-filling)


def claims(request: HttpRequest) -> dict[str, Any]:
    return dict(request.session.get(SESSION_CLAIMS) or {})


def may_file(request: HttpRequest) -> bool:
    """Whether this sign-in's assurance level allows filing (settings.OIDC_ACR_FILING)."""
    return level(request) in settings.OIDC_ACR_FILING


def level(request: HttpRequest) -> str:
    """The assurance level of this sign-in ("" when unknown)."""
    return str(request.session.get(SESSION_ACR, ""))
