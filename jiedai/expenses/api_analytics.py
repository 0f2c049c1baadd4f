"""/api/v1/finance/analytics: the finance analytics (policy 5.3.2) over JSON — the figures the page shows, for the
same filters (query parameters: granularity, start, end, department, importance, category), money as decimal
strings. Who sees what is expenses.access.analytics_departments_for: finance, the general manager and the
superuser everything; a department head or supervising leader their departments; everyone else 404. A bad filter
is a 400 with the field's message (the page's filter form checks it)."""

import datetime

from django.http import QueryDict
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from jiedai.core.api_schema import Text, error_responses, local
from jiedai.core.errors import NotFound, ValidationFailed
from jiedai.expenses.analytics_cache import cached_analytics
from jiedai.expenses.api_common import money_str
from jiedai.expenses.forms_analytics import AnalyticsFilterForm, analytics_filter_form
from jiedai.expenses.selectors_analytics import Analytics, Row

router = Router(tags=["finance"])


class BadFilter(ValidationFailed):
    """A filter the form refuses (unknown granularity, a date that is not one, end before start...): 400."""

    status_code = 400


# Any string up to 64 characters reaches the page's filter form, so a bad value gets its message with a 400 (only
# something longer is refused by the schema, 422).
Param = Text(64)


class AnalyticsFilters(Schema):
    """Strings, checked by the page's filter form (so the API and the page give the same messages)."""

    granularity: Param = Field("", description="month (default), quarter or year")
    start: Param = Field("", description="YYYY-MM-DD; default 1 January of the current year (Asia/Shanghai)")
    end: Param = Field("", description="YYYY-MM-DD, inclusive; default 31 December of the current year")
    department: Param = Field("", description="a department's id (one the caller may see)")
    importance: Param = Field("", description="normal, important or major")
    category: Param = Field("", description="an expense category's id")


class FilterOut(Schema):
    granularity: str
    start: datetime.date
    end: datetime.date
    department: int | None
    importance: str
    category: int | None


class RowOut(Schema):
    key: str | None = Field(description="the period's first day, the department's id, the importance, the client")
    label: str
    visits: int
    budget: str = Field(description="approved budgets + approved supplementary budgets")
    actual: str = Field(description="approved amounts of the lines of approved or paid claims")
    variance: str = Field(description="actual − budget (above 0: over budget)")
    utilisation: str | None = Field(description="actual as a percentage of the budget")
    visitors: int = Field(description="visitors of the visits with spending")
    visitor_days: int
    per_visitor: str | None
    per_visitor_day: str | None


class CategoryOut(Schema):
    id: int
    label: str
    budget: str
    actual: str
    variance: str


class VisitOut(Schema):
    id: int
    number: str
    purpose: str
    department: str
    importance: str
    visit_start: datetime.datetime
    visitors: int | None
    days: int | None
    budget: str
    actual: str
    variance: str


class SupplementaryOut(Schema):
    department: str
    count: int
    visits: int
    amount: str


class WaitingOut(Schema):
    step: str
    order: int
    claims: int
    oldest_since: datetime.datetime | None
    oldest_days: str | None
    average_days: str | None


class AnalyticsOut(Schema):
    filters: FilterOut
    totals: RowOut
    claims_waiting: int
    by_period: list[RowOut]
    by_department: list[RowOut]
    by_importance: list[RowOut]
    by_client: list[RowOut] = Field(description="the 20 client organisations that cost the most")
    by_category: list[CategoryOut]
    top_visits: list[VisitOut] = Field(description="the 20 visits most over budget")
    supplementary: list[SupplementaryOut]
    waiting: list[WaitingOut] = Field(description="claims waiting now at each approval step")


def _row(row: Row) -> dict:
    return {
        "key": None if row.key is None else str(row.key),
        "label": row.label,
        "visits": row.visits,
        "budget": money_str(row.budget),
        "actual": money_str(row.actual),
        "variance": money_str(row.variance),
        "utilisation": money_str(row.utilisation),
        "visitors": row.visitors,
        "visitor_days": row.visitor_days,
        "per_visitor": money_str(row.per_visitor),
        "per_visitor_day": money_str(row.per_visitor_day),
    }


def _days(value) -> str | None:
    return None if value is None else f"{value:.1f}"


def _render(analytics: Analytics) -> dict:
    f = analytics.filters
    return {
        "filters": {
            "granularity": f.granularity,
            "start": f.start,
            "end": f.end,
            "department": f.department_id,
            "importance": f.importance,
            "category": f.category_id,
        },
        "totals": _row(analytics.totals),
        "claims_waiting": analytics.claims_waiting,
        "by_period": [_row(row) for row in analytics.by_period],
        "by_department": [_row(row) for row in analytics.by_department],
        "by_importance": [_row(row) for row in analytics.by_importance],
        "by_client": [_row(row) for row in analytics.by_client],
        "by_category": [
            {
                "id": row.key,
                "label": row.label,
                "budget": money_str(row.budget),
                "actual": money_str(row.actual),
                "variance": money_str(row.variance),
            }
            for row in analytics.by_category
        ],
        "top_visits": [
            {
                "id": visit.id,
                "number": visit.number,
                "purpose": visit.purpose,
                "department": visit.department,
                "importance": visit.importance,
                "visit_start": local(visit.visit_start),
                "visitors": visit.visitors,
                "days": visit.days,
                "budget": money_str(visit.budget),
                "actual": money_str(visit.actual),
                "variance": money_str(visit.variance),
            }
            for visit in analytics.top_visits
        ],
        "supplementary": [
            {"department": r.department, "count": r.count, "visits": r.visits, "amount": money_str(r.amount)}
            for r in analytics.supplementary
        ],
        "waiting": [
            {
                "step": r.step,
                "order": r.order,
                "claims": r.claims,
                "oldest_since": local(r.oldest_since),
                "oldest_days": _days(r.oldest_days),
                "average_days": _days(r.average_days),
            }
            for r in analytics.waiting
        ],
    }


@router.get(
    "/finance/analytics",
    response={200: AnalyticsOut, **error_responses(400, 401, 404, 422)},
    summary="接待费用分析",
)
def analytics_endpoint(request, filters: Query[AnalyticsFilters]):
    """Reception spending for the filters: totals, by period, department, importance, client and category, the
    visits most over budget, supplementary budgets per department and the claims waiting for approval."""
    return _render(cached_analytics(valid_filter_form(request.auth, filters).filters()))


def valid_filter_form(user, filters: AnalyticsFilters) -> AnalyticsFilterForm:
    """The page's filter form on the API's filters, valid (else 400 with the form's messages), for a caller who may
    analyse some spending (else 404)."""
    query = QueryDict(mutable=True)
    query.update({name: value for name, value in filters.dict().items() if value})
    try:
        form = analytics_filter_form(user, query)
    except NotFound:
        raise NotFound(_("接口不存在。")) from None  # the API's own 404 message
    if not form.is_valid():
        raise BadFilter(_("筛选条件有误。"), errors=form.error_dict())
    return form
