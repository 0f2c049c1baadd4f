"""The approval engine's tables. Definitions (Flow, FlowStep, CcRule) are data an administrator edits; runtime
tables (ApprovalInstance, ApprovalTask, ApprovalEvent, CcRecord) record every document's way through a flow.
The engine knows documents only by (document_type, document_id); it imports no document app."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiedai.core.models import AppendOnlyModel


class StepKind(models.TextChoices):
    APPROVE = "approve", _("审批")
    HANDLE = "handle", _("办理")


class Resolver(models.TextChoices):
    DEPARTMENT_HEAD = "department_head", _("发起部门负责人")
    SUPERVISING_LEADER = "supervising_leader", _("发起部门分管领导")
    GENERAL_MANAGER = "general_manager", _("总经理")
    ROLE = "role", _("角色")
    USER = "user", _("指定人员")
    DEPARTMENT_HEADS_FROM_FIELD = "department_heads_from_field", _("字段中各部门的负责人")


class StepMode(models.TextChoices):
    ANY = "any", _("或签（一人同意即可）")
    ALL = "all", _("会签（全部同意）")


class Flow(models.Model):
    """One version of a flow. Instances pin the version they started with; edits go into a new version."""

    code = models.SlugField(_("流程代码"), max_length=64)
    version = models.PositiveIntegerField(_("版本"), default=1)
    name = models.CharField(_("名称"), max_length=100)
    document_type = models.CharField(_("单据类型"), max_length=64)
    is_active = models.BooleanField(_("启用"), default=False)
    skip_repeated_approver = models.BooleanField(
        _("跳过已审批过的人"), default=True, help_text=_("同一轮中已在前面步骤同意过的审批人自动跳过。")
    )
    allow_self_approval = models.BooleanField(
        _("允许审批自己发起的单据"), default=False, help_text=_("不允许时，审批人即发起人的任务自动跳过并记录。")
    )
    description = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("审批流程")
        verbose_name_plural = _("审批流程")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="unique_flow_version"),
            models.UniqueConstraint(fields=["code"], condition=Q(is_active=True), name="one_active_flow_version"),
        ]

    def __str__(self):
        return f"{self.name} v{self.version}"


class FlowStep(models.Model):
    flow = models.ForeignKey(Flow, verbose_name=_("流程"), on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("顺序"))
    name = models.CharField(_("步骤名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=StepKind.choices, default=StepKind.APPROVE)
    resolver = models.CharField(_("审批人来源"), max_length=32, choices=Resolver.choices)
    resolver_value = models.CharField(
        _("来源参数"), max_length=100, blank=True, help_text=_("角色代码、用户名或单据字段名，视来源而定。")
    )
    mode = models.CharField(_("多人审批方式"), max_length=8, choices=StepMode.choices, default=StepMode.ANY)
    condition = models.JSONField(
        _("适用条件"),
        null=True,
        blank=True,
        help_text=_('留空表示总是适用。例：{"any": [{"field": "importance", "in": ["important", "major"]}]}'),
    )
    allow_return = models.BooleanField(_("可退回"), default=True)
    allow_reject = models.BooleanField(_("可驳回"), default=True)
    clause = models.CharField(_("制度依据"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("流程步骤")
        verbose_name_plural = _("流程步骤")
        ordering = ["flow", "order"]
        constraints = [models.UniqueConstraint(fields=["flow", "order"], name="unique_step_order")]

    def __str__(self):
        return self.name

    def clean(self):
        from jiedai.approvals.conditions import ConditionError, validate_condition
        from jiedai.org.models import Role

        if self.condition:
            try:
                validate_condition(self.condition)
            except ConditionError as exc:
                raise ValidationError({"condition": str(exc)}) from exc
        needs_value = {Resolver.ROLE, Resolver.USER, Resolver.DEPARTMENT_HEADS_FROM_FIELD}
        if self.resolver in needs_value and not self.resolver_value:
            raise ValidationError({"resolver_value": _("此审批人来源需要填写参数。")})
        if self.resolver == Resolver.ROLE and self.resolver_value not in Role.values:
            raise ValidationError({"resolver_value": _("未知的角色代码。可选：%s") % ", ".join(Role.values)})


class CcTarget(models.TextChoices):
    ROLE = "role", _("角色的全部人员")
    USER = "user", _("指定人员")
    DEPARTMENT_HEADS_FROM_FIELD = "department_heads_from_field", _("字段中各部门的负责人")


class CcRule(models.Model):
    """Who is copied (抄送) when the flow completes with approval (policy 2.2.3)."""

    flow = models.ForeignKey(Flow, verbose_name=_("流程"), on_delete=models.CASCADE, related_name="cc_rules")
    target = models.CharField(_("抄送对象"), max_length=32, choices=CcTarget.choices)
    value = models.CharField(_("参数"), max_length=100)
    clause = models.CharField(_("制度依据"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("抄送规则")
        verbose_name_plural = _("抄送规则")

    def __str__(self):
        return f"{self.get_target_display()}: {self.value}"


class InstanceStatus(models.TextChoices):
    PENDING = "pending", _("审批中")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("已驳回")
    RETURNED = "returned", _("已退回")
    WITHDRAWN = "withdrawn", _("已撤回")


class ApprovalInstance(models.Model):
    flow = models.ForeignKey(Flow, verbose_name=_("流程版本"), on_delete=models.PROTECT, related_name="instances")
    document_type = models.CharField(_("单据类型"), max_length=64)
    document_id = models.BigIntegerField(_("单据编号"))
    title = models.CharField(_("标题"), max_length=300)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "org.Department", verbose_name=_("发起部门"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=16, choices=InstanceStatus.choices, default=InstanceStatus.PENDING)
    round = models.PositiveIntegerField(_("轮次"), default=1)
    current_step = models.ForeignKey(
        FlowStep, verbose_name=_("当前步骤"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    snapshot = models.JSONField(_("条件字段快照"), default=dict)
    submitted_at = models.DateTimeField(_("提交时间"))
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("审批实例")
        verbose_name_plural = _("审批实例")
        constraints = [
            models.UniqueConstraint(fields=["document_type", "document_id"], name="one_instance_per_document")
        ]

    def __str__(self):
        return self.title


class TaskStatus(models.TextChoices):
    PENDING = "pending", _("待处理")
    APPROVED = "approved", pgettext_lazy("record", "同意")
    REJECTED = "rejected", pgettext_lazy("record", "驳回")
    RETURNED = "returned", pgettext_lazy("record", "退回")
    SKIPPED = "skipped", _("自动跳过")
    CANCELLED = "cancelled", _("已取消")

    @property
    def color(self):
        return TASK_STATUS_COLORS[self]


TASK_STATUS_COLORS = {
    TaskStatus.PENDING: "warning",
    TaskStatus.APPROVED: "success",
    TaskStatus.REJECTED: "danger",
    TaskStatus.RETURNED: "secondary",
    TaskStatus.SKIPPED: "info",
    TaskStatus.CANCELLED: "light",
}


class ApprovalTask(models.Model):
    instance = models.ForeignKey(ApprovalInstance, on_delete=models.CASCADE, related_name="tasks")
    # The instance's document key, copied so "documents this person has a task on" is one index range scan (the
    # access layers ask it for every list row and every count; see receptions.access).
    document_type = models.CharField(_("单据类型"), max_length=64, default="")
    document_id = models.BigIntegerField(_("单据编号"), default=0)
    step = models.ForeignKey(FlowStep, verbose_name=_("步骤"), on_delete=models.PROTECT, related_name="+")
    round = models.PositiveIntegerField(_("轮次"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("处理人"), on_delete=models.PROTECT, related_name="approval_tasks"
    )
    # The person whose authority this is, when the assignee is their delegate (shown as "X 代 Y").
    acting_for = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代理谁"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.PENDING)
    comment = models.TextField(_("意见"), blank=True)
    skip_reason = models.CharField(_("跳过原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("审批任务")
        verbose_name_plural = _("审批任务")
        ordering = ["round", "step__order", "id"]
        indexes = [
            # the to-do list: a person's pending tasks, newest first, read in index order (no sort)
            models.Index(fields=["assignee", "status", "-created_at", "-id"], name="task_assignee_todo"),
            models.Index(fields=["instance", "round"], name="task_instance_round"),
            models.Index(fields=["assignee", "document_type", "document_id"], name="task_assignee_document"),
            models.Index(fields=["acting_for", "document_type", "document_id"], name="task_principal_document"),
        ]

    def __str__(self):
        return f"{self.step} · {self.assignee}"

    @property
    def status_color(self):
        return TASK_STATUS_COLORS.get(self.status, "secondary")


class EventAction(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("record", "提交")
    RESUBMITTED = "resubmitted", pgettext_lazy("record", "重新提交")
    APPROVED = "approved", pgettext_lazy("record", "同意")
    HANDLED = "handled", _("办理完成")
    REJECTED = "rejected", pgettext_lazy("record", "驳回")
    RETURNED = "returned", pgettext_lazy("record", "退回")
    SKIPPED = "skipped", _("自动跳过")
    WITHDRAWN = "withdrawn", pgettext_lazy("record", "撤回")
    COMPLETED = "completed", _("审批通过")
    COPIED = "copied", _("抄送")


class ApprovalEvent(AppendOnlyModel):
    """The append-only record of everything that happened to an instance."""

    instance = models.ForeignKey(ApprovalInstance, on_delete=models.PROTECT, related_name="events")
    task = models.ForeignKey(ApprovalTask, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    round = models.PositiveIntegerField(_("轮次"))
    step_name = models.CharField(_("步骤"), max_length=100, blank=True)
    action = models.CharField(_("动作"), max_length=16, choices=EventAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代理谁"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    from_status = models.CharField(_("原状态"), max_length=16, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, blank=True)
    comment = models.TextField(_("意见"), blank=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("审批记录")
        verbose_name_plural = _("审批记录")
        ordering = ["id"]

    def __str__(self):
        return f"{self.get_action_display()} · {self.step_name}"


class CcRecord(models.Model):
    instance = models.ForeignKey(ApprovalInstance, on_delete=models.CASCADE, related_name="cc_records")
    document_type = models.CharField(_("单据类型"), max_length=64, default="")  # copied from the instance, as on tasks
    document_id = models.BigIntegerField(_("单据编号"), default=0)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("抄送人"), on_delete=models.CASCADE, related_name="cc_records"
    )
    created_at = models.DateTimeField(_("抄送时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("抄送记录")
        verbose_name_plural = _("抄送记录")
        constraints = [models.UniqueConstraint(fields=["instance", "user"], name="one_cc_per_user")]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="cc_user_recent"),
            models.Index(fields=["user", "document_type", "document_id"], name="cc_user_document"),
        ]

    def __str__(self):
        return f"{self.instance} → {self.user}"
