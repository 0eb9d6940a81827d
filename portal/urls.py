from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from cases.views import offline
from cases.views.public import notices_stop, track
from portal import views

admin.site.site_header = _("Liên thông portal administration")
admin.site.site_title = _("Liên thông portal")

# Swagger UI: its start-up script is served as a file of its own (the split view, `?script`), so
# script-src stays 'self'; its page has a <style> block and the UI sets style attributes, so this
# one page allows inline styles (no inline script).
api_docs = csp_update({"style-src": ["'unsafe-inline'"]})(SpectacularSwaggerSplitView.as_view(url_name="schema"))

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # The browser's own request for an icon: the icon, not a 404 page (which would render a page, and
    # with it a new CSRF cookie for a browser that has none, racing the sign-in page's own).
    path("favicon.ico", views.favicon),
    path("sw.js", offline.worker, name="offline-worker"),
    path("manifest.webmanifest", offline.manifest, name="offline-manifest"),
    path("track/", track, name="track"),
    path("track/notices/stop/<str:token>/", notices_stop, name="notices-stop"),
    path("integration/", views.integration, name="integration"),
    path("staff/sign-in/", views.sign_in_locks, name="sign-in-locks"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", views.logout, name="logout"),  # with Clear-Site-Data (portal/views.py)
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("portal.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", api_docs, name="api-docs"),
    re_path(r"^api/[\s\S]*/$", views.api_not_found),  # JSON 404 also for a non-numeric id or a newline
    path("", include("cases.urls")),
    path("reports/", include("reporting.urls")),
    path("verify/", include("signing.urls")),
    path("citizen/", include("citizens.urls")),
    path("oidc/", include("mozilla_django_oidc.urls")),
]
