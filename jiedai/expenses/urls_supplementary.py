"""Supplementary budgets (policy 5.3.1), under the visit's budget: /receptions/<id>/budget/supplementary/..."""

from django.urls import path

from jiedai.expenses import views_supplementary as views

BASE = "receptions/<int:pk>/budget/supplementary/"

urlpatterns = [
    path(f"{BASE}new/", views.supplementary_new_view, name="supplementary_new"),
    path(f"{BASE}<int:sid>/", views.supplementary_view, name="supplementary"),
    path(f"{BASE}<int:sid>/submit/", views.supplementary_submit_view, name="supplementary_submit"),
    path(f"{BASE}<int:sid>/withdraw/", views.supplementary_withdraw_view, name="supplementary_withdraw"),
]
