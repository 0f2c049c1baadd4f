"""The finance analytics (policy 5.3.2): /finance/analytics/ and its Excel export; included by expenses.urls."""

from django.urls import path

from jiedai.expenses import views_analytics

urlpatterns = [
    path("finance/analytics/", views_analytics.analytics_view, name="analytics"),
    path("finance/analytics/export.xlsx", views_analytics.analytics_export_view, name="analytics_export"),
]
