"""The reception budget (policy 5.1) and supplementary budgets (5.3.1): lines by category, each with its basis,
approved through their flows and frozen once approved — what later spending is held against."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiedai.core.models import AppendOnlyModel


class MoneyStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PENDING_APPROVAL = "pending_approval", _("审批中")
    RETURNED = "returned", _("已退回")
    REJECTED = "rejected", _("已驳回")
    WITHDRAWN = "withdrawn", _("已撤回")
    APPROVED = "approved", _("已批准")


MONEY_STATUS_COLORS = {
    MoneyStatus.DRAFT: "secondary",
    MoneyStatus.PENDING_APPROVAL: "primary",
    MoneyStatus.RETURNED: "warning",
    MoneyStatus.REJECTED: "danger",
    MoneyStatus.WITHDRAWN: "dark",
    MoneyStatus.APPROVED: "success",
}
MONEY_EDITABLE = (MoneyStatus.DRAFT, MoneyStatus.RETURNED)


class Budget(models.Model):
    """One per visit, drawn up with the plan (policy 5.1.1)."""

    reception = models.OneToOneField(
        "receptions.Reception", verbose_name=_("接待申请"), on_delete=models.PROTECT, related_name="budget"
    )
    status = models.CharField(_("状态"), max_length=20, choices=MoneyStatus.choices, default=MoneyStatus.DRAFT)
    total = models.DecimalField(_("预算合计（元）"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("接待费用预算")
        verbose_name_plural = _("接待费用预算")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status"], name="budget_status")]
        constraints = [models.CheckConstraint(condition=Q(total__gte=0), name="budget_total_not_negative")]

    def __str__(self):
        return str(_("预算 %s")) % self.reception

    @property
    def status_color(self) -> str:
        return MONEY_STATUS_COLORS.get(self.status, "secondary")


class BudgetLine(models.Model):
    """An amount and its basis: quantity × unit price × times where that fits (8 people × 2 meals × ¥150), or a
    free-text basis with the amount."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="lines")
    category = models.ForeignKey("expenses.ExpenseCategory", verbose_name=_("类别"), on_delete=models.PROTECT)
    description = models.CharField(_("内容"), max_length=200)
    quantity = models.DecimalField(
        _("数量"), max_digits=10, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    unit_price = models.DecimalField(
        _("单价（元）"), max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    times = models.PositiveIntegerField(_("次数"), null=True, blank=True)
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    basis = models.CharField(_("测算依据"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("预算明细")
        verbose_name_plural = _("预算明细")
        ordering = ["position", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="budget_line_not_negative")]


class BudgetAction(models.TextChoices):
    CREATED = "created", pgettext_lazy("record", "创建预算")
    UPDATED = "updated", pgettext_lazy("record", "修改")
    SUBMITTED = "submitted", pgettext_lazy("record", "提交审批")
    RESUBMITTED = "resubmitted", pgettext_lazy("record", "重新提交")
    APPROVED = "approved", _("审批通过")
    REJECTED = "rejected", pgettext_lazy("record", "驳回")
    RETURNED = "returned", pgettext_lazy("record", "退回修改")
    WITHDRAWN = "withdrawn", pgettext_lazy("record", "撤回")


class BudgetHistory(AppendOnlyModel):
    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="history")
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("动作"), max_length=16, choices=BudgetAction.choices)
    summary = models.CharField(_("内容"), max_length=300, blank=True)
    comment = models.TextField(_("说明"), blank=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("预算记录")
        verbose_name_plural = _("预算记录")
        ordering = ["at", "id"]
