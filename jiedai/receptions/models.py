"""The client directory and the Client Reception Notification Request (客户接待通知申请表, policy 2.1–2.2)."""

import zoneinfo

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiedai.core.models import AppendOnlyModel

LOCAL_TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


class ClientOrganization(models.Model):
    name = models.CharField(_("单位名称"), max_length=200, unique=True)
    notes = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("客户单位")
        verbose_name_plural = _("客户单位")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ClientContact(models.Model):
    """A visiting client (policy 2.1.1: name, organisation, title, contact), kept for reuse across visits."""

    organization = models.ForeignKey(
        ClientOrganization, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="contacts"
    )
    name = models.CharField(_("姓名"), max_length=64)
    title = models.CharField(_("职务"), max_length=64, blank=True)
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    email = models.EmailField(_("邮箱"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("客户联系人")
        verbose_name_plural = _("客户联系人")
        ordering = ["organization__name", "name"]
        indexes = [models.Index(fields=["organization", "name"], name="contact_org_name")]

    def __str__(self):
        return f"{self.name}（{self.organization.name}）"


class Importance(models.TextChoices):
    NORMAL = "normal", _("一般")
    IMPORTANT = "important", _("重要")
    MAJOR = "major", _("重大")


IMPORTANCE_COLORS = {Importance.NORMAL: "secondary", Importance.IMPORTANT: "warning", Importance.MAJOR: "danger"}


class ReceptionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PENDING_APPROVAL = "pending_approval", _("审批中")
    RETURNED = "returned", _("已退回")
    REJECTED = "rejected", _("已驳回")
    WITHDRAWN = "withdrawn", _("已撤回")
    APPROVED = "approved", _("已批准")


STATUS_COLORS = {
    ReceptionStatus.DRAFT: "secondary",
    ReceptionStatus.PENDING_APPROVAL: "primary",
    ReceptionStatus.RETURNED: "warning",
    ReceptionStatus.REJECTED: "danger",
    ReceptionStatus.WITHDRAWN: "dark",
    ReceptionStatus.APPROVED: "success",
}

EDITABLE_STATUSES = (ReceptionStatus.DRAFT, ReceptionStatus.RETURNED)


class Reception(models.Model):
    number = models.CharField(_("编号"), max_length=20, unique=True, null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=ReceptionStatus.choices, default=ReceptionStatus.DRAFT)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="receptions"
    )
    # policy 1.3.3: the host is the department whose business the visit serves.
    host_department = models.ForeignKey(
        "org.Department", verbose_name=_("接待部门"), on_delete=models.PROTECT, related_name="hosted_receptions"
    )
    purpose = models.TextField(_("来访目的"), blank=True)
    visit_start = models.DateTimeField(_("来访开始时间"), null=True, blank=True)
    visit_end = models.DateTimeField(_("来访结束时间"), null=True, blank=True)
    visitor_count = models.PositiveIntegerField(_("来访人数"), null=True, blank=True, validators=[MinValueValidator(1)])
    clients = models.ManyToManyField(
        ClientContact, verbose_name=_("来访客户"), through="ReceptionClient", related_name="receptions", blank=True
    )
    escort_needs = models.TextField(_("陪同人员需求"), blank=True)
    importance = models.CharField(_("重要程度"), max_length=16, choices=Importance.choices, default=Importance.NORMAL)
    estimated_cost = models.DecimalField(
        _("预计费用（元）"), max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    # policy 2.1.2: for important visits or several departments: lead, coordinating departments, why, expected outcome.
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("牵头负责人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_receptions",
    )
    coordinating_departments = models.ManyToManyField(
        "org.Department", verbose_name=_("协同部门"), blank=True, related_name="coordinated_receptions"
    )
    importance_statement = models.TextField(_("重要性说明"), blank=True)
    expected_outcome = models.TextField(_("预期效果"), blank=True)
    # policy 3.1.2: the plan is due X working days before the visit; fixed when the request is approved.
    plan_due_date = models.DateField(_("方案截止日期"), null=True, blank=True)
    plan_due_provisional = models.BooleanField(_("截止日期为暂定"), default=False)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("客户接待通知申请")
        verbose_name_plural = _("客户接待通知申请")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "-id"], name="reception_status_recent"),
            models.Index(fields=["requester", "-id"], name="reception_requester_recent"),
            models.Index(fields=["host_department", "status"], name="reception_dept_status"),
            models.Index(fields=["visit_start"], name="reception_visit_start"),
            # The newest change, read by the list's count cache (selectors.visibility_stamp).
            models.Index(fields=["updated_at"], name="reception_updated"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(visit_end__isnull=True)
                | Q(visit_start__isnull=True)
                | Q(visit_end__gt=models.F("visit_start")),
                name="reception_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(estimated_cost__isnull=True) | Q(estimated_cost__gte=0), name="reception_cost_not_negative"
            ),
        ]

    def __str__(self):
        return self.number or _("草稿 #%s") % self.pk

    @property
    def title(self) -> str:
        label = self.number or _("草稿")
        purpose = (self.purpose or "").strip().splitlines()[0][:40] if self.purpose else ""
        return f"{label} {purpose}".strip()

    @property
    def days_of_stay(self) -> int | None:
        """Calendar days the clients stay, counted on local (Shanghai) dates, both ends included (policy 2.1.1)."""
        if not self.visit_start or not self.visit_end:
            return None
        start, end = self.visit_start.astimezone(LOCAL_TZ).date(), self.visit_end.astimezone(LOCAL_TZ).date()
        return (end - start).days + 1

    @property
    def status_color(self) -> str:
        return STATUS_COLORS.get(self.status, "secondary")

    @property
    def importance_color(self) -> str:
        return IMPORTANCE_COLORS.get(self.importance, "secondary")

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES


class ReceptionClient(models.Model):
    reception = models.ForeignKey(Reception, on_delete=models.CASCADE, related_name="client_links")
    contact = models.ForeignKey(ClientContact, verbose_name=_("客户"), on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["reception", "contact"], name="unique_client_per_reception")]


class ReceptionSequence(models.Model):
    """The last number given per year; locked while numbering so numbers are sequential and never reused."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class HistoryAction(models.TextChoices):
    CREATED = "created", pgettext_lazy("record", "创建草稿")
    UPDATED = "updated", pgettext_lazy("record", "修改")
    SUBMITTED = "submitted", pgettext_lazy("record", "提交审批")
    RESUBMITTED = "resubmitted", pgettext_lazy("record", "重新提交")
    APPROVED = "approved", _("审批通过")
    REJECTED = "rejected", pgettext_lazy("record", "驳回")
    RETURNED = "returned", pgettext_lazy("record", "退回修改")
    WITHDRAWN = "withdrawn", pgettext_lazy("record", "撤回")


class ReceptionHistory(AppendOnlyModel):
    """Every state change of a request (who, from, to, when, comment, IP). Never edited through the app."""

    reception = models.ForeignKey(Reception, on_delete=models.PROTECT, related_name="history")
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("动作"), max_length=16, choices=HistoryAction.choices)
    from_status = models.CharField(_("原状态"), max_length=20, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, blank=True)
    comment = models.TextField(_("说明"), blank=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("申请历史")
        verbose_name_plural = _("申请历史")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_action_display()} @ {self.at:%Y-%m-%d %H:%M}"
