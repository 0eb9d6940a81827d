"""The API schema (/api/schema/) tells the truth: every operation documents the error responses
it can give, with their bodies (issue 11 §4; `make fuzz` checks it against the live server).
Kept apart from portal.api: drf-spectacular reads the API settings, which name portal.api."""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ValidationErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField(  # type: ignore[assignment]  # a field, not Serializer.errors
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages for each field path (`child.date_of_birth`), in the request's language; absent "
        "when the body is not JSON at all.",
    )


ERRORS = {
    "400": "The request has errors: `errors` names each field (query parameter, path part or body field).",
    "401": "No credentials, or a token that is not valid.",
    "403": "Authenticated, but this account may not do this.",
    "404": "Absent, or outside the caller's scope; also a cursor that is not valid.",
    "409": "The action does not fit the current state, or somebody changed it first: reload and retry.",
    "413": "The body is larger than the portal accepts (`MAX_REQUEST_BYTES`); `detail` names the limit.",
    "429": "Too many requests: wait and retry.",
    "503": "The database cannot be reached for the moment: retry after `Retry-After` seconds.",
}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, plus the error responses each operation can give (docs/api-contract.md):
    400 when it takes any input; 401 and 403 when it authenticates; 404 when it has a path part or a
    query parameter (scope, cursor); 409 for an authenticated change; 413 when it takes a body; 429
    when it is throttled; 503 always (the database is down). The rules read the view, so a new
    endpoint is documented without editing it."""

    def error_codes(self, operation: dict[str, Any]) -> list[str]:
        parameters = operation.get("parameters", [])
        # drf-spectacular gives the view a request of the operation's method, so a view that
        # authenticates or permits per method answers for this operation.
        authenticates = bool(self.view.get_authenticators())
        permissions = self.view.get_permissions()
        anonymous = not permissions or any(isinstance(permission, AllowAny) for permission in permissions)
        codes = []
        if parameters or "requestBody" in operation:
            codes.append("400")
        if authenticates:
            codes.append("401")
            if not anonymous:
                codes.append("403")
        if any(parameter["in"] in ("path", "query") for parameter in parameters):
            codes.append("404")
        if authenticates and not anonymous and self.method not in ("GET", "HEAD", "OPTIONS"):
            codes.append("409")
        if "requestBody" in operation:
            codes.append("413")
        if getattr(self.view, "throttle_classes", ()):
            codes.append("429")
        codes.append("503")
        return codes

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        # A view may declare an error itself (its own description, a body of its own); one it
        # declares without a body gets the error body too.
        declared = [code for code in responses if code >= "400"]
        for code in dict.fromkeys(self.error_codes(operation) + declared):
            body = ValidationErrorSerializer if code == "400" else ErrorSerializer
            component = self.resolve_serializer(body, "response")
            response = responses.setdefault(code, {"description": ERRORS[code]})
            response.setdefault("content", {"application/json": {"schema": component.ref}})
        return operation
