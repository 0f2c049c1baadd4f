from django.urls import path

from jiedai.approvals import views

app_name = "approvals"

urlpatterns = [
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/<int:pk>/", views.task, name="task"),
]
