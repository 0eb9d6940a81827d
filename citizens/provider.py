"""What the e-ID provider announces, fetched and cached for the relying party (citizens.oidc).

The discovery document (`<OIDC_ISSUER>/.well-known/openid-configuration`, kept an hour) gives the
endpoints that are not set explicitly (OIDC_*_ENDPOINT) and the ID token's signing algorithms,
which are limited to the allow-list OIDC_SIGN_ALGORITHMS (never `none` nor an HMAC one: the secret
it would use is shared). The provider's published keys (JWKS) are kept until a token names a key
they do not hold: then they are fetched once more, so that a key rotation keeps working.

Every failure on the provider's side is one of two exceptions naming its cause: Refused (the
provider or its answer says no: a 403 for the citizen) and Unavailable (it cannot be reached or
answers nonsense: a 503).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import jwt
import requests
from django.conf import settings

DISCOVERY_SECONDS = 3600
SETTINGS = {  # discovery's name -> the explicit setting that overrides it
    "authorization_endpoint": "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "token_endpoint": "OIDC_OP_TOKEN_ENDPOINT",
    "userinfo_endpoint": "OIDC_OP_USER_ENDPOINT",
    "jwks_uri": "OIDC_OP_JWKS_ENDPOINT",
}
_lock = threading.Lock()
_discovered: dict[str, tuple[float, dict[str, Any]]] = {}  # issuer -> (when, document)
_keys: dict[str, list[Any]] = {}  # JWKS URL -> its keys (JWKs)


class Refused(Exception):
    """The provider, or what it sent, refuses this sign-in (the cause is the message)."""


class Unavailable(Exception):
    """The provider cannot be reached, or answers what no provider should (the cause)."""


def get_json(url: str, what: str, **kwargs: Any) -> Any:
    """GET a JSON document from the provider; Unavailable when it cannot be had."""
    try:
        answer = requests.get(url, timeout=settings.OIDC_TIMEOUT, **kwargs)
        answer.raise_for_status()
        return answer.json()
    except (requests.RequestException, ValueError) as error:
        raise Unavailable(f"{what} unreachable ({url}): {error}") from error


def discovery() -> dict[str, Any]:
    issuer = settings.OIDC_ISSUER.rstrip("/")
    with _lock:
        kept = _discovered.get(issuer)
    if kept and time.monotonic() - kept[0] < DISCOVERY_SECONDS:
        return kept[1]
    document = get_json(issuer + "/.well-known/openid-configuration", "discovery document")
    if not isinstance(document, dict):
        raise Unavailable(f"discovery document of {issuer} is not a JSON object")
    if str(document.get("issuer", "")).rstrip("/") != issuer:
        raise Unavailable(f"discovery document of {issuer} names another issuer: {document.get('issuer')!r}")
    with _lock:
        _discovered[issuer] = (time.monotonic(), document)
    return document


def endpoint(name: str) -> str:
    """One of SETTINGS' endpoints: the explicit setting, else what discovery announces."""
    explicit = getattr(settings, SETTINGS[name], "")
    if explicit:
        return str(explicit)
    found = discovery().get(name)
    if not found:
        raise Unavailable(f"the discovery document announces no {name}")
    return str(found)


def allowed_algorithms() -> list[str]:
    """The allow-list setting, without `none` and the HMAC algorithms whatever it says."""
    return [alg for alg in settings.OIDC_SIGN_ALGORITHMS if alg != "none" and not alg.startswith("HS")]


def algorithms() -> list[str]:
    """The ID token's algorithms: those discovery announces that the allow-list admits."""
    announced = discovery().get("id_token_signing_alg_values_supported") or []
    return [alg for alg in allowed_algorithms() if alg in announced]


def signing_key(token: str) -> jwt.PyJWK:
    """The provider's key that signed this token (by `kid` and `alg`): from the kept JWKS,
    fetched again once when it does not hold that key."""
    header = jwt.get_unverified_header(token)
    url = endpoint("jwks_uri")
    for fresh in (False, True):
        with _lock:
            keys = None if fresh else _keys.get(url)
        if keys is None:
            document = get_json(url, "JWKS")
            keys = document.get("keys") if isinstance(document, dict) else None
            if not isinstance(keys, list):
                raise Unavailable(f"JWKS of {url} is not a key set")
            with _lock:
                _keys[url] = keys
        found = [key for key in keys if matches(key, header)]
        if len(found) == 1:
            try:
                return jwt.PyJWK(found[0], algorithm=header.get("alg"))
            except jwt.PyJWTError as error:
                raise Refused(f"the provider's key {header.get('kid')!r} is unusable: {error}") from error
    raise Refused(f"no key {header.get('kid')!r} for {header.get('alg')!r} in the provider's JWKS")


def matches(key: Any, header: dict[str, Any]) -> bool:
    """Whether a JWK may have signed a token with this header."""
    if not isinstance(key, dict) or key.get("use", "sig") != "sig":
        return False
    if "kid" in header and key.get("kid") != header["kid"]:
        return False
    return key.get("alg", header.get("alg")) == header.get("alg")


def forget() -> None:
    """Drop what was fetched (tests point the portal at another provider)."""
    with _lock:
        _discovered.clear()
        _keys.clear()
