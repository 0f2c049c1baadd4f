from django.urls import path

from jiedai.org import views

app_name = "org"

urlpatterns = [
    path("delegations/", views.delegations_view, name="delegations"),
    path("delegations/<int:pk>/revoke/", views.delegation_revoke_view, name="delegation_revoke"),
]
