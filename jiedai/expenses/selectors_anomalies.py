"""Reads that find anomalies in reception spending (policy 5.3.2: 及时发现费用支出中存在的问题; 对于接待费用过高或
存在不合理支出的情况). Sums, counts and percentiles are computed in the database on whole fen (analytics_sql), so
SQLite and PostgreSQL give the same answer.

What is "spent": the approved amounts of the lines of claims that are approved or paid (SPENT_CLAIMS) — the money
the company actually pays. Before approval the submitted (pending) claims are looked at where finance can still act
on them during its audit: a line above its standard and an invoice dated outside the visit are found on the
claimed amounts of submitted claims too. Over budget and the cost per visitor-day use spent money only: the submit
check (services/overrun.py) already holds submitted claims to the budget, and a department's usual cost is made of
what was finally paid, not of what was asked."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce
from operator import or_

from django.db.models import BigIntegerField, Count, Exists, F, Func, OuterRef, Q, Subquery, Sum, Value, Window
from django.db.models.functions import Coalesce, RowNumber

from jiedai.expenses.analytics_sql import days_of_stay, fen, local_date, yuan
from jiedai.expenses.models import (
    AnomalyKind,
    BudgetLine,
    ClaimLine,
    ClaimStatus,
    CostStandard,
    Invoice,
    MoneyStatus,
    StandardUnit,
    SupplementaryLine,
)
from jiedai.expenses.selectors import applicable_standards, line_breaches
from jiedai.receptions.models import Reception

CENT = Decimal("0.01")
SPENT_CLAIMS = (ClaimStatus.APPROVED, ClaimStatus.PAID)
# Claims finance is auditing or has approved: where a line's standard and its invoices' dates are looked at.
CHECKED_CLAIMS = (ClaimStatus.PENDING_APPROVAL, *SPENT_CLAIMS)
# The cost per visitor-day is flagged above this percentile of the department's visits, and only once the
# department has at least MIN_VISITS visits with spending (fewer say nothing about what is usual).
PERCENTILE_TENTHS = 9  # the 90th percentile
MIN_VISITS = 5


@dataclass(frozen=True)
class Finding:
    """An anomaly as the scan found it; `subject` makes it unique within its kind."""

    kind: str
    subject: str
    reception_id: int
    figures: dict
    claim_id: int | None = None
    claim_line_id: int | None = None
    invoice_id: int | None = None


def _money(value) -> str:
    return f"{value:.2f}"


def _in(queryset, reception_ids, field_name="pk"):
    return queryset if reception_ids is None else queryset.filter(**{f"{field_name}__in": list(reception_ids)})


class RoundedRatio(Func):
    """ROUND(a / b) to a whole number, halves away from zero (for positive numbers: half up), computed as REAL on
    SQLite and NUMERIC on PostgreSQL; NULL when b is 0. For integers a and b the two engines agree: a true half is
    exact in a double, and a ratio of integers is never close enough to a half for the double to round it the other
    way."""

    arity = 2
    output_field = BigIntegerField()

    def _sql(self, compiler, real: str, integer: str):
        a, a_params = compiler.compile(self.source_expressions[0])
        b, b_params = compiler.compile(self.source_expressions[1])
        return f"CAST(ROUND(CAST({a} AS {real}) / NULLIF({b}, 0)) AS {integer})", (*a_params, *b_params)

    def as_sqlite(self, compiler, connection, **extra):
        return self._sql(compiler, "REAL", "INTEGER")

    def as_postgresql(self, compiler, connection, **extra):
        return self._sql(compiler, "NUMERIC", "BIGINT")


def _sum_fen_per_visit(queryset, reception_path: str, amount: str):
    """A correlated subquery: the fen sum of `amount` over `queryset`'s rows of the outer visit, 0 if none."""
    rows = (
        queryset.filter(**{reception_path: OuterRef("pk")})
        .order_by()
        .values(reception_path)
        .annotate(s=Sum(fen(amount)))
        .values("s")
    )
    return Coalesce(Subquery(rows, output_field=BigIntegerField()), Value(0), output_field=BigIntegerField())


def spent_fen():
    """What the visit spent, in fen: approved amounts of its approved and paid claims' lines."""
    return _sum_fen_per_visit(
        ClaimLine.objects.filter(claim__status__in=SPENT_CLAIMS), "claim__reception", "amount_approved"
    )


def _has_spending():
    return Exists(ClaimLine.objects.filter(claim__reception=OuterRef("pk"), claim__status__in=SPENT_CLAIMS))


# ------------------------------------------------------------------------------------------------- over budget


def over_budget(reception_ids=None) -> list[Finding]:
    """Visits that spent more than their approved budget plus approved supplementary budgets (policy 5.3.1, 5.3.2).
    The run-time tolerance lets such a claim be submitted; the overrun is still spending beyond what was approved
    in advance, so it is surfaced. One query."""
    budget = _sum_fen_per_visit(
        BudgetLine.objects.filter(budget__status=MoneyStatus.APPROVED), "budget__reception", "amount"
    )
    extra = _sum_fen_per_visit(
        SupplementaryLine.objects.filter(supplementary__status=MoneyStatus.APPROVED),
        "supplementary__reception",
        "amount",
    )
    rows = (
        _in(Reception.objects.filter(_has_spending()), reception_ids)
        .annotate(spent=spent_fen(), allowed=budget + extra)
        .filter(spent__gt=F("allowed"))
        .values_list("pk", "spent", "allowed")
    )
    return [
        Finding(
            AnomalyKind.OVER_BUDGET,
            f"reception:{pk}",
            pk,
            {"spent": _money(yuan(spent)), "allowed": _money(yuan(allowed)), "gap": _money(yuan(spent - allowed))},
        )
        for pk, spent, allowed in rows
    ]


# ------------------------------------------------------------------------------------------- lines over standard


def claim_line_amount(line) -> Decimal:
    """What a claim line asks for: its approved amount once the claim is approved, else the claimed one."""
    if line.claim.status in SPENT_CLAIMS and line.amount_approved is not None:
        return line.amount_approved
    return line.amount_claimed


def claim_line_value(line, unit):
    """What a cost standard reads from a claim line. A claim line has an amount, not a quantity or a unit price:
    a "per line" standard reads the amount, a "per person" one the amount per visitor (gifts handed to the
    visitors), rounded half up to the fen. Per head and meal or per room and night need counts claims do not record;
    those standards are checked on the budget lines (selectors.standard_breaches)."""
    amount = claim_line_amount(line)
    if unit == StandardUnit.PER_LINE:
        return amount
    visitors = line.claim.reception.visitor_count
    if unit == StandardUnit.PER_PERSON and visitors:
        return (amount / visitors).quantize(CENT, rounding=ROUND_HALF_UP)
    return None


def over_standard(reception_ids=None) -> list[Finding]:
    """Lines of submitted, approved and paid claims above a cost standard that applies to claims (policy 1.3.4,
    5.3.2) — the same standards and the same rule (the importance-specific standard wins) as the budget lines,
    through selectors.line_breaches. Two queries."""
    standards = list(CostStandard.objects.filter(unit__in=(StandardUnit.PER_LINE, StandardUnit.PER_PERSON)))
    if not standards:
        return []
    lines = _in(
        ClaimLine.objects.filter(
            claim__status__in=CHECKED_CLAIMS, category_id__in={s.category_id for s in standards}
        ).select_related("claim__reception", "category"),
        reception_ids,
        "claim__reception_id",
    )
    by_importance = defaultdict(list)
    for line in lines:
        by_importance[line.claim.reception.importance].append(line)
    breaches = defaultdict(list)
    for importance, group in by_importance.items():
        for breach in line_breaches(group, applicable_standards(standards, importance), claim_line_value):
            breaches[breach.line].append(breach)
    findings = []
    for line, found in breaches.items():
        figures = {
            "category": line.category.name,
            "description": line.description,
            "amount": _money(claim_line_amount(line)),
            "claim_status": line.claim.status,
            "breaches": [
                {"unit": b.standard.unit, "limit": _money(b.standard.limit), "value": _money(b.value)} for b in found
            ],
        }
        findings.append(
            Finding(
                AnomalyKind.OVER_STANDARD,
                f"line:{line.pk}",
                line.claim.reception_id,
                figures,
                claim_id=line.claim_id,
                claim_line_id=line.pk,
            )
        )
    return findings


# --------------------------------------------------------------------------------------- invoices outside the visit


def invoices_outside_visit(reception_ids=None) -> list[Finding]:
    """Invoices of submitted, approved and paid claims dated before the visit's first or after its last day, on
    Asia/Shanghai dates (policy 5.2.2, 5.3.2). Entry accepts a window of some days around the visit (a deposit paid
    before, a bill after); every invoice outside the visit itself is still worth a look. One query."""
    rows = (
        _in(Invoice.objects.filter(line__claim__status__in=CHECKED_CLAIMS), reception_ids, "line__claim__reception_id")
        .annotate(
            start=local_date("line__claim__reception__visit_start"), end=local_date("line__claim__reception__visit_end")
        )
        .filter(Q(date__lt=F("start")) | Q(date__gt=F("end")))
        .values_list(
            "pk",
            "code",
            "number",
            "date",
            "total",
            "line_id",
            "line__claim_id",
            "line__claim__reception_id",
            "start",
            "end",
        )
    )
    return [
        Finding(
            AnomalyKind.INVOICE_DATE,
            f"invoice:{pk}",
            reception_id,
            {
                "number": f"{code}:{number}" if code else number,
                "date": invoice_date.isoformat(),
                "total": _money(total),
                "visit_start": start.isoformat(),
                "visit_end": end.isoformat(),
            },
            claim_id=claim_id,
            claim_line_id=line_id,
            invoice_id=pk,
        )
        for pk, code, number, invoice_date, total, line_id, claim_id, reception_id, start, end in rows
    ]


# ------------------------------------------------------------------------------------------ cost per visitor-day


def _visits_with_cost():
    """Visits with spending, their visitor-days (visitors × days of the stay on local dates, both ends counted)
    and their cost per visitor-day in whole fen (rounded half up)."""
    return (
        Reception.objects.filter(
            _has_spending(), visitor_count__gt=0, visit_start__isnull=False, visit_end__isnull=False
        )
        .annotate(spent=spent_fen(), visitor_days=F("visitor_count") * days_of_stay())
        .filter(visitor_days__gt=0)
        .annotate(cost=RoundedRatio(F("spent"), F("visitor_days")))
    )


@dataclass(frozen=True)
class Percentile:
    visits: int
    value_fen: Decimal  # may hold a fraction of a fen (interpolated)

    @property
    def value(self) -> Decimal:
        """In yuan, rounded half up to the fen (for showing; comparisons use value_fen)."""
        return (self.value_fen / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def department_percentiles(department_ids=None) -> dict[int, Percentile]:
    """The 90th percentile of the cost per visitor-day of each department's visits with spending, for departments
    with at least MIN_VISITS of them (policy 5.3.2: 接待费用过高). Definition — the one of PostgreSQL's
    percentile_cont and Excel's PERCENTILE.INC: sort the n costs ascending (x₀ … xₙ₋₁), h = (n − 1) × 0.9, the
    percentile is x⌊h⌋ + (h − ⌊h⌋) × (x⌊h⌋₊₁ − x⌊h⌋). The two order statistics come from one query with window
    functions (row number and count per department, both engines have them), so nothing is sorted in Python."""
    visits = _visits_with_cost()
    if department_ids is not None:
        visits = visits.filter(host_department_id__in=list(department_ids))
    partition = [F("host_department_id")]
    ranked = visits.annotate(
        n=Window(Count("pk"), partition_by=partition),
        rank=Window(RowNumber(), partition_by=partition, order_by=[F("cost").asc(), F("pk").asc()]),
    ).annotate(low=(F("n") - 1) * PERCENTILE_TENTHS / 10 + 1)  # 1-based rank of x⌊h⌋ (integer division)
    rows = ranked.filter(n__gte=MIN_VISITS, rank__gte=F("low"), rank__lte=F("low") + 1).values_list(
        "host_department_id", "n", "rank", "low", "cost"
    )
    stats = defaultdict(dict)
    for department_id, n, rank, low, cost in rows:
        stats[department_id]["n"] = n
        stats[department_id][rank - low] = Decimal(cost)  # 0: x⌊h⌋, 1: the next one
    percentiles = {}
    for department_id, values in stats.items():
        n = values["n"]
        fraction = Decimal((n - 1) * PERCENTILE_TENTHS % 10) / 10
        low = values[0]
        value = low + fraction * (values[1] - low) if fraction else low
        percentiles[department_id] = Percentile(n, value)
    return percentiles


def cost_outliers(reception_ids=None) -> list[Finding]:
    """Visits whose cost per visitor-day is above their department's 90th percentile (department_percentiles).
    Three queries."""
    departments = None
    if reception_ids is not None:
        departments = set(
            Reception.objects.filter(pk__in=list(reception_ids)).values_list("host_department_id", flat=True)
        )
    percentiles = department_percentiles(departments)
    if not percentiles:
        return []
    # cost is a whole number of fen: above the percentile ⇔ above its whole part.
    above = reduce(
        or_,
        (Q(host_department_id=d, cost__gt=int(p.value_fen)) for d, p in percentiles.items()),
    )
    rows = (
        _in(_visits_with_cost(), reception_ids)
        .filter(above)
        .values_list("pk", "host_department_id", "host_department__name", "spent", "visitor_days", "cost")
    )
    return [
        Finding(
            AnomalyKind.COST_OUTLIER,
            f"reception:{pk}",
            pk,
            {
                "department": department_name,
                "spent": _money(yuan(spent)),
                "visitor_days": visitor_days,
                "cost_per_visitor_day": _money(yuan(cost)),
                "percentile": _money(percentiles[department_id].value),
                "visits": percentiles[department_id].visits,
            },
        )
        for pk, department_id, department_name, spent, visitor_days, cost in rows
    ]


def find_anomalies(reception_ids=None) -> list[Finding]:
    """Every anomaly of the four kinds, for all visits or only `reception_ids`."""
    return [
        *over_budget(reception_ids),
        *over_standard(reception_ids),
        *cost_outliers(reception_ids),
        *invoices_outside_visit(reception_ids),
    ]
