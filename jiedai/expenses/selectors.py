"""Reads for reception money: which budget lines break the company's cost standards (policy 1.3.4, 5.1)."""

from dataclasses import dataclass
from decimal import Decimal

from jiedai.expenses.models import CostStandard, StandardUnit

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
