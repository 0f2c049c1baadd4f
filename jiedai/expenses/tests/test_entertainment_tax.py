"""policy 5.3.2 (finance's statistics), the yearly business-entertainment (业务招待费) tax summary: 企业所得税法实施
条例 第四十三条 — deductible = min(60 % of the actual spend, 5‰ of the year's revenue), the rest not deductible,
rounded half up to the fen; only the categories that count as business entertainment; the revenue finance enters,
checked, with its history."""

from decimal import Decimal

import pytest

from jiedai.core.errors import ConflictError, Forbidden, NotFound, ValidationFailed
from jiedai.core.tests.matrix_roles import add_outsider
from jiedai.expenses.models import ExpenseCategory, YearRevenue, YearRevenueHistory
from jiedai.expenses.seeds import ENTERTAINMENT, ensure_categories
from jiedai.expenses.selectors_tax import entertainment_tax_summary, tax_year
from jiedai.expenses.services.tax import revenue_set
from jiedai.expenses.tests.oversight_factories import spent_visit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _year(reception) -> int:
    from jiedai.receptions.models import LOCAL_TZ

    return reception.visit_start.astimezone(LOCAL_TZ).year


def test_the_seeded_categories_say_whether_they_are_entertainment():
    """Catering, gifts and the guests' transport and lodging are 业务招待费; venue setup (会议费) and printed
    materials (业务宣传费) are not. The data migration flagged them; administration may change the flag."""
    flags = dict(ExpenseCategory.objects.values_list("code", "counts_as_entertainment"))
    assert flags == {
        "transport": True,
        "catering": True,
        "lodging": True,
        "venue": False,
        "materials": False,
        "gifts": True,
    }
    assert ENTERTAINMENT == {code for code, flag in flags.items() if flag}


def test_summary_counts_entertainment_only_and_shows_sixty_percent_without_revenue(people):
    ensure_categories()
    reception = spent_visit(people, [("catering", "1000.00"), ("venue", "500.00")])
    (row,) = entertainment_tax_summary(_year(reception))
    assert (row.actual, row.reception_spend, row.sixty_percent) == (
        Decimal("1000.00"),
        Decimal("1500.00"),
        Decimal("600.00"),
    )
    assert row.cap is None and not row.cap_known and row.deductible is None and row.non_deductible is None


def test_the_cap_or_the_sixty_percent_whichever_is_lower(people):
    ensure_categories()
    reception = spent_visit(people, [("catering", "1000.00")])
    year = _year(reception)
    revenue_set(year=year, revenue="100000.00", by=people["fin_clerk"])  # 5‰ = 500 < 600
    (row,) = entertainment_tax_summary(year)
    assert (row.cap, row.deductible, row.non_deductible, row.capped) == (
        Decimal("500.00"),
        Decimal("500.00"),
        Decimal("500.00"),
        True,
    )
    revenue_set(year=year, revenue="200000.00", by=people["fin_clerk"], expected_version=1)  # 5‰ = 1000 > 600
    (row,) = entertainment_tax_summary(year)
    assert (row.cap, row.deductible, row.non_deductible, row.capped) == (
        Decimal("1000.00"),
        Decimal("600.00"),
        Decimal("400.00"),
        False,
    )


def test_money_is_exact_in_the_yearly_sum(people):
    """0.10 + 0.20 = 0.30 on both engines; 60 % of it 0.18."""
    ensure_categories()
    reception = spent_visit(people, [("catering", "0.10"), ("gifts", "0.20")])
    (row,) = entertainment_tax_summary(_year(reception))
    assert (row.actual, row.sixty_percent) == (Decimal("0.30"), Decimal("0.18"))


@pytest.mark.parametrize(
    ("actual", "revenue", "sixty", "cap", "deductible", "rest"),
    [
        ("100.01", "1000000.00", "60.01", "5000.00", "60.01", "40.00"),  # 60.006 → 60.01
        ("0.05", None, "0.03", None, None, None),  # 0.03 exactly
        ("0.01", None, "0.01", None, None, None),  # 0.006 → 0.01
        ("100.00", "1.00", "60.00", "0.01", "0.01", "99.99"),  # 5‰ of 1.00 = 0.005 → 0.01 (half up)
        ("100.00", "0.00", "60.00", "0.00", "0.00", "100.00"),  # no revenue at all: nothing deductible
    ],
)
def test_rounding_half_up_to_the_fen(actual, revenue, sixty, cap, deductible, rest):
    entered = YearRevenue(year=2026, revenue=Decimal(revenue)) if revenue is not None else None
    row = tax_year(2026, actual=Decimal(actual), reception_spend=Decimal(actual), revenue=entered)
    expected = [Decimal(v) if v is not None else None for v in (sixty, cap, deductible, rest)]
    assert [row.sixty_percent, row.cap, row.deductible, row.non_deductible] == expected
    if row.deductible is not None:
        assert row.deductible + row.non_deductible == row.actual


def test_revenue_history_and_conflicts(people):
    fin = people["fin_clerk"]
    row = revenue_set(year=2026, revenue="1000.00", by=fin)
    row = revenue_set(year="2026", revenue="2000.50", by=fin, expected_version=1)
    assert (row.revenue, row.version) == (Decimal("2000.50"), 2)
    assert list(YearRevenueHistory.objects.values_list("previous", "revenue")) == [
        (None, Decimal("1000.00")),
        (Decimal("1000.00"), Decimal("2000.50")),
    ]
    with pytest.raises(ConflictError):
        revenue_set(year=2026, revenue="3000.00", by=fin, expected_version=1)
    with pytest.raises(ConflictError):  # "no revenue yet" read, but someone entered it
        revenue_set(year=2026, revenue="3000.00", by=fin, expected_version=0)
    assert YearRevenue.objects.get().revenue == Decimal("2000.50")


@pytest.mark.parametrize(
    ("year", "revenue", "field"),
    [
        (2026, "-1.00", "revenue"),  # negative
        (2026, "100.001", "revenue"),  # three decimals
        (2026, "一百万", "revenue"),  # text
        (2026, "", "revenue"),
        (2026, "NaN", "revenue"),
        (2026, "1e20", "revenue"),  # beyond what the column holds
        ("二〇二六", "100.00", "year"),
        (1999, "100.00", "year"),
    ],
)
def test_bad_revenue_is_refused_and_nothing_is_saved(people, year, revenue, field):
    with pytest.raises(ValidationFailed) as caught:
        revenue_set(year=year, revenue=revenue, by=people["fin_clerk"])
    assert caught.value.errors[field][0]
    assert not YearRevenue.objects.exists() and not YearRevenueHistory.objects.exists()


def test_only_finance_enters_revenue(people):
    add_outsider(people)
    with pytest.raises(Forbidden):  # the GM reads the summary, finance enters the revenue
        revenue_set(year=2026, revenue="1.00", by=people["gm"])
    for who in ("sales_head", "sales_rep", "qa_inspector", "admin_clerk"):
        with pytest.raises(NotFound):
            revenue_set(year=2026, revenue="1.00", by=people[who])
    assert revenue_set(year=2026, revenue="1.00", by=people["sysadmin"]).pk
