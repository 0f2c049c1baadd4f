from django.urls import path

from jiedai.notify import views

app_name = "notify"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read-all/", views.notification_read_all, name="read_all"),
    path("<int:pk>/open/", views.notification_open, name="open"),
    path("<int:pk>/read/", views.notification_read, name="read"),
]
