from django.urls import path

from jiedai.core.views import placeholder

urlpatterns = [
    path("", placeholder, name="home"),
]
