from django.urls import path

from reporting import views

app_name = "reporting"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("funeral-amounts/", views.funeral_amounts, name="funeral-amounts"),
    path("ladder/", views.ladder_counts, name="ladder"),
    path("obstacles/", views.obstacle_new, name="obstacle-new"),
    path("schedule/", views.report_schedule, name="schedule"),
    path("obstacles/<int:pk>/answer/", views.obstacle_answer, name="obstacle-answer"),
]
