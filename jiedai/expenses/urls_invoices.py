"""Invoice pages under their claim (policy 5.2.2): reading an invoice file into a claim row (htmx)."""

from django.urls import path

from jiedai.expenses import views_claims

urlpatterns = [
    path(
        "receptions/<int:pk>/claims/<int:claim_id>/invoices/read/",
        views_claims.claim_invoice_read_view,
        name="claim_invoice_read",
    ),
]
