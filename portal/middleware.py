from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found, permission_denied

from portal.errors import Forbidden, NotFound


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
