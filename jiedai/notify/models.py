"""Notifications: the in-app inbox row, and one outbox row per notification per channel.

Both are written in the transaction of the change that causes them (services.notify); a Celery task delivers the
outbox rows afterwards, with retries, so a channel that is down loses nothing (DESIGN.md "Notifications").

The inbox lists every Notification of its recipient as soon as the causing transaction commits; the in-app
channel's delivery only stamps `delivered_at` (when the worker saw it — a hook for push to open browsers later).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    """Known kinds, for labels and icons. The field itself is free text: a new kind needs no migration."""

    APPROVAL_TASK = "approval_task", _("待审批")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("已驳回")
    RETURNED = "returned", _("已退回")
    WITHDRAWN = "withdrawn", _("已撤回")
    CC = "cc", _("抄送")
    REMINDER = "reminder", _("提醒")
    OVERDUE = "overdue", _("已逾期")
    INFO = "info", _("通知")


KIND_ICONS = {
    NotificationKind.APPROVAL_TASK: "bi-pen",
    NotificationKind.APPROVED: "bi-check-circle",
    NotificationKind.REJECTED: "bi-x-circle",
    NotificationKind.RETURNED: "bi-arrow-counterclockwise",
    NotificationKind.WITHDRAWN: "bi-arrow-left-circle",
    NotificationKind.CC: "bi-send",
    NotificationKind.REMINDER: "bi-alarm",
    NotificationKind.OVERDUE: "bi-exclamation-triangle",
}
KIND_COLORS = {
    NotificationKind.APPROVAL_TASK: "warning",
    NotificationKind.APPROVED: "success",
    NotificationKind.REJECTED: "danger",
    NotificationKind.RETURNED: "secondary",
    NotificationKind.OVERDUE: "danger",
    NotificationKind.REMINDER: "info",
}


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=32)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    # An app-relative path ("/receptions/12/"); services.notify refuses anything else (no open redirects).
    url = models.CharField(_("链接"), max_length=300, blank=True)
    document_type = models.CharField(_("单据类型"), max_length=64, blank=True)
    document_id = models.BigIntegerField(_("单据编号"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notif_recipient_read"),
            models.Index(fields=["recipient", "-created_at"], name="notif_recipient_created"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def kind_label(self) -> str:
        try:
            return NotificationKind(self.kind).label
        except ValueError:
            return self.kind

    @property
    def kind_icon(self) -> str:
        return KIND_ICONS.get(self.kind, "bi-bell")

    @property
    def kind_color(self) -> str:
        return KIND_COLORS.get(self.kind, "primary")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    SKIPPED = "skipped", _("已跳过")

    @property
    def color(self) -> str:
        return OUTBOX_STATUS_COLORS[self]


OUTBOX_STATUS_COLORS = {
    OutboxStatus.PENDING: "warning",
    OutboxStatus.SENDING: "info",
    OutboxStatus.SENT: "success",
    OutboxStatus.FAILED: "danger",
    OutboxStatus.SKIPPED: "secondary",
}


class OutboxMessage(models.Model):
    """One delivery of one notification over one channel. `pending` is also the retry state (with a later
    `next_attempt_at`); `failed` is final, after tasks.MAX_ATTEMPTS attempts."""

    notification = models.ForeignKey(
        Notification, verbose_name=_("通知"), on_delete=models.CASCADE, related_name="outbox_messages"
    )
    channel = models.CharField(_("渠道"), max_length=16)
    status = models.CharField(_("状态"), max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), default=timezone.now)
    claimed_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    # "<caller key>:<recipient id>:<channel>" when the caller passed a dedup key, else "n<notification id>:<channel>".
    dedup_key = models.CharField(_("去重键"), max_length=255, unique=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("待发消息")
        verbose_name_plural = _("待发消息")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_status_due")]

    def __str__(self):
        return f"{self.channel} · {self.notification_id}"

    @property
    def status_color(self) -> str:
        return OUTBOX_STATUS_COLORS.get(self.status, "secondary")
