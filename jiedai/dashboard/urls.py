from django.urls import path

from jiedai.dashboard import views

urlpatterns = [
    path("", views.home, name="home"),
]
