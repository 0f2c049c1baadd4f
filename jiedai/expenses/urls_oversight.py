"""Finance's oversight (policy 5.3.2): anomalies and their investigations, the business-entertainment tax summary;
included by expenses.urls."""

from django.urls import path

from jiedai.expenses import views_oversight

urlpatterns = [
    path("finance/anomalies/", views_oversight.anomalies_view, name="anomalies"),
    path("finance/anomalies/<int:pk>/", views_oversight.anomaly_view, name="anomaly"),
    path("finance/entertainment-tax/", views_oversight.entertainment_tax_view, name="entertainment_tax"),
]
