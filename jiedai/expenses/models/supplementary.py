"""Supplementary budgets (policy 5.3.1): when a visit's approved budget will not cover what it needs, the extra is
asked for in advance with its reason, by category, through the supplementary budget flow (host head → finance →
supervising leader); it counts towards what may be spent only once approved."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from jiedai.core.models import AppendOnlyModel
from jiedai.expenses.models.budget import MONEY_STATUS_COLORS, BudgetAction, MoneyStatus


class SupplementaryBudget(models.Model):
    """An addition to the visit's approved budget (policy 5.3.1); a visit may have several."""

    reception = models.ForeignKey(
        "receptions.Reception",
        verbose_name=_("接待申请"),
        on_delete=models.PROTECT,
        related_name="supplementary_budgets",
    )
    status = models.CharField(_("状态"), max_length=20, choices=MoneyStatus.choices, default=MoneyStatus.DRAFT)
    reason = models.TextField(_("追加理由"))
    total = models.DecimalField(_("追加合计（元）"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("追加预算")
        verbose_name_plural = _("追加预算")
        ordering = ["-id"]
        indexes = [models.Index(fields=["reception", "status"], name="supplementary_status")]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="supplementary_total_not_negative"),
        ]

    def __str__(self):
        return str(_("追加预算 %s")) % self.pk

    @property
    def status_color(self) -> str:
        return MONEY_STATUS_COLORS.get(self.status, "secondary")


class SupplementaryLine(models.Model):
    """An extra amount in a category, with why it is needed (policy 5.3.1)."""

    supplementary = models.ForeignKey(SupplementaryBudget, on_delete=models.CASCADE, related_name="lines")
    category = models.ForeignKey("expenses.ExpenseCategory", verbose_name=_("类别"), on_delete=models.PROTECT)
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    reason = models.CharField(_("说明"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("追加预算明细")
        verbose_name_plural = _("追加预算明细")
        ordering = ["position", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="supplementary_line_not_negative")]


class SupplementaryHistory(AppendOnlyModel):
    supplementary = models.ForeignKey(SupplementaryBudget, on_delete=models.PROTECT, related_name="history")
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("动作"), max_length=16, choices=BudgetAction.choices)
    summary = models.CharField(_("内容"), max_length=300, blank=True)
    comment = models.TextField(_("说明"), blank=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("追加预算记录")
        verbose_name_plural = _("追加预算记录")
        ordering = ["at", "id"]

    def get_action_display(self):
        """The budget's actions, but a supplementary budget's creation is not the budget's (policy 5.3.1)."""
        if self.action == BudgetAction.CREATED:
            return pgettext("record", "创建追加预算")
        return self._get_FIELD_display(self._meta.get_field("action"))
