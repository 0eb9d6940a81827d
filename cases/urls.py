from django.urls import path

from cases import views

app_name = "cases"
urlpatterns = [
    path("clerk/", views.clerk_home, name="clerk-home"),
    path("queue/", views.queue, name="queue"),
]
