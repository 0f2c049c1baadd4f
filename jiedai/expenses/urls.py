"""Reception money pages live under their request: /receptions/<id>/budget/ (policy 5.1)."""

from django.urls import path

from jiedai.expenses import views

app_name = "expenses"

urlpatterns = [
    path("receptions/<int:pk>/budget/", views.budget_view, name="budget"),
    path("receptions/<int:pk>/budget/submit/", views.budget_submit_view, name="budget_submit"),
    path("receptions/<int:pk>/budget/withdraw/", views.budget_withdraw_view, name="budget_withdraw"),
]
