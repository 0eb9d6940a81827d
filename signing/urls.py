from django.urls import path

from signing import views

urlpatterns = [path("", views.verify, name="verify")]
