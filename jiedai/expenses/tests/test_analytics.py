"""policy 5.3.2: finance analyses reception spending — by period, department, category, client and importance;
budget (approved budget + approved supplementary budgets, 5.1/5.3.1) against actual (approved amounts of approved
or paid claims, 5.2), the variance; cost per visitor and per visitor-day; supplementary budgets per department;
claims waiting at each approval step. Summed in the database, exact to the fen on SQLite and PostgreSQL, in a fixed
number of queries."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from jiedai.approvals.models import ApprovalTask, TaskStatus
from jiedai.core.models import SystemSetting
from jiedai.expenses.models import ExpenseCategory
from jiedai.expenses.seeds import ensure_categories
from jiedai.expenses.selectors_analytics import (
    AnalyticsFilter,
    Granularity,
    all_visits,
    analytics_for,
    period_starts,
    visits_with_money,
)
from jiedai.expenses.tests.analytics_factories import budget, claim, extra, visit
from jiedai.org.models import Department
from jiedai.receptions.models import LOCAL_TZ

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def categories(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ensure_categories()  # transactional tests flush what the data migration seeded
    return {c.code: c for c in ExpenseCategory.objects.all()}


def window(**overrides) -> AnalyticsFilter:
    """A range around the visits the tests make (40–120 days ahead)."""
    today = timezone.now().astimezone(LOCAL_TZ).date()
    values = {"granularity": Granularity.MONTH, "start": today, "end": today + timedelta(days=400)}
    values.update(overrides)
    return AnalyticsFilter(**values)


def test_money_is_exact_on_this_engine(people):
    """0.10 + 0.20 is 0.30 — and ten lines of 0.10 are 1.00 — on SQLite (REAL) as on PostgreSQL (numeric)."""
    reception = visit(people)
    budget(people, reception, {"catering": "0.10", "transport": "0.20", "gifts": "0.70"})
    claim(people, reception, {"catering": "0.10", "transport": "0.20"})
    for _ in range(7):
        claim(people, reception, {"gifts": "0.10"})
    totals = analytics_for(window()).totals
    assert totals.actual == Decimal("1.00") and str(totals.actual) == "1.00"
    assert totals.budget == Decimal("1.00") and totals.variance == Decimal("0.00")
    actual = {row.label: row.actual for row in analytics_for(window()).by_category if row.actual}
    assert actual == {"餐饮费": Decimal("0.10"), "交通费": Decimal("0.20"), "礼品费": Decimal("0.70")}


def test_large_sums_stay_exact(people):
    """Amounts near the field's 14 digits add up to the fen."""
    reception = visit(people)
    budget(people, reception, {"venue": "999999999.99", "catering": "0.01"})
    claim(people, reception, {"venue": "999999999.99", "catering": "0.01"}, stage="paid")
    assert analytics_for(window()).totals.actual == Decimal("1000000000.00")


def test_actual_is_the_approved_amount_of_approved_or_paid_claims_only(people):
    """policy 5.2.2–5.2.3: pending, returned or draft claims do not count; a line finance lowered counts at what
    it approved; paid claims count like approved ones."""
    reception = visit(people)
    budget(people, reception, {"catering": "1000.00", "transport": "1000.00"})
    claim(people, reception, {"catering": "300.00"}, stage="approved", lower={"catering": "250.00"})
    claim(people, reception, {"catering": "100.00"}, stage="paid")
    claim(people, reception, {"transport": "50.00"}, stage="pending")
    claim(people, reception, {"transport": "60.00"}, stage="audit")
    claim(people, reception, {"transport": "70.00"}, stage="draft")
    totals = analytics_for(window()).totals
    assert totals.actual == Decimal("350.00")
    assert totals.budget == Decimal("2000.00")
    assert totals.variance == Decimal("-1650.00") and totals.utilisation == Decimal("17.50")


def test_budget_adds_approved_supplementary_budgets_only(people):
    """policy 5.3.1: the budget is the approved budget plus approved supplementary budgets; a pending one does not
    count yet. Supplementary budgets are counted per department."""
    reception = visit(people)
    budget(people, reception, {"catering": "100.00"})
    extra(people, reception, {"catering": "20.00", "gifts": "5.00"})
    extra(people, reception, {"catering": "30.00"}, approve=False)
    other = visit(people, days_ahead=50)
    budget(people, other, {"catering": "10.00"})
    extra(people, other, {"lodging": "7.50"})
    analytics = analytics_for(window())
    assert analytics.totals.budget == Decimal("142.50")
    (sales,) = analytics.supplementary
    assert (sales.department, sales.count, sales.visits, sales.amount) == ("销售部", 2, 2, Decimal("32.50"))
    by_category = {row.label: row.budget for row in analytics.by_category}
    assert by_category["餐饮费"] == Decimal("130.00") and by_category["礼品费"] == Decimal("5.00")


def test_variance_flags_the_visits_over_budget(people):
    """policy 5.3.2: variance = actual − budget; the visits most over budget come first."""
    SystemSetting.objects.update_or_create(key="overrun_tolerance", defaults={"value": "100.00"})
    within = visit(people)
    budget(people, within, {"catering": "500.00"})
    claim(people, within, {"catering": "400.00"})
    over = visit(people, days_ahead=45)
    budget(people, over, {"catering": "500.00"})
    claim(people, over, {"catering": "560.00"})
    most = visit(people, days_ahead=46)
    budget(people, most, {"catering": "100.00"})
    claim(people, most, {"catering": "190.00"})
    analytics = analytics_for(window())
    assert [(v.id, v.variance) for v in analytics.top_visits] == [
        (most.pk, Decimal("90.00")),
        (over.pk, Decimal("60.00")),
    ]
    assert analytics.totals.variance == Decimal("50.00") and analytics.totals.over_budget


def test_cost_per_visitor_and_per_visitor_day(people):
    """Actual ÷ visitors, and ÷ visitors × days of stay (local calendar days, both ends); a visit without
    spending does not dilute the figures."""
    three_days = visit(people, visitors=4, days=3)
    budget(people, three_days, {"catering": "1000.00"})
    claim(people, three_days, {"catering": "600.00"})
    one_day = visit(people, days_ahead=41, visitors=2, days=1)
    budget(people, one_day, {"catering": "1000.00"})
    claim(people, one_day, {"catering": "100.00"})
    no_spending = visit(people, days_ahead=42, visitors=50)
    budget(people, no_spending, {"catering": "1000.00"})
    totals = analytics_for(window()).totals
    assert (totals.visits, totals.visits_spent, totals.visitors, totals.visitor_days) == (3, 2, 6, 14)
    assert totals.per_visitor == Decimal("116.67")  # 700 / 6, rounded half up
    assert totals.per_visitor_day == Decimal("50.00")  # 700 / (4 × 3 + 2 × 1)


def test_days_of_stay_count_local_dates(people):
    """A visit from 22:00 to 04:00 the next morning (Beijing) stays two local days, as Reception.days_of_stay."""
    reception = visit(people, hour=22)
    assert reception.days_of_stay == 2
    assert visits_with_money(window()).get().days == 2


def test_periods_bucket_by_the_visits_local_start(people):
    """Month, quarter and year buckets on both engines, by the local (Shanghai) start date; empty periods show."""
    first = visit(people, days_ahead=40)
    later = visit(people, days_ahead=130)
    for reception, amount in ((first, "10.00"), (later, "20.00")):
        budget(people, reception, {"catering": amount})
        claim(people, reception, {"catering": amount})
    start = first.visit_start.astimezone(LOCAL_TZ).date().replace(day=1)
    end = later.visit_start.astimezone(LOCAL_TZ).date()
    rows = analytics_for(window(start=start, end=end)).by_period
    assert rows[0].key == start and rows[0].actual == Decimal("10.00")
    assert rows[-1].key == end.replace(day=1) and rows[-1].actual == Decimal("20.00")
    assert len(rows) >= 4 and all(r.actual == 0 for r in rows[1:-1])
    for granularity in (Granularity.QUARTER, Granularity.YEAR):
        rows = analytics_for(window(start=start, end=end, granularity=granularity)).by_period
        assert sum(r.actual for r in rows) == Decimal("30.00")
        assert [r.key for r in rows] == period_starts(window(start=start, end=end, granularity=granularity))


def test_a_visit_at_local_midnight_falls_in_its_local_month(people):
    """00:30 on the 1st in Beijing is the previous day in UTC: the bucket follows the local date."""
    reception = visit(people, hour=0, days_ahead=70)
    local = reception.visit_start.astimezone(LOCAL_TZ)
    assert reception.visit_start.astimezone(timezone.UTC).date() != local.date()
    rows = analytics_for(window(start=local.date(), end=local.date())).by_period
    assert [(r.key, r.visits) for r in rows] == [(local.date().replace(day=1), 1)]


def test_period_starts_cover_the_range():
    f = AnalyticsFilter(granularity=Granularity.QUARTER, start=date(2026, 2, 10), end=date(2026, 11, 3))
    assert period_starts(f) == [date(2026, 1, 1), date(2026, 4, 1), date(2026, 7, 1), date(2026, 10, 1)]
    f = AnalyticsFilter(granularity=Granularity.YEAR, start=date(2025, 12, 31), end=date(2026, 1, 1))
    assert period_starts(f) == [date(2025, 1, 1), date(2026, 1, 1)]


def test_by_department_importance_and_client(people):
    """Each grouping adds up to the total; the client is the visit's first listed client's organisation."""
    normal = visit(people, organization="华东精密机械有限公司")
    budget(people, normal, {"catering": "100.00"})
    claim(people, normal, {"catering": "80.00"})
    important = visit(people, important=True, days_ahead=44, organization="西南能源集团")
    budget(people, important, {"catering": "300.00"})
    claim(people, important, {"catering": "250.00"})
    analytics = analytics_for(window())
    assert [(r.label, r.actual) for r in analytics.by_importance] == [
        ("一般", Decimal("80.00")),
        ("重要", Decimal("250.00")),
    ]
    assert [(r.label, r.actual) for r in analytics.by_client] == [
        ("西南能源集团", Decimal("250.00")),
        ("华东精密机械有限公司", Decimal("80.00")),
    ]
    (sales,) = analytics.by_department
    assert (sales.label, sales.visits, sales.budget, sales.actual) == (
        "销售部",
        2,
        Decimal("400.00"),
        Decimal("330.00"),
    )


def test_filters_narrow_every_figure(people, categories):
    """Department, importance and category filters; the departments the user may see bound everything."""
    reception = visit(people)
    budget(people, reception, {"catering": "100.00", "transport": "50.00"})
    claim(people, reception, {"catering": "80.00", "transport": "40.00"})
    sales = Department.objects.get(code="sales")
    tech = Department.objects.get(code="tech")
    assert analytics_for(window(category_id=categories["transport"].pk)).totals.actual == Decimal("40.00")
    assert [r.label for r in analytics_for(window(category_id=categories["transport"].pk)).by_category] == ["交通费"]
    assert analytics_for(window(importance="important")).totals.visits == 0
    assert analytics_for(window(department_id=sales.pk)).totals.actual == Decimal("120.00")
    assert analytics_for(window(departments=frozenset({tech.pk}))).totals.actual == Decimal("0.00")
    assert analytics_for(window(departments=frozenset({tech.pk}))).by_category == []
    assert analytics_for(window(start=date(2000, 1, 1), end=date(2000, 12, 31))).totals.visits == 0


def test_claims_waiting_at_each_step_and_for_how_long(people):
    """policy 5.2.2–5.2.3: how many claims wait at each step of the reimbursement flow and since when; one claim
    counts once at a step however many people it asks. (In the demo company finance's payment step is skipped as
    a repeated approver, so an approved claim waits nowhere.)"""
    reception = visit(people)
    budget(people, reception, {"catering": "1000.00"})
    at_head = claim(people, reception, {"catering": "10.00"}, stage="pending")
    at_finance = claim(people, reception, {"catering": "20.00"}, stage="audit")
    claim(people, reception, {"catering": "30.00"}, stage="audit")
    claim(people, reception, {"catering": "40.00"}, stage="approved")
    now = timezone.now()
    pending = ApprovalTask.objects.filter(document_type="reimbursement", status=TaskStatus.PENDING)
    pending.filter(document_id=at_head.pk).update(created_at=now - timedelta(days=4))
    pending.filter(document_id=at_finance.pk).update(created_at=now - timedelta(days=3))
    analytics = analytics_for(window())
    assert [(row.step, row.claims) for row in analytics.waiting] == [("部门负责人签字确认", 1), ("财务审核", 2)]
    head, finance = analytics.waiting
    assert head.oldest_days == Decimal("4.0") and head.average_days == Decimal("4.0")
    assert finance.oldest_days == Decimal("3.0") and finance.average_days == Decimal("1.5")
    assert analytics.claims_waiting == 3
    tech = Department.objects.get(code="tech")
    assert analytics_for(window(departments=frozenset({tech.pk}))).waiting == []


def test_every_visit_streams_for_the_export(people):
    first = visit(people)
    budget(people, first, {"catering": "10.00"})
    second = visit(people, days_ahead=41)
    rows = list(all_visits(window()))
    assert [(r.id, r.budget, r.actual) for r in rows] == [
        (first.pk, Decimal("10.00"), Decimal("0.00")),
        (second.pk, Decimal("0.00"), Decimal("0.00")),
    ]


ANALYTICS_QUERIES = 5


def _spend_on(people, count: int):
    for i in range(count):
        reception = visit(people, days_ahead=40 + i, important=i % 2 == 1, organization=f"客户单位{i}")
        budget(people, reception, {"catering": "100.00", "transport": "10.00"})
        extra(people, reception, {"catering": "5.00"})
        claim(people, reception, {"catering": "90.00", "transport": "5.00"}, stage="paid" if i % 2 else "approved")
        claim(people, reception, {"catering": "1.00"}, stage="pending")


def test_the_number_of_queries_is_fixed(people, django_assert_num_queries):
    """Five queries whatever the data size: at one visit and at many."""
    _spend_on(people, 1)
    with django_assert_num_queries(ANALYTICS_QUERIES):
        one = analytics_for(window())
    _spend_on(people, 6)
    with django_assert_num_queries(ANALYTICS_QUERIES):
        many = analytics_for(window())
    assert one.totals.visits == 1 and many.totals.visits == 7
    assert many.totals.actual == Decimal("665.00") and many.claims_waiting == 7
