"""The finance analytics (policy 5.3.2): /finance/analytics/, its Excel export (written while the request waits)
and the same export as a background job (/finance/analytics/exports/…); included by expenses.urls."""

from django.urls import path

from jiedai.expenses import views_analytics, views_exports

urlpatterns = [
    path("finance/analytics/", views_analytics.analytics_view, name="analytics"),
    path("finance/analytics/export.xlsx", views_analytics.analytics_export_view, name="analytics_export"),
    path("finance/analytics/exports/", views_exports.export_start_view, name="analytics_export_start"),
    path("finance/analytics/exports/<int:pk>/", views_exports.export_job_view, name="analytics_export_job"),
    path("finance/analytics/exports/<int:pk>/file", views_exports.export_file_view, name="analytics_export_file"),
]
