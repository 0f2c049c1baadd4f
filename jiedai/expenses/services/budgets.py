"""Writes for the reception budget (policy 5.1): lines with their basis, submitted through the budget flow (seeded
as data: host department head → finance review → supervising leader, 5.1.2), frozen once approved (5.1.3)."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiedai.approvals.selectors import last_comment
from jiedai.approvals.services import approval_submit, approval_withdraw
from jiedai.core.errors import ConflictError, NotFound, ValidationFailed
from jiedai.expenses.access import BUDGET_DOCUMENT, get_reception_for_money
from jiedai.expenses.models import (
    MONEY_EDITABLE,
    Budget,
    BudgetAction,
    BudgetHistory,
    BudgetLine,
    ExpenseCategory,
    MoneyStatus,
)

FLOW_CODE = "budget"
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")
MAX_LINES = 200


def money(value, field: str, errors: dict, key: str, *, required: bool = False) -> Decimal | None:
    """A non-negative amount with at most two decimals (policy: money is exact, in yuan and fen)."""
    if value in (None, ""):
        if required:
            errors.setdefault(key, []).append(_("请填写%s。") % field)
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.setdefault(key, []).append(_("%s必须是数字。") % field)
        return None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        errors.setdefault(key, []).append(_("%s必须是不小于 0 的金额。") % field)
        return None
    if amount != amount.quantize(CENT):
        errors.setdefault(key, []).append(_("%s最多两位小数。") % field)
        return None
    return amount


def _history(budget, action, *, by, summary="", comment="", ip=None):
    BudgetHistory.objects.create(budget=budget, action=action, actor=by, summary=summary[:300], comment=comment, ip=ip)


def budget_ensure(reception, *, by=None) -> Budget:
    """The visit's budget, created as an empty draft the first time anyone needs it (approved visits only)."""
    budget = Budget.objects.filter(reception=reception).first()
    if budget is not None:
        return budget
    try:
        with transaction.atomic():
            budget = Budget.objects.create(reception=reception, created_by=by or reception.requester)
            _history(budget, BudgetAction.CREATED, by=by)
    except IntegrityError:  # created at the same moment by someone else
        budget = Budget.objects.get(reception=reception)
    return budget


def _lock(*, reception_id: int, by) -> Budget:
    reception = get_reception_for_money(by, reception_id, write=True)
    budget = budget_ensure(reception, by=by)
    return Budget.objects.select_for_update(of=("self",)).select_related("reception").get(pk=budget.pk)


def _clean_lines(lines) -> list[BudgetLine]:
    """Each line: category (active), description, and either quantity × unit price × times or an amount; where
    both are given the amount must equal the product (rounded half up to the fen)."""
    if not isinstance(lines, list) or len(lines) > MAX_LINES:
        raise ValidationFailed(_("预算明细有误。"), errors={"lines": [_("最多 %s 行。") % MAX_LINES]})
    categories = {c.pk: c for c in ExpenseCategory.objects.filter(is_active=True)}
    clean, errors = [], {}
    for i, line in enumerate(lines):
        key = f"lines.{i}"
        category = line.get("category")
        category = categories.get(getattr(category, "pk", category))
        if category is None:
            errors.setdefault(key, []).append(_("请选择启用中的费用类别。"))
        description = (line.get("description") or "").strip()
        if not description:
            errors.setdefault(key, []).append(_("请填写内容。"))
        quantity = money(line.get("quantity"), _("数量"), errors, key)
        unit_price = money(line.get("unit_price"), _("单价"), errors, key)
        times = line.get("times")
        if times not in (None, "") and (not str(times).isdigit() or int(times) < 1 or int(times) > 10000):
            errors.setdefault(key, []).append(_("次数必须是 1 到 10000 的整数。"))
            times = None
        times = int(times) if times not in (None, "") else None
        amount = money(line.get("amount"), _("金额"), errors, key)
        if quantity is not None and unit_price is not None:
            product = (quantity * unit_price * (times or 1)).quantize(CENT, rounding=ROUND_HALF_UP)
            if amount is not None and amount != product:
                errors.setdefault(key, []).append(_("金额与数量×单价×次数不符（应为 %s）。") % product)
            amount = product
        elif amount is None and key not in errors:
            errors.setdefault(key, []).append(_("请填写金额，或数量和单价。"))
        clean.append(
            BudgetLine(
                category=category,
                description=description[:200],
                quantity=quantity,
                unit_price=unit_price,
                times=times,
                amount=amount,
                basis=(line.get("basis") or "").strip()[:300],
                position=i,
            )
        )
    if errors:
        raise ValidationFailed(_("请检查标红的预算明细。"), errors=errors)
    return clean


@transaction.atomic
def budget_save_lines(*, reception_id: int, by, lines: list[dict], expected_version: int | None = None, ip=None):
    """Replace the draft's lines (policy 5.1.1). `expected_version` turns a lost update into a conflict."""
    budget = _lock(reception_id=reception_id, by=by)
    if budget.status not in MONEY_EDITABLE:
        raise ConflictError(_("预算已提交或已批准，不能再修改。"))
    if expected_version is not None and expected_version != budget.version:
        raise ConflictError(_("预算已在别处被修改，请刷新后再编辑。"))
    clean = _clean_lines(lines)
    BudgetLine.objects.filter(budget=budget).delete()
    for line in clean:
        line.budget = budget
    BudgetLine.objects.bulk_create(clean)
    budget.total = sum((line.amount for line in clean), Decimal("0.00"))
    budget.version = F("version") + 1
    budget.save(update_fields=["total", "version", "updated_at"])
    _history(budget, BudgetAction.UPDATED, by=by, summary=_("预算合计 ¥%s") % budget.total, ip=ip)
    budget.refresh_from_db()
    return budget


@transaction.atomic
def budget_submit(*, reception_id: int, by, ip=None) -> Budget:
    """Into the budget flow (policy 5.1.2); a returned budget goes in again as a new round."""
    budget = _lock(reception_id=reception_id, by=by)
    if budget.status not in MONEY_EDITABLE:
        raise ConflictError(_("预算已提交或已批准，不能再次提交。"))
    if not budget.lines.exists():
        raise ValidationFailed(_("预算还没有明细。"), errors={"lines": [_("请至少填写一行预算。")]})
    action = BudgetAction.RESUBMITTED if budget.status == MoneyStatus.RETURNED else BudgetAction.SUBMITTED
    budget.status, budget.submitted_at = MoneyStatus.PENDING_APPROVAL, timezone.now()
    budget.save(update_fields=["status", "submitted_at", "updated_at"])
    _history(budget, action, by=by, ip=ip)
    reception = budget.reception
    approval_submit(
        flow_code=FLOW_CODE,
        document_type=BUDGET_DOCUMENT,
        document_id=budget.pk,
        applicant=by,
        department=reception.host_department,
        title=_("接待预算：%s") % reception.title,
        url=reverse("expenses:budget", kwargs={"pk": reception.pk}),
        snapshot={"total": str(budget.total), "importance": reception.importance},
        by=by,
        ip=ip,
    )
    return budget


def budget_withdraw(*, reception_id: int, by, comment: str = "", ip=None) -> Budget:
    reception = get_reception_for_money(by, reception_id, write=True)
    budget = Budget.objects.filter(reception=reception).first()
    if budget is None or budget.status != MoneyStatus.PENDING_APPROVAL:
        raise ConflictError(_("只有审批中的预算可以撤回。"))
    approval_withdraw(document_type=BUDGET_DOCUMENT, document_id=budget.pk, by=by, comment=comment, ip=ip)
    budget.refresh_from_db()
    return budget


class MoneyApprovalHandler:
    """What the engine calls, inside its transaction, when a budget's or a supplementary budget's approval ends
    (policy 5.1.2–5.1.3, 5.3.1): approved is frozen and counts from then on; returned goes back for changes;
    withdrawn is a draft again. Subclasses name the model, its history writer and its not-found message."""

    model = Budget
    missing = gettext_lazy("找不到该预算。")

    def history(self, document, action, *, by, comment):
        _history(document, action, by=by, comment=comment)

    def _finish(self, instance, status, action, *, by, comment=""):
        document = self.model.objects.select_for_update(of=("self",)).filter(pk=instance.document_id).first()
        if document is None:
            raise NotFound(str(self.missing))
        document.status = status
        fields = ["status", "updated_at"]
        if status == MoneyStatus.APPROVED:
            document.approved_at = timezone.now()
            fields.append("approved_at")
        document.save(update_fields=fields)
        self.history(document, action, by=by, comment=comment)

    def on_approved(self, instance, *, by):
        self._finish(instance, MoneyStatus.APPROVED, BudgetAction.APPROVED, by=by)

    def on_rejected(self, instance, *, by):
        self._finish(instance, MoneyStatus.REJECTED, BudgetAction.REJECTED, by=by, comment=last_comment(instance))

    def on_returned(self, instance, *, by):
        self._finish(instance, MoneyStatus.RETURNED, BudgetAction.RETURNED, by=by, comment=last_comment(instance))

    def on_withdrawn(self, instance, *, by):
        self._finish(instance, MoneyStatus.DRAFT, BudgetAction.WITHDRAWN, by=by)


class BudgetApprovalHandler(MoneyApprovalHandler):
    pass
