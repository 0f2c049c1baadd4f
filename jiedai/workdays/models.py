"""The administrators' corrections to the working-day calendar. The official schedule itself is not stored: it
comes from `chinese_calendar` (and `holidays` for years not yet published), see services.py."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarOverride(models.Model):
    """One day whose status an administrator fixed by hand: a schedule published after the library release, a
    company-wide day off, or a correction. An override wins over every other source and is never provisional."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"))
    name = models.CharField(_("名称"), max_length=64, blank=True, help_text=_("例如：国庆节、国庆节调休上班"))
    note = models.TextField(_("备注"), blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("日历调整")
        verbose_name_plural = _("日历调整")
        ordering = ["-date"]

    def __str__(self):
        status = _("工作日") if self.is_workday else _("休息日")
        label = f"{self.date.isoformat()} {status}"
        return f"{label} · {self.name}" if self.name else label
