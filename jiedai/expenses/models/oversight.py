"""Finance's oversight of reception spending (policy 5.3.2): anomalies found by the scan (over budget, a line above
its standard, a cost per visitor-day far above the department's usual, an invoice dated outside the visit), the
investigation finance opens on one (调查和处理: who, findings, outcome, actions), and the year's revenue finance
enters for the business-entertainment (业务招待费) tax summary."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiedai.core.models import AppendOnlyModel


class AnomalyKind(models.TextChoices):
    OVER_BUDGET = "over_budget", _("超出预算")
    OVER_STANDARD = "over_standard", _("超出费用标准")
    COST_OUTLIER = "cost_outlier", _("人天费用偏高")
    INVOICE_DATE = "invoice_date", _("发票日期在来访期间之外")


class AnomalyStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    INVESTIGATING = "investigating", _("调查中")
    CLOSED = "closed", _("已结案")


ANOMALY_STATUS_COLORS = {
    AnomalyStatus.OPEN: "danger",
    AnomalyStatus.INVESTIGATING: "warning",
    AnomalyStatus.CLOSED: "success",
}


class Anomaly(models.Model):
    """Something the scan found (policy 5.3.2: 及时发现费用支出中存在的问题). One per kind and subject — the subject
    is what it is about ("reception:12", "line:34", "invoice:56") — so a re-scan never duplicates. `figures` keeps
    what was found (amounts as decimal strings, names): the claim's lines may be replaced later, the finding
    stays."""

    kind = models.CharField(_("类型"), max_length=20, choices=AnomalyKind.choices)
    subject = models.CharField(_("对象"), max_length=40)
    reception = models.ForeignKey(
        "receptions.Reception", verbose_name=_("接待申请"), on_delete=models.PROTECT, related_name="anomalies"
    )
    claim = models.ForeignKey(
        "expenses.Claim", verbose_name=_("报销单"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claim_line = models.ForeignKey(
        "expenses.ClaimLine",
        verbose_name=_("报销明细"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    invoice = models.ForeignKey(
        "expenses.Invoice", verbose_name=_("发票"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    figures = models.JSONField(_("数据"), default=dict)
    status = models.CharField(_("状态"), max_length=16, choices=AnomalyStatus.choices, default=AnomalyStatus.OPEN)
    detected_at = models.DateTimeField(_("发现时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("费用异常")
        verbose_name_plural = _("费用异常")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "kind"], name="anomaly_status_kind")]
        constraints = [models.UniqueConstraint(fields=["kind", "subject"], name="unique_anomaly_subject")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.subject}"

    @property
    def status_color(self) -> str:
        return ANOMALY_STATUS_COLORS.get(self.status, "secondary")


class InvestigationOutcome(models.TextChoices):
    NO_ISSUE = "no_issue", _("未发现问题")
    CORRECTED = "corrected", _("已纠正")
    RECOVERED = "recovered", _("已追回费用")
    DISCIPLINARY = "disciplinary", _("移交纪律处理")


class Investigation(models.Model):
    """Finance's investigation of an anomaly (policy 5.3.2: 调查和处理). `version` turns a lost update into a
    conflict; closing needs findings and an outcome."""

    anomaly = models.OneToOneField(Anomaly, on_delete=models.PROTECT, related_name="investigation")
    investigator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("调查人"), on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("立案时间"), auto_now_add=True)
    findings = models.TextField(_("调查结果"), blank=True)
    outcome = models.CharField(_("处理结论"), max_length=16, choices=InvestigationOutcome.choices, blank=True)
    actions = models.TextField(_("处理措施"), blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("费用调查")
        verbose_name_plural = _("费用调查")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | (~Q(findings="") & ~Q(outcome="")),
                name="investigation_closed_has_findings",
            )
        ]

    def __str__(self):
        return str(_("调查 %s")) % self.anomaly


class InvestigationAction(models.TextChoices):
    OPENED = "opened", pgettext_lazy("record", "立案调查")
    UPDATED = "updated", pgettext_lazy("record", "更新调查")
    CLOSED = "closed", pgettext_lazy("record", "结案")
    REOPENED = "reopened", pgettext_lazy("record", "重新调查")


class InvestigationHistory(AppendOnlyModel):
    investigation = models.ForeignKey(Investigation, on_delete=models.PROTECT, related_name="history")
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("动作"), max_length=16, choices=InvestigationAction.choices)
    version = models.PositiveIntegerField(_("版本"), default=1)
    findings = models.TextField(_("调查结果"), blank=True)
    outcome = models.CharField(_("处理结论"), max_length=16, choices=InvestigationOutcome.choices, blank=True)
    actions = models.TextField(_("处理措施"), blank=True)
    comment = models.TextField(_("说明"), blank=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("调查记录")
        verbose_name_plural = _("调查记录")
        ordering = ["at", "id"]


class YearRevenue(models.Model):
    """The year's sales (operating) revenue, entered by finance: the base of the 5‰ cap on deductible business
    entertainment (企业所得税法实施条例 第四十三条)."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    revenue = models.DecimalField(
        _("销售（营业）收入（元）"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(_("录入时间"), auto_now=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("年度营业收入")
        verbose_name_plural = _("年度营业收入")
        ordering = ["-year"]
        constraints = [models.CheckConstraint(condition=Q(revenue__gte=0), name="year_revenue_not_negative")]

    def __str__(self):
        return str(self.year)


class YearRevenueHistory(AppendOnlyModel):
    year_revenue = models.ForeignKey(YearRevenue, on_delete=models.PROTECT, related_name="history")
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    revenue = models.DecimalField(_("销售（营业）收入（元）"), max_digits=14, decimal_places=2)
    previous = models.DecimalField(_("原收入（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("营业收入记录")
        verbose_name_plural = _("营业收入记录")
        ordering = ["at", "id"]
