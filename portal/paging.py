"""Keyset pagination for the list pages: each page starts after the last row of the one before
(an index walk, the same cost on page 1 and page 1,000), with no count of the whole list."""

from __future__ import annotations

import base64
import datetime
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import models
from django.db.models import Q, QuerySet
from django.http import QueryDict

M = TypeVar("M", bound=models.Model)


@dataclass
class Page(Generic[M]):
    rows: list[M]
    next_cursor: str  # "" on the last page


def keyset_page(queryset: QuerySet[M], *, order: str, cursor: str, size: int) -> Page[M]:
    """Rows ordered by `order` (a field name, "-" for descending) then by primary key in the same
    direction, starting after `cursor`. A cursor that cannot be read starts from the top."""
    descending = order.startswith("-")
    field = order.lstrip("-")
    after = _decode(cursor)
    if after is not None:
        value, pk = after
        past = "lt" if descending else "gt"
        queryset = queryset.filter(Q(**{f"{field}__{past}": value}) | Q(**{field: value, f"pk__{past}": pk}))
    rows = list(queryset.order_by(order, "-pk" if descending else "pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, cursor_after(getattr(rows[-1], field), rows[-1].pk) if more else "")


def cursor_after(value: Any, pk: Any) -> str:
    """The cursor of the page that starts after the row with this ordering value and key."""
    text = value.isoformat() if isinstance(value, datetime.date | datetime.datetime) else value
    return base64.urlsafe_b64encode(json.dumps([text, pk]).encode()).decode()


def _decode(cursor: str) -> tuple[Any, int] | None:
    if not cursor:
        return None
    try:
        value, pk = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError):
        return None
    return (value, pk) if isinstance(pk, int) and isinstance(value, str | int) else None


def keep_query(params: QueryDict) -> str:
    """The query string of a list page without its cursor, ready to take `after=...` ("" or "a=1&")."""
    kept = params.copy()
    kept.pop("after", None)
    encoded = kept.urlencode()
    return f"{encoded}&" if encoded else ""
