from django.urls import path

from jiedai.workdays import views

app_name = "workdays"

urlpatterns = [
    path("", views.calendar, name="calendar"),
]
