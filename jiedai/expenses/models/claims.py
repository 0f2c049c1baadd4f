"""Reimbursement (policy 5.2): after the visit, claims by category with their invoices, approved through the
reimbursement flow (host head → finance audit → supervising leader → general manager → finance pays) and paid."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiedai.core.models import AppendOnlyModel


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PENDING_APPROVAL = "pending_approval", _("审批中")
    RETURNED = "returned", _("已退回")
    REJECTED = "rejected", _("已驳回")
    WITHDRAWN = "withdrawn", _("已撤回")
    APPROVED = "approved", _("已批准")
    PAID = "paid", _("已付款")


CLAIM_STATUS_COLORS = {
    ClaimStatus.DRAFT: "secondary",
    ClaimStatus.PENDING_APPROVAL: "primary",
    ClaimStatus.RETURNED: "warning",
    ClaimStatus.REJECTED: "danger",
    ClaimStatus.WITHDRAWN: "dark",
    ClaimStatus.APPROVED: "info",
    ClaimStatus.PAID: "success",
}
CLAIM_EDITABLE = (ClaimStatus.DRAFT, ClaimStatus.RETURNED)


class Claim(models.Model):
    """A reimbursement claim for a visit (policy 5.2.1); a visit may have several."""

    reception = models.ForeignKey(
        "receptions.Reception", verbose_name=_("接待申请"), on_delete=models.PROTECT, related_name="claims"
    )
    status = models.CharField(_("状态"), max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT)
    version = models.PositiveIntegerField(_("版本"), default=1)
    total_claimed = models.DecimalField(_("报销合计（元）"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    total_approved = models.DecimalField(_("核准合计（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    paid_at = models.DateTimeField(_("付款时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("报销单")
        verbose_name_plural = _("报销单")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status"], name="claim_status")]
        constraints = [
            models.CheckConstraint(condition=Q(total_claimed__gte=0), name="claim_total_not_negative"),
            models.CheckConstraint(
                condition=Q(total_approved__isnull=True) | Q(total_approved__lte=F("total_claimed")),
                name="claim_approved_not_above_claimed",
            ),
        ]

    def __str__(self):
        return str(_("报销单 %s")) % self.pk

    @property
    def status_color(self) -> str:
        return CLAIM_STATUS_COLORS.get(self.status, "secondary")


class ClaimLine(models.Model):
    """An amount claimed in a category, backed by one or more invoices; finance may approve less, never more
    (policy 5.2.2)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="lines")
    category = models.ForeignKey("expenses.ExpenseCategory", verbose_name=_("类别"), on_delete=models.PROTECT)
    description = models.CharField(_("内容"), max_length=200)
    amount_claimed = models.DecimalField(
        _("报销金额（元）"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    amount_approved = models.DecimalField(
        _("核准金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    rejected_reason = models.CharField(_("核减理由"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("报销明细")
        verbose_name_plural = _("报销明细")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_claimed__gte=0), name="claim_line_not_negative"),
            models.CheckConstraint(
                condition=Q(amount_approved__isnull=True)
                | (Q(amount_approved__gte=0) & Q(amount_approved__lte=F("amount_claimed"))),
                name="claim_line_approved_not_above_claimed",
            ),
        ]


class Invoice(models.Model):
    """An invoice behind a claim line: classic (code + 8-digit number) or fully digital (20-digit number, no
    code). `dedup_key` is unique while the claim is not rejected and NULL once it is, so the same invoice can never
    be claimed twice (policy 5.2.2), also when two claims are saved at the same moment."""

    line = models.ForeignKey(ClaimLine, on_delete=models.CASCADE, related_name="invoices")
    code = models.CharField(_("发票代码"), max_length=12, blank=True)
    number = models.CharField(_("发票号码"), max_length=20)
    date = models.DateField(_("开票日期"))
    amount_before_tax = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2)
    tax = models.DecimalField(_("税额（元）"), max_digits=14, decimal_places=2)
    total = models.DecimalField(_("价税合计（元）"), max_digits=14, decimal_places=2)
    seller_name = models.CharField(_("销售方名称"), max_length=200, blank=True)
    seller_tax_id = models.CharField(_("销售方纳税人识别号"), max_length=20, blank=True)
    buyer_tax_id = models.CharField(_("购买方纳税人识别号"), max_length=20, blank=True)
    file = models.FileField(_("发票文件"), upload_to="invoices/%Y/%m/", blank=True)
    sha256 = models.CharField(_("文件摘要"), max_length=64, blank=True, db_index=True)
    dedup_key = models.CharField(_("查重键"), max_length=40, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("发票")
        verbose_name_plural = _("发票")
        ordering = ["id"]
        # amount + tax = total is checked on entry: SQLite would compare the sum as a float.
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="invoice_total_not_negative"),
        ]

    def __str__(self):
        return f"{self.code}:{self.number}" if self.code else self.number


class Payment(models.Model):
    """Finance pays an approved claim (policy 5.2.3): only then is it paid."""

    claim = models.OneToOneField(Claim, on_delete=models.PROTECT, related_name="payment")
    date = models.DateField(_("付款日期"))
    method = models.CharField(_("付款方式"), max_length=40)
    reference = models.CharField(_("付款凭证号"), max_length=100, blank=True)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("付款记录")
        verbose_name_plural = _("付款记录")


class ClaimAction(models.TextChoices):
    CREATED = "created", pgettext_lazy("record", "创建报销单")
    UPDATED = "updated", pgettext_lazy("record", "修改")
    SUBMITTED = "submitted", pgettext_lazy("record", "提交审批")
    RESUBMITTED = "resubmitted", pgettext_lazy("record", "重新提交")
    LINE_APPROVED = "line_approved", pgettext_lazy("record", "核定金额")
    APPROVED = "approved", _("审批通过")
    REJECTED = "rejected", pgettext_lazy("record", "驳回")
    RETURNED = "returned", pgettext_lazy("record", "退回修改")
    WITHDRAWN = "withdrawn", pgettext_lazy("record", "撤回")
    PAID = "paid", pgettext_lazy("record", "付款")


class ClaimHistory(AppendOnlyModel):
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="history")
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("动作"), max_length=16, choices=ClaimAction.choices)
    version = models.PositiveIntegerField(_("版本"), default=1)
    summary = models.CharField(_("内容"), max_length=300, blank=True)
    comment = models.TextField(_("说明"), blank=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("报销记录")
        verbose_name_plural = _("报销记录")
        ordering = ["at", "id"]
