"""Overrun control (policy 5.3.1): what a visit may spend is its approved budget plus its approved supplementary
budgets (asked for in advance — a pending one does not count), per category and in total, plus a run-time
tolerance. A claim that would take the visit's claims beyond that is refused with the gap."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from jiedai.core.errors import ValidationFailed
from jiedai.core.runtime_settings import get_setting
from jiedai.expenses.models import (
    Budget,
    BudgetLine,
    ClaimLine,
    ClaimStatus,
    ExpenseCategory,
    MoneyStatus,
    SupplementaryLine,
)

ZERO = Decimal("0.00")
# Claims that hold money: not draft, returned, rejected or withdrawn (policy 5.3.1).
COUNTED_CLAIMS = (ClaimStatus.PENDING_APPROVAL, ClaimStatus.APPROVED, ClaimStatus.PAID)


@dataclass
class Amounts:
    by_category: dict = field(default_factory=lambda: defaultdict(lambda: ZERO))
    total: Decimal = ZERO


def _collect(rows) -> Amounts:
    amounts = Amounts()
    for category_id, amount in rows:
        amount = amount or ZERO
        amounts.by_category[category_id] += amount
        amounts.total += amount
    return amounts


def allowance(reception) -> Amounts:
    """The approved budget plus the approved supplementary budgets, per category and in total (policy 5.3.1)."""
    budget = BudgetLine.objects.filter(budget__reception=reception, budget__status=MoneyStatus.APPROVED)
    extra = SupplementaryLine.objects.filter(
        supplementary__reception=reception, supplementary__status=MoneyStatus.APPROVED
    )
    rows = list(budget.values("category_id").annotate(s=Sum("amount")).values_list("category_id", "s"))
    rows += list(extra.values("category_id").annotate(s=Sum("amount")).values_list("category_id", "s"))
    return _collect(rows)


def claimed(reception, exclude_claim=None) -> Amounts:
    """What the visit's submitted, approved and paid claims claim, per category and in total (policy 5.3.1)."""
    lines = ClaimLine.objects.filter(claim__reception=reception, claim__status__in=COUNTED_CLAIMS)
    if exclude_claim is not None:
        lines = lines.exclude(claim_id=getattr(exclude_claim, "pk", exclude_claim))
    return _collect(lines.values("category_id").annotate(s=Sum("amount_claimed")).values_list("category_id", "s"))


@dataclass(frozen=True)
class Gap:
    """How far a claim takes the visit beyond its allowance in one category (category_id None: in total)."""

    category_id: int | None
    gap: Decimal
    limit: Decimal
    spent: Decimal
    amount: Decimal


def overrun_gaps(claim) -> list[Gap]:
    """policy 5.3.1: where this claim, with the visit's other claims, exceeds the allowance beyond the run-time
    tolerance — per category, then the total. What a supplementary budget would have to cover."""
    tolerance = get_setting("overrun_tolerance")
    allowed = allowance(claim.reception)
    spent = claimed(claim.reception, exclude_claim=claim)
    this = _collect(claim.lines.values("category_id").annotate(s=Sum("amount_claimed")).values_list("category_id", "s"))
    gaps = []
    for category_id, amount in sorted(this.by_category.items()):
        limit, before = allowed.by_category[category_id], spent.by_category[category_id]
        if before + amount - limit > tolerance:
            gaps.append(Gap(category_id, before + amount - limit, limit, before, amount))
    if spent.total + this.total - allowed.total > tolerance:
        gaps.append(Gap(None, spent.total + this.total - allowed.total, allowed.total, spent.total, this.total))
    return gaps


def check_claim(claim) -> None:
    """policy 5.3.1: refuse the claim if it, with the visit's other claims, exceeds the allowance in any category
    or in total (beyond the run-time tolerance); the errors name each gap. Without an approved budget nothing may be
    claimed. Callers hold a lock on the visit's Budget row so concurrent claims are checked one after the other."""
    reception = claim.reception
    if not Budget.objects.filter(reception=reception, status=MoneyStatus.APPROVED).exists():
        raise ValidationFailed(
            _("该接待的费用预算尚未批准，不能提交报销；请先编制并报批预算。"),
            errors={"budget": [_("接待预算批准后才能提交报销。")]},
        )
    gaps = overrun_gaps(claim)
    names = dict(
        ExpenseCategory.objects.filter(pk__in=[g.category_id for g in gaps if g.category_id]).values_list("pk", "name")
    )
    errors = {}
    for gap in gaps:
        figures = {"gap": gap.gap, "limit": gap.limit, "spent": gap.spent, "amount": gap.amount}
        if gap.category_id is None:
            errors["total"] = [
                _("合计超出预算 ¥%(gap)s（可用 ¥%(limit)s，已报销 ¥%(spent)s，本单 ¥%(amount)s）。") % figures
            ]
        else:
            errors[f"category.{gap.category_id}"] = [
                _("%(category)s超出预算 ¥%(gap)s（可用 ¥%(limit)s，已报销 ¥%(spent)s，本单 ¥%(amount)s）。")
                % {"category": names.get(gap.category_id, ""), **figures}
            ]
    if errors:
        raise ValidationFailed(
            _("报销超出已批准的预算，请先申请追加预算并待其批准后再提交（超支须事前审批）。"), errors=errors
        )
