"""Reception money pages live under their request: /receptions/<id>/budget/ (policy 5.1)."""

from django.urls import include, path

from jiedai.expenses import views, views_claims

app_name = "expenses"

urlpatterns = [
    path("receptions/<int:pk>/budget/", views.budget_view, name="budget"),
    path("receptions/<int:pk>/budget/submit/", views.budget_submit_view, name="budget_submit"),
    path("receptions/<int:pk>/budget/withdraw/", views.budget_withdraw_view, name="budget_withdraw"),
    path("", include("jiedai.expenses.urls_supplementary")),  # policy 5.3.1
    path("", include("jiedai.expenses.urls_analytics")),  # policy 5.3.2: /finance/analytics/
    path("", include("jiedai.expenses.urls_oversight")),  # policy 5.3.2: anomalies, entertainment tax
    path("", include("jiedai.expenses.urls_invoices")),  # policy 5.2.2: reading an invoice file
    # policy 5.2: reimbursement claims
    path("receptions/<int:pk>/claims/", views_claims.claims_view, name="claims"),
    path("receptions/<int:pk>/claims/<int:claim_id>/", views_claims.claim_view, name="claim"),
    path("receptions/<int:pk>/claims/<int:claim_id>/submit/", views_claims.claim_submit_view, name="claim_submit"),
    path(
        "receptions/<int:pk>/claims/<int:claim_id>/withdraw/", views_claims.claim_withdraw_view, name="claim_withdraw"
    ),
    path(
        "receptions/<int:pk>/claims/<int:claim_id>/lines/<int:line_id>/approve/",
        views_claims.claim_line_approve_view,
        name="claim_line_approve",
    ),
    path("receptions/<int:pk>/claims/<int:claim_id>/pay/", views_claims.claim_pay_view, name="claim_pay"),
    path(
        "receptions/<int:pk>/claims/<int:claim_id>/invoices/<int:invoice_id>/file/",
        views_claims.claim_invoice_file_view,
        name="claim_invoice_file",
    ),
]
