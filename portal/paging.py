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


def keyset_page(
    queryset: QuerySet[M], *, order: str, cursor: str, size: int, read: QuerySet[M] | None = None
) -> Page[M]:
    """Rows ordered by `order` (a field name, "-" for descending) then by primary key in the same
    direction, starting after `cursor`. A cursor that cannot be read starts from the top. With
    `read`, the page's keys come from `queryset` and its rows from `read` (keys_first)."""
    descending = order.startswith("-")
    field = order.lstrip("-")
    after = _decode(cursor)
    if after is not None:
        value, pk = after
        past = "lt" if descending else "gt"
        # The first condition is implied by the second; an index on `field` starts its walk there.
        queryset = queryset.filter(
            Q(**{f"{field}__{past}e": value}), Q(**{f"{field}__{past}": value}) | Q(**{field: value, f"pk__{past}": pk})
        )
    page = queryset.order_by(order, "-pk" if descending else "pk")[: size + 1]
    rows = list(page if read is None else keys_first(page, read))
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, cursor_after(getattr(rows[-1], field), rows[-1].pk) if more else "")


def keys_first(page: QuerySet[M], read: QuerySet[M]) -> QuerySet[M]:
    """The rows of `read` whose keys `page` selects (filtered, ordered, sliced), in its order, in one
    statement: a subquery reads the page's keys alone and stops after the page, then the rows are
    read by primary key. When an index answers the subquery's filters and order (the queue's
    covering index of open steps), that is an index-only walk, which PostgreSQL's planner prefers
    at its default costs to fetching and sorting every matching row, even when its statistics lag
    a burst of new rows (tests/cases/test_queue_plan.py)."""
    return read.filter(pk__in=page.values("pk")).order_by(*page.query.order_by)


class KeysFirst(Generic[M]):
    """`rows` as DRF's CursorPagination filters, orders and slices it, each slice read with
    keys_first: the page's keys from `rows`, the page's rows from `read`."""

    def __init__(self, rows: QuerySet[M], read: QuerySet[M]) -> None:
        self.rows, self.read = rows, read

    def order_by(self, *fields: str) -> KeysFirst[M]:
        return KeysFirst(self.rows.order_by(*fields), self.read)

    def filter(self, *args: Any, **kwargs: Any) -> KeysFirst[M]:
        return KeysFirst(self.rows.filter(*args, **kwargs), self.read)

    def __getitem__(self, page: slice) -> QuerySet[M]:
        return keys_first(self.rows[page], self.read)


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
