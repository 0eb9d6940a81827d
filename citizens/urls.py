from django.urls import path

from citizens import views

app_name = "citizen"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/refused/", views.signin_failed, name="signin-failed"),
    path("sign-in/unavailable/", views.signin_unavailable, name="signin-unavailable"),
    path("sign-in/level-2/", views.SignInAgain.as_view(), name="signin-level2"),
    path("file/<str:kind>/", views.file, name="file"),
    path("file/<str:kind>/part/", views.intake_part, name="intake-part"),
    path("dossiers/<str:code>/", views.bundle, name="bundle"),
    path("dossiers/<str:code>/supply/", views.supply, name="supply"),
    path("dossiers/<str:code>/receipt.pdf", views.receipt, name="receipt"),
    path(
        "dossiers/<str:code>/supplement-request.pdf",
        views.slip,
        {"slip": "supplement-request"},
        name="supplement-request",
    ),
    path("dossiers/<str:code>/refusal.pdf", views.slip, {"slip": "refusal"}, name="refusal"),
]
