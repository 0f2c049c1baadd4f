"""policy 5.3.2: 财务部门定期对公司接待费用进行统计和分析，及时发现费用支出中存在的问题 — the four kinds of anomaly,
each found just above its boundary and not at it, with exact money on both engines; the scan is idempotent, runs
every morning and for the visit after a claim is approved."""

from datetime import timedelta
from decimal import Decimal

import pytest

from jiedai.core.models import SystemSetting
from jiedai.expenses.models import Anomaly, AnomalyKind, AnomalyStatus, CostStandard, ExpenseCategory
from jiedai.expenses.seeds import ensure_categories
from jiedai.expenses.selectors_anomalies import MIN_VISITS, department_percentiles, find_anomalies
from jiedai.expenses.services.anomalies import anomalies_scan, investigation_save
from jiedai.expenses.tests.oversight_factories import (
    CLAIM_APPROVERS,
    claim_for,
    decide_all,
    local_start,
    spent_visit,
    visit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def categories(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ensure_categories()  # transactional tests flush what the data migration seeded
    return {c.code: c for c in ExpenseCategory.objects.all()}


def _kinds(kind, reception_ids=None):
    return {f.subject: f for f in find_anomalies(reception_ids) if f.kind == kind}


def _standard(categories, code, unit, limit, importance=""):
    return CostStandard.objects.create(
        category=categories[code], unit=unit, limit=Decimal(limit), importance=importance
    )


# ------------------------------------------------------------------------------------------------- over budget


def test_over_budget_only_above_the_approved_budget(people):
    """policy 5.3.1, 5.3.2: a tolerance lets a claim a little over the budget through; it is still flagged — and a
    visit that spent exactly its budget is not."""
    SystemSetting.objects.update_or_create(key="overrun_tolerance", defaults={"value": "1.00"})
    exact = visit(people)
    claim_for(people, exact, [("catering", "100.00")], budget={"catering": "100.00"})
    over = visit(people)
    claim_for(people, over, [("catering", "100.01")], budget={"catering": "100.00"})
    found = _kinds(AnomalyKind.OVER_BUDGET)
    assert set(found) == {f"reception:{over.pk}"}
    assert found[f"reception:{over.pk}"].figures == {"spent": "100.01", "allowed": "100.00", "gap": "0.01"}


def test_money_is_exact_in_the_database(people):
    """0.10 + 0.20 is 0.30 on SQLite too (a REAL sum would be 0.30000000000000004, above a 0.30 budget)."""
    reception = visit(people)
    claim_for(people, reception, [("catering", "0.10"), ("catering", "0.20")], budget={"catering": "0.30"})
    assert _kinds(AnomalyKind.OVER_BUDGET) == {}
    SystemSetting.objects.update_or_create(key="overrun_tolerance", defaults={"value": "0.01"})
    other = visit(people)
    claim_for(people, other, [("catering", "0.10"), ("catering", "0.21")], budget={"catering": "0.30"})
    assert _kinds(AnomalyKind.OVER_BUDGET)[f"reception:{other.pk}"].figures["spent"] == "0.31"


def test_pending_claims_do_not_count_as_spent(people):
    SystemSetting.objects.update_or_create(key="overrun_tolerance", defaults={"value": "10.00"})
    reception = visit(people)
    claim_for(people, reception, [("catering", "105.00")], budget={"catering": "100.00"}, approve=False)
    assert _kinds(AnomalyKind.OVER_BUDGET) == {}


# ------------------------------------------------------------------------------------------- lines over standard


def test_claim_line_above_a_per_line_standard(people, categories):
    """policy 1.3.4, 5.3.2: the company's standards apply to what is claimed as they do to the budget."""
    _standard(categories, "venue", "per_line", "3000.00")
    at = spent_visit(people, [("venue", "3000.00")])
    above = spent_visit(people, [("venue", "3000.01")])
    found = _kinds(AnomalyKind.OVER_STANDARD)
    assert [f.reception_id for f in found.values()] == [above.pk]
    (finding,) = found.values()
    assert finding.figures["breaches"] == [{"unit": "per_line", "limit": "3000.00", "value": "3000.01"}]
    assert finding.claim_line_id and finding.claim_id
    assert at.pk not in {f.reception_id for f in found.values()}


def test_per_person_standard_reads_the_amount_per_visitor(people, categories):
    """Gifts at ¥300 per person for 3 visitors: ¥900.01 is ¥300.00 each (rounded half up), ¥900.02 is ¥300.01."""
    _standard(categories, "gifts", "per_person", "300.00")
    spent_visit(people, [("gifts", "900.01")], visitors=3)
    above = spent_visit(people, [("gifts", "900.02")], visitors=3)
    (finding,) = _kinds(AnomalyKind.OVER_STANDARD).values()
    assert finding.reception_id == above.pk
    assert finding.figures["breaches"][0]["value"] == "300.01"


def test_standards_claims_cannot_read_are_left_to_the_budget(people, categories):
    """A claim line has no meal or room-night count: those standards are checked on the budget lines only."""
    _standard(categories, "catering", "per_head_meal", "10.00")
    spent_visit(people, [("catering", "5000.00")])
    assert _kinds(AnomalyKind.OVER_STANDARD) == {}


def test_the_importance_specific_standard_wins(people, categories):
    _standard(categories, "venue", "per_line", "3000.00")
    _standard(categories, "venue", "per_line", "5000.00", importance="important")
    important = spent_visit(people, [("venue", "4000.00")], important=True)
    normal = spent_visit(people, [("venue", "4000.00")])
    assert {f.reception_id for f in _kinds(AnomalyKind.OVER_STANDARD).values()} == {normal.pk}
    assert important.pk != normal.pk


def test_a_submitted_claim_is_checked_on_its_claimed_amount(people, categories):
    """Before approval finance sees the breach during its audit (a draft is not looked at)."""
    _standard(categories, "venue", "per_line", "3000.00")
    pending = claim_for(people, visit(people), [("venue", "3500.00")], approve=False)
    claim_for(people, visit(people), [("venue", "3500.00")], submit=False)
    (finding,) = _kinds(AnomalyKind.OVER_STANDARD).values()
    assert finding.claim_id == pending.pk and finding.figures["claim_status"] == "pending_approval"


# --------------------------------------------------------------------------------------- invoices outside the visit


def test_invoice_dates_outside_the_visit_on_shanghai_dates(people):
    """policy 5.2.2, 5.3.2: the visit starts at 00:30 in Shanghai — still the previous day in UTC — and ends the
    next day: invoices of those two days are fine, the day before and the day after are flagged."""
    start = local_start(hour=0, minute=30)
    reception = visit(people, start=start, days=2)
    first = start.date()
    dates = {first - timedelta(days=1): True, first: False, first + timedelta(days=1): False}
    dates[first + timedelta(days=2)] = True
    for day in dates:
        claim_for(
            people, reception, [("catering", "10.00")], budget={"catering": "100.00"}, invoice_date=day, approve=False
        )
    found = _kinds(AnomalyKind.INVOICE_DATE)
    assert sorted(f.figures["date"] for f in found.values()) == sorted(d.isoformat() for d, bad in dates.items() if bad)
    finding = next(iter(found.values()))
    assert finding.figures["visit_start"] == first.isoformat()
    assert finding.figures["visit_end"] == (first + timedelta(days=1)).isoformat()
    assert finding.invoice_id and finding.claim_line_id


# ------------------------------------------------------------------------------------------ cost per visitor-day


def test_cost_per_visitor_day_above_the_departments_90th_percentile(people):
    """Eleven visits at ¥10 … ¥110 per visitor-day: h = 10 × 0.9 = 9, the percentile is the tenth (¥100): only
    the ¥110 visit is above it; the one at ¥100 is not."""
    visits = {}
    for n in range(1, 12):
        visits[n] = spent_visit(people, [("catering", f"{n * 10}.00")])
    (percentile,) = department_percentiles().values()
    assert (percentile.visits, percentile.value) == (11, Decimal("100.00"))
    found = _kinds(AnomalyKind.COST_OUTLIER)
    assert set(found) == {f"reception:{visits[11].pk}"}
    assert found[f"reception:{visits[11].pk}"].figures["cost_per_visitor_day"] == "110.00"


def test_percentile_interpolates_and_visitor_days_count_people_and_days(people):
    """Five visits: 2 visitors × 3 days = 6 visitor-days at ¥600.06 is ¥100.01 a day; h = 4 × 0.9 = 3.6 between the
    4th (¥100.03) and 5th (¥100.10): ¥100.03 + 0.6 × ¥0.07 = ¥100.072 → shown ¥100.07 (the comparison is exact)."""
    spent_visit(people, [("catering", "100.00")])
    spent_visit(people, [("catering", "600.06")], visitors=2, days=3)
    spent_visit(people, [("catering", "100.02")])
    spent_visit(people, [("catering", "100.03")])
    top = spent_visit(people, [("catering", "100.10")])
    (percentile,) = department_percentiles().values()
    assert percentile.value_fen == Decimal("10007.2") and percentile.value == Decimal("100.07")
    assert [f.reception_id for f in _kinds(AnomalyKind.COST_OUTLIER).values()] == [top.pk]


def test_cost_per_visitor_day_is_rounded_half_up_to_the_fen(people):
    """¥100.01 over 2 visitor-days is ¥50.005 → ¥50.01 on both engines."""
    for _n in range(MIN_VISITS - 1):
        spent_visit(people, [("catering", "10.00")])
    odd = spent_visit(people, [("catering", "100.01")], visitors=2)
    assert _kinds(AnomalyKind.COST_OUTLIER)[f"reception:{odd.pk}"].figures["cost_per_visitor_day"] == "50.01"


def test_too_few_visits_say_nothing_about_the_usual(people):
    for amount in ["10.00", "10.00", "10.00", "9999.00"][: MIN_VISITS - 1]:
        spent_visit(people, [("catering", amount)])
    assert department_percentiles() == {}
    assert _kinds(AnomalyKind.COST_OUTLIER) == {}


def test_visits_at_the_same_cost_are_not_outliers(people):
    for _n in range(MIN_VISITS):
        spent_visit(people, [("catering", "80.00")])
    assert _kinds(AnomalyKind.COST_OUTLIER) == {}


# ---------------------------------------------------------------------------------------------------- the scan


def test_the_scan_is_idempotent_and_refreshes_open_anomalies_only(people, categories):
    _standard(categories, "venue", "per_line", "3000.00")
    pending = claim_for(people, visit(people), [("venue", "3500.00")], approve=False)
    assert anomalies_scan() == {"found": 1, "added": 1, "refreshed": 0}
    assert anomalies_scan() == {"found": 1, "added": 0, "refreshed": 0}
    assert Anomaly.objects.count() == 1
    # Approved lower, still above the standard: the open anomaly shows the approved amount.
    from jiedai.expenses.services.claims import line_approve_amount

    decide_all(people, "reimbursement", pending.pk, ["sales_head"])
    line = pending.lines.get()
    line_approve_amount(line_id=line.pk, by=people["fin_clerk"], amount="3200.00", reason="超标部分核减")
    decide_all(people, "reimbursement", pending.pk, ["fin_clerk", "vp_sales", "gm"])
    assert anomalies_scan()["refreshed"] == 1
    anomaly = Anomaly.objects.get()
    assert anomaly.figures["amount"] == "3200.00" and anomaly.claim_line_id == line.pk
    # Once investigated, the anomaly keeps the figures it was opened on.
    investigation_save(anomaly_id=anomaly.pk, by=people["fin_clerk"], findings="核查中")
    CostStandard.objects.update(limit=Decimal("100.00"))
    assert anomalies_scan() == {"found": 1, "added": 0, "refreshed": 0}
    anomaly.refresh_from_db()
    assert anomaly.status == AnomalyStatus.INVESTIGATING and anomaly.figures["breaches"][0]["limit"] == "3000.00"


def test_a_scan_for_one_visit_leaves_the_others(people, categories):
    _standard(categories, "venue", "per_line", "3000.00")
    one = spent_visit(people, [("venue", "3500.00")])
    spent_visit(people, [("venue", "3500.00")])
    anomalies_scan(reception_ids=[one.pk])
    assert list(Anomaly.objects.values_list("reception_id", flat=True)) == [one.pk]


def test_approving_a_claim_scans_its_visit_on_commit(people, categories, django_capture_on_commit_callbacks):
    _standard(categories, "venue", "per_line", "3000.00")
    claim = claim_for(people, visit(people), [("venue", "3500.00")], approve=False)
    decide_all(people, "reimbursement", claim.pk, CLAIM_APPROVERS[:-1])
    assert not Anomaly.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        decide_all(people, "reimbursement", claim.pk, CLAIM_APPROVERS[-1:])  # the GM approves (Celery is eager)
    assert Anomaly.objects.get().claim_id == claim.pk


def test_the_daily_task_runs_the_scan_and_is_on_the_beat_schedule(people, categories):
    from jiedai.celery import app
    from jiedai.expenses import tasks

    _standard(categories, "venue", "per_line", "3000.00")
    spent_visit(people, [("venue", "3500.00")])
    tasks.anomalies_daily.delay()  # eager in tests
    assert Anomaly.objects.filter(kind=AnomalyKind.OVER_STANDARD).count() == 1
    entry = app.conf.beat_schedule["expenses.anomalies_daily"]
    assert entry["task"] == tasks.anomalies_daily.name and entry["schedule"] == tasks.DAILY_AT
