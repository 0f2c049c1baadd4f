"""The reception plan (policy 3.1.1) and its record: one plan per approved request, led by the host department."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiedai.core.models import AppendOnlyModel


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("编制中")
    PENDING_REVIEW = "pending_review", _("审核中")
    RETURNED = "returned", _("已退回")
    CONFIRMED = "confirmed", _("已确认")


PLAN_STATUS_COLORS = {
    PlanStatus.DRAFT: "secondary",
    PlanStatus.PENDING_REVIEW: "primary",
    PlanStatus.RETURNED: "warning",
    PlanStatus.CONFIRMED: "success",
}

# The plan's content may be edited in these states; after confirmation every change is recorded and announced.
PLAN_EDITABLE_STATUSES = (PlanStatus.DRAFT, PlanStatus.RETURNED, PlanStatus.CONFIRMED)


class Plan(models.Model):
    reception = models.OneToOneField(
        "receptions.Reception", verbose_name=_("接待申请"), on_delete=models.PROTECT, related_name="plan"
    )
    status = models.CharField(_("状态"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    version = models.PositiveIntegerField(_("版本"), default=1)
    summary = models.TextField(_("方案概述"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    # policy 3.1.2 / 6.2.2: set once when the due date passed before the plan was submitted; kept for the assessment.
    overdue_at = models.DateTimeField(_("逾期标记时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("接待方案")
        verbose_name_plural = _("接待方案")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status"], name="plan_status")]

    def __str__(self):
        return str(_("接待方案 %s")) % self.reception

    @property
    def status_color(self) -> str:
        return PLAN_STATUS_COLORS.get(self.status, "secondary")

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class PlanAction(models.TextChoices):
    CREATED = "created", pgettext_lazy("record", "创建方案")
    CHANGED = "changed", pgettext_lazy("record", "修改")
    CHANGED_AFTER_CONFIRMATION = "changed_confirmed", pgettext_lazy("record", "确认后变更")
    SUBMITTED = "submitted", pgettext_lazy("record", "提交审核")
    RESUBMITTED = "resubmitted", pgettext_lazy("record", "重新提交")
    CONFIRMED = "confirmed", pgettext_lazy("record", "审核确认")
    RETURNED = "returned", pgettext_lazy("record", "退回修改")
    WITHDRAWN = "withdrawn", pgettext_lazy("record", "撤回")
    REMINDED = "reminded", pgettext_lazy("record", "到期提醒")
    OVERDUE = "overdue", pgettext_lazy("record", "逾期未提交")
    LINK_CREATED = "link_created", pgettext_lazy("record", "生成行程链接")
    LINK_REVOKED = "link_revoked", pgettext_lazy("record", "作废行程链接")


class PlanHistory(AppendOnlyModel):
    """Every change of a plan: who, what, when (policy 3.1.2: changes after confirmation are recorded)."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="history")
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("动作"), max_length=20, choices=PlanAction.choices)
    summary = models.CharField(_("内容"), max_length=300, blank=True)
    comment = models.TextField(_("说明"), blank=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("方案记录")
        verbose_name_plural = _("方案记录")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_action_display()} @ {self.at:%Y-%m-%d %H:%M}"


def new_link_token() -> str:
    return secrets.token_urlsafe(32)


class ItineraryLink(models.Model):
    """The client's itinerary behind an unguessable link (no login); revoked links answer 404."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="links")
    token = models.CharField(max_length=64, unique=True, default=new_link_token)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("客户行程链接")
        verbose_name_plural = _("客户行程链接")
        indexes = [models.Index(fields=["plan"], name="link_plan", condition=Q(revoked_at__isnull=True))]
