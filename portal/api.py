"""What every API endpoint shares: one exception handler that turns domain errors into the
contract's responses (400 with field paths, 403, 404, 409), and cursor pagination."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination, parsers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from portal.errors import DomainError, Invalid


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


def _nul_paths(data: Any, prefix: str = "") -> list[str]:
    """The field paths of a parsed JSON body whose key or text holds a NUL character."""
    if isinstance(data, dict):
        items = [(str(key), value) for key, value in data.items()]
    elif isinstance(data, list):
        items = [(str(index), value) for index, value in enumerate(data)]
    else:
        return [prefix or "non_field_errors"] if isinstance(data, str) and "\x00" in data else []
    paths: list[str] = []
    for key, value in items:
        path = f"{prefix}.{key}".strip(".")
        paths += [path.replace("\x00", "")] if "\x00" in key else _nul_paths(value, path)
    return paths


class JSONParser(parsers.JSONParser):
    """DRF's parser, refusing a NUL character anywhere in the body (PostgreSQL cannot store one,
    not even in a JSON column) with 400 naming each field, for free-form fields (a step's result)
    too, not only those a CharField checks."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        if paths := _nul_paths(data):
            from portal.middleware import NUL_MESSAGE

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
