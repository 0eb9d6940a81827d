"""The API root (/api/v1/), part of the project's configuration: the engine's endpoints and each
adapter's, assembled here so that the engine names none of the adapters."""

from django.urls import path

from cases.api import views
from health.api import GatewayNotices, HealthNotices
from outbound.api import WebhookDeliveries, WebhookDetail, WebhookList, WebhookSecret
from portal.tokens import TokenView
from reporting import api as reports
from signing.api import Verify

app_name = "api"
urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("units/", views.UnitList.as_view(), name="units"),
    path("offices/", views.OfficeList.as_view(), name="offices"),
    path("bundles/", views.BundleListCreate.as_view(), name="bundles"),
    path("bundles/<str:code>/", views.BundleDetail.as_view(), name="bundle"),
    path("bundles/<str:code>/attachments/", views.BundleAttachments.as_view(), name="bundle-attachments"),
    path("bundles/<str:code>/supplement/", views.BundleSupplement.as_view(), name="bundle-supplement"),
    path("bundles/<str:code>/withdraw/", views.BundleWithdraw.as_view(), name="bundle-withdraw"),
    path("bundles/<str:code>/events/", views.BundleEvents.as_view(), name="bundle-events"),
    path("bundles/<str:code>/notes/", views.BundleNotes.as_view(), name="bundle-notes"),
    path("people/<str:id_number>/dossiers/", views.PersonDossiers.as_view(), name="person-dossiers"),
    path("queue/", views.Queue.as_view(), name="queue"),
    path("steps/<int:pk>/claim/", views.StepClaim.as_view(), name="step-claim"),
    path("steps/<int:pk>/release/", views.StepRelease.as_view(), name="step-release"),
    path("steps/<int:pk>/complete/", views.StepComplete.as_view(), name="step-complete"),
    path("steps/<int:pk>/return/", views.StepReturn.as_view(), name="step-return"),
    path("steps/<int:pk>/refuse/", views.StepRefuse.as_view(), name="step-refuse"),
    path("steps/<int:pk>/extract/", views.StepExtract.as_view(), name="step-extract"),
    path("health-notices/", HealthNotices.as_view(), name="health-notices"),
    path("health-notices/api/qd130/guiHoSoXmlQD4750", GatewayNotices.as_view(), name="health-notices-gateway"),
    path("verify/", Verify.as_view(), name="verify"),
    path("webhooks/", WebhookList.as_view(), name="webhooks"),
    path("webhooks/<int:pk>/", WebhookDetail.as_view(), name="webhook"),
    path("webhooks/<int:pk>/secret/", WebhookSecret.as_view(), name="webhook-secret"),
    path("webhooks/<int:pk>/deliveries/", WebhookDeliveries.as_view(), name="webhook-deliveries"),
    path("track/<str:code>/", views.Track.as_view(), name="track"),
    path("reports/online-rate/", reports.OnlineRate.as_view(), name="report-online-rate"),
    path("reports/sla/", reports.Sla.as_view(), name="report-sla"),
    path("reports/funeral-amounts/", reports.FuneralAmounts.as_view(), name="report-funeral-amounts"),
]
