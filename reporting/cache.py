"""The reports' cache, a layer of its own: a report is a function of the summary tables, which
change only when they are refreshed (every 30 s), so a report kept under the id of the last
refresh is exact, not stale. The selectors compute and check scope; this keeps what they computed."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

from reporting.models import SummaryCheck

T = TypeVar("T")


def summaries_version() -> int:
    """The id of the last refresh of the summaries (0 before the first)."""
    return SummaryCheck.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def per_refresh(key: tuple[object, ...], compute: Callable[[], T], version: int | None = None) -> T:
    """`compute()`, or what it gave since the last refresh (`version`, read when not given). The
    caller has already checked that the person may see what `key` names."""
    version = summaries_version() if version is None else version
    name = "report:" + ":".join(str(part) for part in (version, *key))
    value = cache.get(name)
    if value is None:
        value = compute()
        cache.set(name, value, timeout=3600)
    return value
