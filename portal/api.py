"""What every API endpoint shares: one exception handler that turns domain errors into the
contract's responses (400 with field paths, 403, 404, 409), cursor pagination, the parsing of
query parameters (each refused with 400 naming it). The schema's error responses: portal.schema."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination, parsers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from portal.errors import DomainError, Invalid
from portal.middleware import NUL_MESSAGE, nul_paths


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested errors {"child": {"date_of_birth": [...]}} → {"child.date_of_birth": [...]}."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = "" if key == "non_field_errors" else str(key)
            flat.update(_flatten(value, f"{prefix}.{name}".strip(".") if name else prefix))
        return flat
    if isinstance(detail, list) and detail and all(isinstance(item, str) for item in detail):
        return {prefix or "non_field_errors": [str(item) for item in detail]}
    if isinstance(detail, list):
        flat = {}
        for index, item in enumerate(detail):
            if item:
                flat.update(_flatten(item, f"{prefix}.{index}".strip(".")))
        return flat
    return {prefix or "non_field_errors": [str(detail)]}


class JSONParser(parsers.JSONParser):
    """DRF's parser, refusing a NUL character anywhere in the body (PostgreSQL cannot store one,
    not even in a JSON column) with 400 naming each field, for free-form fields (a step's result)
    too, not only those a CharField checks."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        if paths := nul_paths(data):
            raise exceptions.ValidationError({path: [str(NUL_MESSAGE)] for path in paths})
        return data


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Invalid):
        return Response({"detail": str(exc), "errors": exc.errors}, status=400)
    if isinstance(exc, DomainError):
        return Response({"detail": str(exc)}, status=exc.status_code)
    if isinstance(exc, exceptions.ValidationError):
        return Response({"detail": _("The request has errors: see each field."), "errors": _flatten(exc.detail)}, 400)
    return drf_exception_handler(exc, context)


class CursorPagination(pagination.CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request: Request) -> int:
        """A whole number of at least 1 (refused otherwise, naming it); above 200 gives 200."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
            raise Invalid({"page_size": [_("Enter a whole number of at least 1.")]})
        return min(int(raw), self.max_page_size)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["description"] = (
                    f"Number of results per page (default {self.page_size}; above {self.max_page_size} "
                    f"gives {self.max_page_size})."
                )
        return parameters


# --- Query parameters: each refused with 400 naming it when it does not parse ---------------------

DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
# A date parameter's schema: a date, or empty (`?from=&to=`: the default, as leaving it out).
DATE_OR_EMPTY: dict[str, Any] = {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "enum": [""]}]}


def query_choice(request: Request, name: str, choices: Iterable[str]) -> str:
    """One of `choices`, or "" when the parameter is absent or empty."""
    value = request.query_params.get(name, "")
    allowed = [str(choice) for choice in choices]
    if value and value not in allowed:
        raise Invalid({name: [_("Choose one of: %(choices)s.") % {"choices": ", ".join(allowed)}]})
    return value


def query_bool(request: Request, name: str) -> bool:
    """true or false; absent or empty is false."""
    return query_choice(request, name, ("true", "false")) == "true"


def query_date(request: Request, name: str) -> datetime.date | None:
    """A date as YYYY-MM-DD, or None when the parameter is absent or empty."""
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        if not DATE.match(raw):
            raise ValueError(raw)
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise Invalid({name: [_("Enter a date as YYYY-MM-DD.")]}) from None
