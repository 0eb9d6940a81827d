import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError, connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.defaults import page_not_found, permission_denied

from portal.errors import Forbidden, NotFound

logger = logging.getLogger(__name__)

# Django's own words for the same refusal (forms.CharField, DRF's CharField), so one translation.
NUL_MESSAGE = gettext_lazy("Null characters are not allowed.")


def nul_paths(data: Any, prefix: str = "") -> list[str]:
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
        paths += [path.replace("\x00", "")] if "\x00" in key else nul_paths(value, path)
    return paths


class PortalLocaleMiddleware(LocaleMiddleware):
    """Pages are in Vietnamese unless the person chose English with the switch (a cookie), whatever
    the browser's own language; the API follows Accept-Language, as its contract says."""

    def process_request(self, request: HttpRequest) -> None:
        if request.path.startswith("/api/"):
            language = translation.get_language_from_request(request)
        else:
            language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
            if language not in dict(settings.LANGUAGES):
                language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class DomainErrorMiddleware:
    """On pages, a dossier or step outside the person's scope is simply not there (404), and an
    action their role may not take is forbidden (403); the API maps the same errors itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NotFound):
            return page_not_found(request, Http404(str(exception)))
        if isinstance(exception, Forbidden):
            return permission_denied(request, PermissionDenied(str(exception)))
        return None


class PortalNotFoundMiddleware:
    """Under DEBUG (`make run`) too, an address that matches nothing and a view's Http404 give the
    portal's own 404 page, not Django's technical page that lists every URL pattern; a 500 keeps
    Django's traceback there. After CommonMiddleware, which still redirects an address missing
    only its slash (it looks at the 404 this returns), and after the sign-in, for the header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.DEBUG:  # without DEBUG, Django renders templates/404.html itself
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404 as missing:
                return page_not_found(request, missing)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if settings.DEBUG and isinstance(exception, Http404):
            return page_not_found(request, exception)
        return None


def _nul_field(request: HttpRequest) -> str | None:
    """The first query parameter (or path part, by its URL name) that holds a NUL character."""
    for name, values in request.GET.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            return name.replace("\x00", "")
    if "\x00" in request.path_info:
        try:
            kwargs = resolve(request.path_info).kwargs
        except Resolver404:
            return "path"
        return next((name for name, value in kwargs.items() if "\x00" in str(value)), "path")
    return None


class NulByteMiddleware:
    """A NUL character cannot be stored or looked up in PostgreSQL: a query parameter or path part
    holding one is refused with 400 naming it, before any view runs (JSON on /api/, a page
    elsewhere). JSON bodies are checked by portal.api.JSONParser, forms by Django's CharField."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        field = _nul_field(request)
        if field is None:
            return self.get_response(request)
        message = str(NUL_MESSAGE)
        if request.path_info.startswith("/api/"):
            body = {"detail": _("The request has errors: see each field."), "errors": {field: [message]}}
            return JsonResponse(body, status=400)
        context = {"field": field, "message": message}
        return render(request, "400.html", context, status=400)


DATABASE_DOWN_MESSAGE = gettext_lazy(
    "The portal cannot reach its database at the moment. Nothing was changed by this request; "
    "please try again in a few minutes."
)
# PostgreSQL's words for "no connection" (class 08) and for a server shutting down or starting up
# (57P01-57P03); a connection that could not be made, or a pool that found none, carries no code.
_CONNECTION_LOST = ("08", "57P01", "57P02", "57P03")


def database_unreachable(error: BaseException) -> bool:
    """Whether a database error means the server cannot be reached, not a failed statement (a lock
    timeout, a deadlock or a constraint stays a 500 or is handled where it happens)."""
    if not isinstance(error, OperationalError | InterfaceError) or connection.vendor != "postgresql":
        return False
    sqlstate = getattr(error.__cause__, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith(_CONNECTION_LOST)


class DatabaseUnavailableMiddleware:
    """While the database is down, every request answers 503 with a clear message and a
    Retry-After, and the log gets one line per request instead of a traceback."""

    RETRY_AFTER_SECONDS = 30

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not database_unreachable(exception):
            return None
        logger.warning("Database unreachable, answered 503: %s %s (%s)", request.method, request.path, exception)
        message = str(DATABASE_DOWN_MESSAGE)
        response: HttpResponse
        if request.path_info.startswith("/api/"):
            response = JsonResponse({"detail": message}, status=503, json_dumps_params={"ensure_ascii": False})
        else:
            response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        return response


class RequestSizeLimitMiddleware:
    """A request whose body is larger than MAX_REQUEST_BYTES (its Content-Length) is answered 413
    before anything reads it, with the limit in the message: JSON under /api/, text on pages. A
    chunked body (no Content-Length) is read as empty by Django, so it cannot get past the cap."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.MAX_REQUEST_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            message = _("The request is larger than %(mb)s MB, the most the portal accepts in one request.") % {
                "mb": limit // (1024 * 1024)
            }
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=413)
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
