"""Reads for the finance analytics (policy 5.3.2: finance analyses reception spending regularly and flags what is
too high): spending by period, department, category, client organisation and importance; budget against actual
and the variance; cost per visitor and per visitor-day; supplementary budgets; claims waiting at each approval step.

What the figures mean (the page, the Excel export and the API show the same ones):
- A visit counts when its request is approved and its visit starts (local date) within the date range; periods
  bucket visits by that start date, so a visit's budget and its spending fall in the same period.
- Actual (实际支出): the approved amounts (ClaimLine.amount_approved) of the lines of the visit's claims that are
  approved or paid (policy 5.2.2–5.2.3: what finance accepted; pending, returned or rejected claims do not count).
- Budget (预算): the lines of the visit's approved budget (5.1) plus those of its approved supplementary budgets
  (5.3.1).
- Variance (差异) = actual − budget: above zero the visit spent more than was approved.
- Cost per visitor / per visitor-day: the actual of the visits that have spending, divided by their visitors /
  by Σ visitors × days of stay (local calendar days, both ends counted).
- The category filter narrows every amount to lines of that category; claims waiting are the current state
  (neither the date range nor the category applies).

Everything is summed in the database (GROUP BY, whole fen: see analytics_sql), a fixed number of queries whatever
the data size. Python only turns the grouped rows into rows for the page."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, models
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Min, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Trunc
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiedai.approvals.models import ApprovalInstance, ApprovalTask, InstanceStatus, TaskStatus
from jiedai.expenses.access import CLAIM_DOCUMENT
from jiedai.expenses.analytics_sql import days_of_stay, sum_fen, yuan
from jiedai.expenses.models import (
    BudgetLine,
    Claim,
    ClaimLine,
    ClaimStatus,
    MoneyStatus,
    SupplementaryLine,
)
from jiedai.receptions.models import LOCAL_TZ, Importance, Reception, ReceptionClient, ReceptionStatus

ACTUAL_STATUSES = (ClaimStatus.APPROVED, ClaimStatus.PAID)
MAX_SPAN_DAYS = 3660  # ten years: at most 120 months on the chart
TOP_CLIENTS = 20
TOP_VISITS = 20
CENT = Decimal("0.01")


class Granularity(models.TextChoices):
    MONTH = "month", _("按月")
    QUARTER = "quarter", _("按季度")
    YEAR = "year", _("按年")


@dataclass(frozen=True)
class AnalyticsFilter:
    granularity: str
    start: date
    end: date
    department_id: int | None = None
    importance: str = ""
    category_id: int | None = None
    departments: frozenset[int] | None = None  # whose money the user may see (None: all; access.py)

    @property
    def granularity_label(self) -> str:
        return str(Granularity(self.granularity).label)

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=LOCAL_TZ)

    @property
    def ends_before(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=LOCAL_TZ)


# --------------------------------------------------------------------------------------------------- the rows


def _share(numerator: Decimal, denominator) -> Decimal | None:
    if not denominator:
        return None
    return (numerator / Decimal(denominator)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Row:
    """Budget against actual for a group of visits (a period, a department, an importance, a client)."""

    key: object
    label: str
    visits: int = 0
    budget: Decimal = Decimal("0.00")
    actual: Decimal = Decimal("0.00")
    visits_spent: int = 0  # visits with spending: their visitors are what the per-visitor figures divide
    visitors: int = 0
    visitor_days: int = 0

    @property
    def variance(self) -> Decimal:
        return self.actual - self.budget

    @property
    def utilisation(self) -> Decimal | None:
        """Actual as a percentage of the budget."""
        return _share(self.actual * 100, self.budget) if self.budget else None

    @property
    def per_visitor(self) -> Decimal | None:
        return _share(self.actual, self.visitors)

    @property
    def per_visitor_day(self) -> Decimal | None:
        return _share(self.actual, self.visitor_days)

    @property
    def over_budget(self) -> bool:
        return self.variance > 0


@dataclass
class CategoryRow:
    key: int
    label: str
    budget: Decimal
    actual: Decimal

    @property
    def variance(self) -> Decimal:
        return self.actual - self.budget

    @property
    def utilisation(self) -> Decimal | None:
        return _share(self.actual * 100, self.budget) if self.budget else None


@dataclass
class VisitRow:
    id: int
    number: str
    purpose: str
    department: str
    importance: str
    visit_start: datetime
    visitors: int | None
    days: int | None
    budget: Decimal
    actual: Decimal

    @property
    def variance(self) -> Decimal:
        return self.actual - self.budget

    @property
    def importance_label(self) -> str:
        return Importance(self.importance).label if self.importance in Importance.values else self.importance


@dataclass
class SupplementaryRow:
    department: str
    count: int
    visits: int
    amount: Decimal


@dataclass
class WaitingRow:
    """Claims waiting at one approval step now, and for how long (since the step's tasks were created)."""

    order: int
    step: str
    claims: int
    oldest_since: datetime | None
    average_age: timedelta | None

    @property
    def oldest_age(self) -> timedelta | None:
        return timezone.now() - self.oldest_since if self.oldest_since else None

    @property
    def average_days(self) -> Decimal | None:
        return _days(self.average_age)

    @property
    def oldest_days(self) -> Decimal | None:
        return _days(self.oldest_age)


def _days(age: timedelta | None) -> Decimal | None:
    if age is None:
        return None
    return (Decimal(age.total_seconds()) / Decimal(86400)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Analytics:
    filters: AnalyticsFilter
    totals: Row
    by_period: list[Row]
    by_department: list[Row]
    by_importance: list[Row]
    by_client: list[Row]
    by_category: list[CategoryRow]
    top_visits: list[VisitRow]
    supplementary: list[SupplementaryRow]
    waiting: list[WaitingRow] = field(default_factory=list)

    @property
    def periods_with_visits(self) -> list[Row]:
        """The table lists the periods with visits; the chart shows every period (empty ones as zero)."""
        return [row for row in self.by_period if row.visits]

    @property
    def claims_waiting(self) -> int:
        return sum(row.claims for row in self.waiting)


# --------------------------------------------------------------------------------------------------- the queries


def _visit_q(f: AnalyticsFilter, prefix: str = "") -> Q:
    """The visits the figures are about, as a filter on `prefix` (a path to Reception, e.g. "claim__reception__")."""
    q = Q(
        **{
            f"{prefix}status": ReceptionStatus.APPROVED,
            f"{prefix}visit_start__gte": f.starts_at,
            f"{prefix}visit_start__lt": f.ends_before,
        }
    )
    q &= _department_q(f, prefix)
    if f.importance:
        q &= Q(**{f"{prefix}importance": f.importance})
    return q


def _department_q(f: AnalyticsFilter, prefix: str = "") -> Q:
    q = Q()
    if f.departments is not None:
        q &= Q(**{f"{prefix}host_department_id__in": sorted(f.departments)})
    if f.department_id:
        q &= Q(**{f"{prefix}host_department_id": f.department_id})
    return q


def _category_q(f: AnalyticsFilter) -> Q:
    return Q(category_id=f.category_id) if f.category_id else Q()


def _per_visit(queryset, value):
    """A correlated subquery summing `value` (fen) for the visit OuterRef("pk"), 0 when there is nothing."""
    summed = queryset.order_by().values("reception_ref").annotate(total=value).values("total")
    return Coalesce(Subquery(summed, output_field=models.BigIntegerField()), 0)


def _actual_lines(f: AnalyticsFilter):
    return ClaimLine.objects.filter(_category_q(f), claim__status__in=ACTUAL_STATUSES)


def _budget_lines(f: AnalyticsFilter):
    return BudgetLine.objects.filter(_category_q(f), budget__status=MoneyStatus.APPROVED)


def _extra_lines(f: AnalyticsFilter):
    return SupplementaryLine.objects.filter(_category_q(f), supplementary__status=MoneyStatus.APPROVED)


def visits_with_money(f: AnalyticsFilter):
    """The visits in scope, each with its actual and its budget (+ supplementary) in fen and its days of stay."""
    actual = _actual_lines(f).filter(claim__reception=OuterRef("pk")).annotate(reception_ref=F("claim__reception"))
    budget = _budget_lines(f).filter(budget__reception=OuterRef("pk")).annotate(reception_ref=F("budget__reception"))
    extra = _extra_lines(f).filter(supplementary__reception=OuterRef("pk"))
    extra = extra.annotate(reception_ref=F("supplementary__reception"))
    return Reception.objects.filter(_visit_q(f)).annotate(
        actual_fen=_per_visit(actual, sum_fen("amount_approved")),
        budget_fen=_per_visit(budget, sum_fen("amount")) + _per_visit(extra, sum_fen("amount")),
        days=days_of_stay(),
    )


def _first_client():
    """The organisation of the visit's first listed client (each visit counts once, so client rows add up)."""
    return Subquery(
        ReceptionClient.objects.filter(reception=OuterRef("pk"))
        .order_by("position", "id")
        .values("contact__organization__name")[:1]
    )


# The grouped figures are read over the per-visit rows as a derived table, so that each visit's correlated sums
# are computed once per query (referenced from several aggregates, the ORM would repeat them in the SQL), and the
# per-visit SQL is compiled once for all the groupings of a page.
SUMS = """COUNT(*) AS visits,
    COALESCE(SUM(budget_fen), 0) AS budget,
    COALESCE(SUM(actual_fen), 0) AS actual,
    COALESCE(SUM(CASE WHEN actual_fen > 0 THEN 1 ELSE 0 END), 0) AS visits_spent,
    COALESCE(SUM(CASE WHEN actual_fen > 0 THEN visitors ELSE 0 END), 0) AS visitors,
    COALESCE(SUM(CASE WHEN actual_fen > 0 THEN visitors * days ELSE 0 END), 0) AS visitor_days"""
GROUP_KEYS = ("period", "department_id", "department", "importance", "client")


class VisitFigures:
    """The per-visit rows of a filter, compiled once, and the grouped sums read over them."""

    def __init__(self, f: AnalyticsFilter):
        self.filters = f
        bucket = Trunc("visit_start", f.granularity, output_field=models.DateField(), tzinfo=LOCAL_TZ)
        rows = (
            visits_with_money(f)
            .order_by()
            .annotate(
                period=bucket,
                department_id=F("host_department_id"),
                department=F("host_department__name"),
                client=_first_client(),
                # required on submission (policy 2.1.1): every approved visit has it
                visitors=Coalesce("visitor_count", 0),
            )
            .values(*GROUP_KEYS, "actual_fen", "budget_fen", "visitors", "days")
        )
        self.sql, self.params = rows.query.sql_with_params()

    def grouped(self, *, clients: int = TOP_CLIENTS) -> dict[str, list[dict]]:
        """The total and the sums by period, department, importance and (the `clients` costliest) client, in one
        query: the per-visit rows are a common table expression, which both engines compute once (materialised:
        it is read five times), so each visit's correlated sums run once for the whole page."""
        text = "CAST({} AS VARCHAR(200))"
        null = "CAST(NULL AS VARCHAR(200))"
        branches = [
            (0, null, null, ""),
            (1, text.format("period"), null, "GROUP BY period"),
            (2, text.format("department_id"), "department", "GROUP BY department_id, department"),
            (3, "importance", null, "GROUP BY importance"),
        ]
        parts = [
            f"SELECT {order} AS grouping, {key} AS k1, {name} AS k2, {SUMS} FROM visit_figures {group}"
            for order, key, name, group in branches
        ]
        parts.append(
            f"SELECT * FROM (SELECT 4 AS grouping, client AS k1, {null} AS k2, {SUMS} FROM visit_figures"
            f" GROUP BY client ORDER BY actual DESC, client LIMIT {int(clients)}) top_clients"
        )
        sql = (
            f"WITH visit_figures AS ({self.sql}) "
            + " UNION ALL ".join(parts)
            + " ORDER BY grouping, actual DESC, k2, k1"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, self.params)
            names = [column[0] for column in cursor.description]
            rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        kinds = ("total", "period", "department", "importance", "client")
        out = {kind: [] for kind in kinds}
        for row in rows:  # a few dozen grouped rows, not visits
            out[kinds[row["grouping"]]].append(row)
        return out


def _row(key, label, values: dict) -> Row:
    return Row(
        key=key,
        label=str(label),
        visits=int(values["visits"] or 0),
        budget=yuan(values["budget"]),
        actual=yuan(values["actual"]),
        visits_spent=int(values["visits_spent"] or 0),
        visitors=int(values["visitors"] or 0),
        visitor_days=int(values["visitor_days"] or 0),
    )


def totals(grouped: dict) -> Row:
    (values,) = grouped["total"]
    return _row(None, _("合计"), values)


def period_starts(f: AnalyticsFilter) -> list[date]:
    """Every bucket of the range, empty ones included (the chart shows a month without spending as zero)."""
    step = {Granularity.MONTH: 1, Granularity.QUARTER: 3, Granularity.YEAR: 12}[f.granularity]
    first = f.start.month - 1
    first -= first % step
    month = f.start.year * 12 + first
    last = f.end.year * 12 + f.end.month - 1
    starts = []
    while month <= last:
        starts.append(date(month // 12, month % 12 + 1, 1))
        month += step
    return starts


def period_label(start: date, granularity: str) -> str:
    if granularity == Granularity.YEAR:
        return str(_("%(year)s年") % {"year": start.year})
    if granularity == Granularity.QUARTER:
        return str(_("%(year)s年第%(quarter)s季度") % {"year": start.year, "quarter": (start.month - 1) // 3 + 1})
    return f"{start.year}-{start.month:02d}"


def _as_date(value) -> date:
    """A period's first day: a date on PostgreSQL, its ISO text from SQLite (the raw select has no converters)."""
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def by_period(f: AnalyticsFilter, grouped: dict) -> list[Row]:
    found = {_as_date(values["k1"]): values for values in grouped["period"]}
    empty = dict.fromkeys(("visits", "budget", "actual", "visits_spent", "visitors", "visitor_days"), 0)
    return [_row(start, period_label(start, f.granularity), found.get(start, empty)) for start in period_starts(f)]


def by_department(grouped: dict) -> list[Row]:
    return [_row(int(values["k1"]), values["k2"], values) for values in grouped["department"]]


def by_importance(grouped: dict) -> list[Row]:
    found = {values["k1"]: values for values in grouped["importance"]}
    return [_row(value, label, found[value]) for value, label in Importance.choices if value in found]


def by_client(grouped: dict) -> list[Row]:
    """Spending by the client organisation of the visit's first listed client (each visit counts once, so the
    rows add up to the total); the organisations that cost the most."""
    return [_row(values["k1"], values["k1"] or _("未登记客户单位"), values) for values in grouped["client"]]


def by_category(f: AnalyticsFilter) -> list[CategoryRow]:
    """Budget and actual per category, over the lines of the visits in scope: the three kinds of lines grouped by
    category in one query (UNION ALL), read from the visits (by their start) to their lines."""

    def summed(lines, path: str, amount: str, kind: str):
        return (
            lines.filter(_visit_q(f, f"{path}__"))
            .order_by()
            .values("category_id", "category__name", "category__position")
            .annotate(kind=Value(kind), total=sum_fen(amount))
        )

    rows = summed(_actual_lines(f), "claim__reception", "amount_approved", "actual").union(
        summed(_budget_lines(f), "budget__reception", "amount", "budget"),
        summed(_extra_lines(f), "supplementary__reception", "amount", "budget"),
        all=True,
    )
    found: dict[int, CategoryRow] = {}
    ordered = rows.order_by("category__position", "category_id")
    for category, name, _position, kind, total in ordered.values_list(
        "category_id", "category__name", "category__position", "kind", "total"
    ):  # at most three grouped rows per category
        row = found.setdefault(category, CategoryRow(category, name, Decimal("0.00"), Decimal("0.00")))
        if kind == "actual":
            row.actual += yuan(total)
        else:
            row.budget += yuan(total)
    return list(found.values())


VISIT_FIELDS = ("pk", "number", "purpose", "host_department__name", "importance", "visit_start", "visitor_count")


def _visit_rows(rows) -> Iterator[VisitRow]:
    for values in rows:
        pk, number, purpose, department, importance, start, visitors, days, budget, actual = values
        yield VisitRow(
            id=pk,
            number=number or "",
            purpose=(purpose or "").strip().splitlines()[0][:60] if purpose else "",
            department=department,
            importance=importance,
            visit_start=start,
            visitors=visitors,
            days=days,
            budget=yuan(budget),
            actual=yuan(actual),
        )


def _aware(value) -> datetime:
    """A datetime from the raw select: aware on PostgreSQL, UTC text on SQLite."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def top_visits(f: AnalyticsFilter, limit: int = TOP_VISITS) -> list[VisitRow]:
    """The visits that overspent their budget the most (variance first), for finance to look into (5.3.2); read
    over the per-visit rows as a derived table, like the groupings."""
    aliases = {f"v_{i}": F(name) for i, name in enumerate(VISIT_FIELDS)}
    rows = visits_with_money(f).order_by().values(**aliases, v_days=F("days"), v_budget=F("budget_fen"))
    rows = rows.annotate(v_actual=F("actual_fen"))
    inner, params = rows.query.sql_with_params()
    columns = ", ".join([*aliases, "v_days", "v_budget", "v_actual"])
    sql = (
        f"SELECT {columns} FROM ({inner}) top_visits WHERE v_actual > v_budget"
        f" ORDER BY v_actual - v_budget DESC, v_0 DESC LIMIT {int(limit)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = [(*row[:5], _aware(row[5]), *row[6:]) for row in cursor.fetchall()]
    return list(_visit_rows(found))


def all_visits(f: AnalyticsFilter) -> Iterator[VisitRow]:
    """Every visit in scope, oldest first, read in chunks (the Excel export streams them)."""
    queryset = visits_with_money(f).order_by("visit_start", "pk")
    rows = queryset.values_list(*VISIT_FIELDS, "days", "budget_fen", "actual_fen")
    return _visit_rows(rows.iterator(chunk_size=2000))


def supplementary_by_department(f: AnalyticsFilter) -> list[SupplementaryRow]:
    """Approved supplementary budgets (policy 5.3.1) of the visits in scope, per host department."""
    rows = (
        _extra_lines(f)
        .filter(_visit_q(f, "supplementary__reception__"))
        .order_by()
        .values(department=F("supplementary__reception__host_department__name"))
        .annotate(
            count=Count("supplementary", distinct=True),
            visits=Count("supplementary__reception", distinct=True),
            amount=sum_fen("amount"),
        )
        .order_by("-amount", "department")
    )
    return [SupplementaryRow(r["department"], r["count"], r["visits"], yuan(r["amount"])) for r in rows]


def waiting_claims(f: AnalyticsFilter) -> list[WaitingRow]:
    """Claims waiting now at each step of the reimbursement flow (policy 5.2.2–5.2.3) — the last, finance pays,
    included — how many, since when the oldest waits and the average wait at that step (from when the step's
    tasks were created: one row per claim, however many people the step asked)."""
    claims = Claim.objects.filter(_department_q(f, "reception__"))  # approved ones wait at "finance pays"
    if f.importance:
        claims = claims.filter(reception__importance=f.importance)
    since = (
        ApprovalTask.objects.filter(instance=OuterRef("pk"), step=OuterRef("current_step"), status=TaskStatus.PENDING)
        .order_by()
        .values("instance")
        .annotate(first=Min("created_at"))
        .values("first")
    )
    now = timezone.now()
    rows = (
        ApprovalInstance.objects.filter(
            document_type=CLAIM_DOCUMENT,
            status=InstanceStatus.PENDING,
            current_step__isnull=False,
            document_id__in=claims.values("pk"),
        )
        .annotate(since=Subquery(since, output_field=models.DateTimeField()))
        .order_by()
        .values(order=F("current_step__order"), step=F("current_step__name"))
        .annotate(
            claims=Count("pk"),
            oldest=Min("since"),
            average=Avg(ExpressionWrapper(models.Value(now) - F("since"), output_field=DurationField())),
        )
        .order_by("order", "step")
    )
    return [WaitingRow(r["order"], r["step"], r["claims"], r["oldest"], r["average"]) for r in rows]


def analytics_for(f: AnalyticsFilter) -> Analytics:
    """Everything the page shows: five queries whatever the data size."""
    grouped = VisitFigures(f).grouped()
    return Analytics(
        filters=f,
        totals=totals(grouped),
        by_period=by_period(f, grouped),
        by_department=by_department(grouped),
        by_importance=by_importance(grouped),
        by_client=by_client(grouped),
        by_category=by_category(f),
        top_visits=top_visits(f),
        supplementary=supplementary_by_department(f),
        waiting=waiting_claims(f),
    )
