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


def standard_breaches(budget) -> list[Breach]:
    """Lines above their standard, with the standard they break; the importance-specific standard wins over the
    one for all importances. Two queries."""
    importance = budget.reception.importance
    standards = {}
    for standard in CostStandard.objects.filter(importance__in=["", importance]).order_by("importance"):
        standards[(standard.category_id, standard.unit)] = standard  # "" sorts first: the specific one overwrites
    breaches = []
    for line in budget.lines.select_related("category"):
        for (category_id, unit), standard in standards.items():
            if category_id != line.category_id:
                continue
            value = line.unit_price if unit in PRICE_UNITS else line.amount
            if value is not None and value > standard.limit:
                breaches.append(Breach(line, standard, value))
    return breaches


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
