from django.urls import path

from jiedai.core.views import placeholder

app_name = "receptions"

urlpatterns = [
    path("", placeholder, name="list"),
    path("new/", placeholder, name="create"),
]
