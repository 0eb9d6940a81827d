"""System checks of the signing settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register()
def signing_settings_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Every document is timestamped (PAdES B-T at least): outside DEBUG a timestamp authority
    must be named, and the key store must be one the portal knows."""
    errors: list[checks.CheckMessage] = []
    if not settings.SIGNING_TSA_URL and not settings.DEBUG:
        errors.append(
            checks.Error(
                "SIGNING_TSA_URL is empty: no document the portal issues could be signed.",
                hint="Set SIGNING_TSA_URL to the RFC 3161 timestamp authority's address.",
                id="signing.E001",
            )
        )
    if settings.SIGNING_KEY_STORE not in ("pkcs12", "pkcs11", "csc"):
        errors.append(
            checks.Error(
                f"SIGNING_KEY_STORE is {settings.SIGNING_KEY_STORE!r}.",
                hint="Use pkcs12 (key files), pkcs11 (a hardware token) or csc (a remote signing service).",
                id="signing.E002",
            )
        )
    return errors
