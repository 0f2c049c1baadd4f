from django.urls import path

from jiedai.core.views import placeholder

app_name = "approvals"

urlpatterns = [
    path("tasks/", placeholder, name="tasks"),
]
