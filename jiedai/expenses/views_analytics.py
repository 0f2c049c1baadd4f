"""The finance analytics page and its Excel export (policy 5.3.2): reception spending by period, department,
category, client and importance, budget against actual, cost per visitor and per visitor-day, supplementary
budgets and the claims waiting for approval. Finance, the general manager (and the superuser) see all of it; a
department head their department; a supervising leader the departments they supervise; everyone else 404
(expenses.access.analytics_departments_for)."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jiedai.core.web import domain_errors
from jiedai.expenses.analytics_cache import cached_analytics
from jiedai.expenses.exports_analytics import XLSX, workbook_for
from jiedai.expenses.forms_analytics import analytics_filter_form
from jiedai.expenses.selectors_analytics import Analytics

TEMPLATE = "expenses/analytics.html"


def chart_data(analytics: Analytics) -> dict:
    """What analytics.js draws (money as decimal strings: the chart parses them for drawing only)."""
    return {
        "labels": {
            "actual": _("实际支出"),
            "budget": _("预算"),
            "per_visitor": _("人均费用"),
            "per_visitor_day": _("人天均费用"),
            "empty": _("暂无数据"),
        },
        "trend": [[row.label, row.budget, row.actual] for row in analytics.by_period],
        "categories": [[row.label, row.budget, row.actual] for row in analytics.by_category],
        "departments": [[row.label, row.budget, row.actual] for row in analytics.by_department],
        "importance": [[row.label, row.per_visitor, row.per_visitor_day] for row in analytics.by_importance],
    }


def _invalid(request, form):
    return render(request, TEMPLATE, {"form": form, "analytics": None}, status=400)


@login_required
@require_GET
@domain_errors(back="expenses:analytics")
def analytics_view(request):
    form = analytics_filter_form(request.user, request.GET)
    if not form.is_valid():
        return _invalid(request, form)
    analytics = cached_analytics(form.filters())
    context = {
        "form": form,
        "analytics": analytics,
        "charts": chart_data(analytics),
        "query": form.query_string(),
    }
    return render(request, TEMPLATE, context)


@login_required
@require_GET
@domain_errors(back="expenses:analytics")
def analytics_export_view(request):
    """The same figures as the page, one sheet per table, for the same filters."""
    form = analytics_filter_form(request.user, request.GET)
    if not form.is_valid():
        return _invalid(request, form)
    filters = form.filters()
    handle = workbook_for(cached_analytics(filters), form.describe())
    name = f"reception-spending-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=name, content_type=XLSX)
