"""System checks of the settings the dossiers' papers depend on."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks


@checks.register()
def public_base_url_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Receipts print the tracking link on PUBLIC_BASE_URL: outside DEBUG it must be the portal's
    absolute public address, or every receipt would send citizens nowhere."""
    url = settings.PUBLIC_BASE_URL
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc and not parts.query and not parts.fragment:
        return []
    if settings.DEBUG and not url:
        return []
    return [
        checks.Error(
            f"PUBLIC_BASE_URL is {url!r}: receipts print the tracking link on it.",
            hint="Set PUBLIC_BASE_URL to the portal's public address, e.g. https://dichvucong.nghean.gov.vn.",
            id="cases.E001",
        )
    ]
