"""Writes for supplementary budgets (policy 5.3.1): when the approved budget will not cover a visit, the extra is
asked for in advance — by category, with its reason — through the supplementary budget flow (seeded as data: host
department head → finance review → supervising leader). Only after the visit's budget is approved; it counts
towards what may be spent only once approved."""

from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiedai.approvals.services import approval_submit, approval_withdraw
from jiedai.core.errors import ConflictError, NotFound, ValidationFailed
from jiedai.expenses.access import SUPPLEMENTARY_DOCUMENT, get_reception_for_money
from jiedai.expenses.models import (
    MONEY_EDITABLE,
    Budget,
    BudgetAction,
    ExpenseCategory,
    MoneyStatus,
    SupplementaryBudget,
    SupplementaryHistory,
    SupplementaryLine,
)
from jiedai.expenses.services.budgets import MoneyApprovalHandler, money

FLOW_CODE = "supplementary_budget"

MAX_LINES = 200


def _history(supplementary, action, *, by, summary="", comment="", ip=None):
    SupplementaryHistory.objects.create(
        supplementary=supplementary, action=action, actor=by, summary=summary[:300], comment=comment, ip=ip
    )


def _page_url(supplementary) -> str:
    return reverse("expenses:supplementary", kwargs={"pk": supplementary.reception_id, "sid": supplementary.pk})


def _clean_reason(reason) -> str:
    reason = str(reason or "").strip()
    if not reason:  # policy 5.3.1: the reason is what the approvers judge
        raise ValidationFailed(_("请填写追加预算的理由。"), errors={"reason": [_("请填写追加理由。")]})
    return reason[:2000]


def _lock(*, supplementary_id, by) -> SupplementaryBudget:
    """The supplementary budget, locked, once the access layer says `by` may write its visit's money."""
    try:
        supplementary_id = int(supplementary_id)
    except (TypeError, ValueError):
        raise NotFound(_("找不到该追加预算。")) from None
    reception_id = (
        SupplementaryBudget.objects.filter(pk=supplementary_id).values_list("reception_id", flat=True).first()
    )
    if reception_id is None:
        raise NotFound(_("找不到该追加预算。"))
    get_reception_for_money(by, reception_id, write=True)
    return (
        SupplementaryBudget.objects.select_for_update(of=("self",)).select_related("reception").get(pk=supplementary_id)
    )


def supplementary_may_be_asked(reception) -> None:
    """policy 5.3.1: a supplementary budget adds to an approved budget; before that, the budget itself changes."""
    if not Budget.objects.filter(reception=reception, status=MoneyStatus.APPROVED).exists():
        raise ConflictError(_("接待预算批准后才能申请追加预算。"))


@transaction.atomic
def supplementary_create(
    *, reception_id: int, by, reason: str, lines: list[dict] | None = None, ip=None
) -> SupplementaryBudget:
    """A new draft supplementary budget (policy 5.3.1) — only once the visit's budget is approved; with `lines`,
    its lines too (bad lines: nothing is created)."""
    reception = get_reception_for_money(by, reception_id, write=True)
    supplementary_may_be_asked(reception)
    supplementary = SupplementaryBudget.objects.create(reception=reception, reason=_clean_reason(reason), created_by=by)
    _history(supplementary, BudgetAction.CREATED, by=by, ip=ip)
    if lines is not None:
        supplementary = supplementary_save_lines(supplementary_id=supplementary.pk, by=by, lines=lines, ip=ip)
    return supplementary


def _clean_lines(lines) -> list[SupplementaryLine]:
    if not isinstance(lines, list) or len(lines) > MAX_LINES:
        raise ValidationFailed(_("追加预算明细有误。"), errors={"lines": [_("最多 %s 行。") % MAX_LINES]})
    categories = {c.pk: c for c in ExpenseCategory.objects.filter(is_active=True)}
    clean, errors = [], {}
    for i, line in enumerate(lines):
        key = f"lines.{i}"
        if not isinstance(line, dict):
            errors.setdefault(key, []).append(_("追加预算明细有误。"))
            continue
        category = line.get("category")
        category = categories.get(getattr(category, "pk", category))
        if category is None:
            errors.setdefault(key, []).append(_("请选择启用中的费用类别。"))
        amount = money(line.get("amount"), _("金额"), errors, key, required=True)
        if amount is not None and amount <= 0:
            errors.setdefault(key, []).append(_("追加金额必须大于 0。"))
        reason = str(line.get("reason") or "").strip()[:300]
        clean.append(SupplementaryLine(category=category, amount=amount, reason=reason, position=i))
    if errors:
        raise ValidationFailed(_("请检查标红的追加预算明细。"), errors=errors)
    return clean


@transaction.atomic
def supplementary_save_lines(
    *, supplementary_id: int, by, lines: list[dict], reason: str | None = None, expected_version=None, ip=None
) -> SupplementaryBudget:
    """Replace a draft's (or returned one's) lines: category, amount, reason; optionally its overall reason."""
    supplementary = _lock(supplementary_id=supplementary_id, by=by)
    if supplementary.status not in MONEY_EDITABLE:
        raise ConflictError(_("追加预算已提交或已批准，不能再修改。"))
    if expected_version is not None and expected_version != supplementary.version:
        raise ConflictError(_("追加预算已在别处被修改，请刷新后再编辑。"))
    clean = _clean_lines(lines)
    if reason is not None:
        supplementary.reason = _clean_reason(reason)
    SupplementaryLine.objects.filter(supplementary=supplementary).delete()
    for line in clean:
        line.supplementary = supplementary
    SupplementaryLine.objects.bulk_create(clean)
    supplementary.total = sum((line.amount for line in clean), Decimal("0.00"))
    supplementary.version = F("version") + 1
    supplementary.save(update_fields=["reason", "total", "version", "updated_at"])
    supplementary.refresh_from_db()
    _history(supplementary, BudgetAction.UPDATED, by=by, summary=_("追加合计 ¥%s") % supplementary.total, ip=ip)
    return supplementary


@transaction.atomic
def supplementary_submit(*, supplementary_id: int, by, ip=None) -> SupplementaryBudget:
    """Into the supplementary budget flow (policy 5.3.1); a returned one goes in again as a new round."""
    supplementary = _lock(supplementary_id=supplementary_id, by=by)
    if supplementary.status not in MONEY_EDITABLE:
        raise ConflictError(_("追加预算已提交或已批准，不能再次提交。"))
    if not supplementary.lines.exists():
        raise ValidationFailed(_("追加预算还没有明细。"), errors={"lines": [_("请至少填写一行追加预算。")]})
    if not supplementary.reason.strip():
        raise ValidationFailed(_("请填写追加预算的理由。"), errors={"reason": [_("请填写追加理由。")]})
    action = BudgetAction.RESUBMITTED if supplementary.status == MoneyStatus.RETURNED else BudgetAction.SUBMITTED
    supplementary.status, supplementary.submitted_at = MoneyStatus.PENDING_APPROVAL, timezone.now()
    supplementary.save(update_fields=["status", "submitted_at", "updated_at"])
    _history(supplementary, action, by=by, ip=ip)
    reception = supplementary.reception
    approval_submit(
        flow_code=FLOW_CODE,
        document_type=SUPPLEMENTARY_DOCUMENT,
        document_id=supplementary.pk,
        applicant=by,
        department=reception.host_department,
        title=_("追加预算：%s") % reception.title,
        url=_page_url(supplementary),
        snapshot={"total": str(supplementary.total), "importance": reception.importance},
        by=by,
        ip=ip,
    )
    return supplementary


def supplementary_withdraw(*, supplementary_id: int, by, comment: str = "", ip=None) -> SupplementaryBudget:
    supplementary = SupplementaryBudget.objects.filter(pk=supplementary_id).first()
    if supplementary is None:
        raise NotFound(_("找不到该追加预算。"))
    get_reception_for_money(by, supplementary.reception_id, write=True)
    if supplementary.status != MoneyStatus.PENDING_APPROVAL:
        raise ConflictError(_("只有审批中的追加预算可以撤回。"))
    approval_withdraw(document_type=SUPPLEMENTARY_DOCUMENT, document_id=supplementary.pk, by=by, comment=comment, ip=ip)
    supplementary.refresh_from_db()
    return supplementary


class SupplementaryApprovalHandler(MoneyApprovalHandler):
    """Approved, a supplementary budget counts towards the visit's allowance from then on (policy 5.3.1)."""

    model = SupplementaryBudget
    missing = gettext_lazy("找不到该追加预算。")

    def history(self, document, action, *, by, comment):
        _history(document, action, by=by, comment=comment)
