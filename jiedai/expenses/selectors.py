"""Reads for reception money: which budget lines break the company's cost standards (policy 1.3.4, 5.1), what a
visit may still spend (5.3.1)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from jiedai.expenses.models import (
    BudgetLine,
    CostStandard,
    ExpenseCategory,
    MoneyStatus,
    StandardUnit,
    SupplementaryLine,
)

# The standards read a line's unit price (per head and meal, per room and night, per person); "per line" its amount.
PRICE_UNITS = (StandardUnit.PER_HEAD_MEAL, StandardUnit.PER_ROOM_NIGHT, StandardUnit.PER_PERSON)


@dataclass(frozen=True)
class Breach:
    line: object
    standard: CostStandard
    value: Decimal


def applicable_standards(standards, importance: str) -> dict:
    """Per (category, unit), the standard that applies at `importance`: the importance-specific one wins over the one
    for all importances. `standards`: CostStandard rows, read once by the caller."""
    applicable = {}
    for standard in sorted(standards, key=lambda s: s.importance != ""):  # "" first: the specific one overwrites
        if standard.importance in ("", importance):
            applicable[(standard.category_id, standard.unit)] = standard
    return applicable


def line_breaches(lines, standards: dict, value_of) -> list[Breach]:
    """The lines above a standard that applies to them (`standards` from applicable_standards); `value_of(line,
    unit)` is what the standard reads from the line, or None where it cannot say."""
    breaches = []
    for line in lines:
        for (category_id, unit), standard in standards.items():
            if category_id != line.category_id:
                continue
            value = value_of(line, unit)
            if value is not None and value > standard.limit:
                breaches.append(Breach(line, standard, value))
    return breaches


def _budget_line_value(line, unit):
    return line.unit_price if unit in PRICE_UNITS else line.amount


def standard_breaches(budget) -> list[Breach]:
    """Lines above their standard, with the standard they break; the importance-specific standard wins over the
    one for all importances. Two queries."""
    importance = budget.reception.importance
    standards = applicable_standards(CostStandard.objects.filter(importance__in=["", importance]), importance)
    return line_breaches(budget.lines.select_related("category"), standards, _budget_line_value)


def allowance_rows(reception) -> list[dict]:
    """policy 5.3.1: per category, the approved budget, the approved supplementary budgets, what the visit's
    submitted, approved and paid claims hold, and what is left. Four queries."""
    from jiedai.expenses.services.overrun import ZERO, claimed

    approved = {"budget__reception": reception, "budget__status": MoneyStatus.APPROVED}
    budget = dict(
        BudgetLine.objects.filter(**approved)
        .values("category_id")
        .annotate(s=Sum("amount"))
        .values_list("category_id", "s")
    )
    extra = dict(
        SupplementaryLine.objects.filter(supplementary__reception=reception, supplementary__status=MoneyStatus.APPROVED)
        .values("category_id")
        .annotate(s=Sum("amount"))
        .values_list("category_id", "s")
    )
    spent = claimed(reception).by_category
    categories = ExpenseCategory.objects.filter(pk__in={*budget, *extra, *spent})
    rows = []
    for category in categories:
        base, more, used = budget.get(category.pk, ZERO), extra.get(category.pk, ZERO), spent.get(category.pk, ZERO)
        rows.append({"category": category, "budget": base, "extra": more, "claimed": used, "left": base + more - used})
    return rows


def claim_documents(reception) -> dict:
    """policy 5.2.1: what a claim is judged against, linked on it — the visit's budget and its reception plan (the
    plan lives in planning, below money). Two queries."""
    from jiedai.expenses.models import Budget
    from jiedai.planning.models import Plan

    return {
        "budget": Budget.objects.filter(reception=reception).only("status", "total", "approved_at").first(),
        "plan": Plan.objects.filter(reception=reception).only("status").first(),
    }
