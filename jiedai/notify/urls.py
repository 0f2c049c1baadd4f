from django.urls import path

from jiedai.core.views import placeholder

app_name = "notify"

urlpatterns = [
    path("", placeholder, name="inbox"),
]
