"""Bounds on guessing a dossier's tracking answer. The per-address throttles stop one address; with
sequential dossier codes an attacker rotating addresses would still walk one code's 10,000 digit
combinations, so failed look-ups are also counted per code: after settings.TRACK_CODE_FAILURES
failures within TRACK_CODE_WINDOW seconds that code answers 429 to everyone, the right digits
included, until the window ends. The tracking page and /api/v1/track/<code>/ (GET or POST) share the count."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _


def _key(code: str) -> str:
    return "track-code-failures:" + hashlib.sha256(code.strip().upper().encode()).hexdigest()


def track_code_blocked(*, code: str) -> bool:
    return int(cache.get(_key(code), 0)) >= settings.TRACK_CODE_FAILURES


def track_code_failed(*, code: str) -> None:
    key = _key(code)
    cache.add(key, 0, timeout=settings.TRACK_CODE_WINDOW)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr: this failure opens a new window
        cache.add(key, 1, timeout=settings.TRACK_CODE_WINDOW)


def track_code_blocked_message() -> str:
    return _("Too many wrong answers for this dossier code. Try again in an hour.")
