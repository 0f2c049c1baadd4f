"""Excel exports of the finance analytics built in the background (policy 5.3.2): a year of a large company's
visits is too many cells to write while a web request waits (bench/README.md: about 7 s at 100,000 requests)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


EXPORT_STATUS_COLORS = {"pending": "secondary", "running": "info", "done": "success", "failed": "danger"}


class AnalyticsExport(models.Model):
    """One requested workbook. The filters are kept as the analytics page's query string and read again, with the
    requester's access as it is then, when the workbook is built; the file is kept for services.exports.KEEP_DAYS."""

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    query = models.CharField(_("筛选条件"), max_length=500, blank=True)
    language = models.CharField(_("语言"), max_length=16, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=ExportStatus.choices, default=ExportStatus.PENDING)
    file = models.FileField(_("文件"), upload_to="exports/%Y/%m/", blank=True)
    filename = models.CharField(_("文件名"), max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("大小（字节）"), default=0)
    error = models.CharField(_("失败原因"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("费用分析导出")
        verbose_name_plural = _("费用分析导出")
        ordering = ["-id"]
        indexes = [models.Index(fields=["requested_by", "-id"], name="export_requester_newest")]

    def __str__(self):
        return self.filename or f"#{self.pk}"

    @property
    def status_color(self) -> str:
        return EXPORT_STATUS_COLORS.get(self.status, "secondary")

    @property
    def in_progress(self) -> bool:
        return self.status in (ExportStatus.PENDING, ExportStatus.RUNNING)
