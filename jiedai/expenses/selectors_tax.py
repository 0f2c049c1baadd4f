"""The yearly business-entertainment (业务招待费) summary for the enterprise income tax (policy 5.3.2: finance's
statistics of reception spending). 企业所得税法实施条例 第四十三条: 60 % of the actual spend is deductible, but no
more than 5‰ of the year's sales (operating) revenue — deductible = min(0.6 × actual, 0.005 × revenue), the rest
is not deductible; each rounded half up to the fen, and deductible + non-deductible = actual.

Actual spend: the approved amounts of the lines of approved and paid claims whose category counts as business
entertainment (ExpenseCategory.counts_as_entertainment), in the year the visit began (Asia/Shanghai) — the year the
expense was incurred. Summed in the database on whole fen (analytics_sql), so SQLite and PostgreSQL agree."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.db.models.functions import ExtractYear
from django.utils import timezone

from jiedai.expenses.analytics_sql import sum_fen, yuan
from jiedai.expenses.models import ClaimLine, YearRevenue
from jiedai.expenses.selectors_anomalies import SPENT_CLAIMS
from jiedai.receptions.models import LOCAL_TZ

CENT = Decimal("0.01")
DEDUCTIBLE_SHARE = Decimal("0.6")
REVENUE_CAP = Decimal("0.005")


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class TaxYear:
    year: int
    reception_spend: Decimal  # all categories, for context
    actual: Decimal  # business entertainment
    sixty_percent: Decimal
    revenue: Decimal | None
    cap: Decimal | None  # 5‰ of revenue; None: revenue not entered, the cap is unknown
    revenue_version: int | None = None

    @property
    def cap_known(self) -> bool:
        return self.cap is not None

    @property
    def deductible(self) -> Decimal | None:
        return None if self.cap is None else min(self.sixty_percent, self.cap)

    @property
    def non_deductible(self) -> Decimal | None:
        return None if self.cap is None else self.actual - self.deductible

    @property
    def capped(self) -> bool:
        """The 5‰ cap, not the 60 %, sets the deductible amount."""
        return self.cap is not None and self.cap < self.sixty_percent


def tax_year(year: int, *, actual: Decimal, reception_spend: Decimal, revenue: YearRevenue | None) -> TaxYear:
    """One year's figures from its actual spend and the revenue finance entered (if any)."""
    return TaxYear(
        year=year,
        reception_spend=reception_spend,
        actual=actual,
        sixty_percent=_round(actual * DEDUCTIBLE_SHARE),
        revenue=revenue.revenue if revenue else None,
        cap=_round(revenue.revenue * REVENUE_CAP) if revenue else None,
        revenue_version=revenue.version if revenue else None,
    )


def entertainment_tax_summary(year: int | None = None) -> list[TaxYear]:
    """Every year with reception spending or revenue entered, and the current year, newest first; only `year` when
    given. Two queries."""
    lines = ClaimLine.objects.filter(claim__status__in=SPENT_CLAIMS).annotate(
        year=ExtractYear("claim__reception__visit_start", tzinfo=LOCAL_TZ)
    )
    revenues = YearRevenue.objects.all()
    if year is not None:
        lines, revenues = lines.filter(year=year), revenues.filter(year=year)
    spend = {
        row["year"]: row
        for row in lines.order_by()
        .values("year")
        .annotate(
            actual=sum_fen("amount_approved", filter=Q(category__counts_as_entertainment=True)),
            total=sum_fen("amount_approved"),
        )
    }
    entered = {r.year: r for r in revenues}
    years = {*spend, *entered, year if year is not None else timezone.localdate().year}
    return [
        tax_year(
            y,
            actual=yuan(spend[y]["actual"]) if y in spend else yuan(0),
            reception_spend=yuan(spend[y]["total"]) if y in spend else yuan(0),
            revenue=entered.get(y),
        )
        for y in sorted((y for y in years if y is not None), reverse=True)
    ]
