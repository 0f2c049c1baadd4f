from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyModel(models.Model):
    """History rows: written once, never edited or deleted through the app (audit trail)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValueError("history rows are append-only")
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("history rows are append-only")


class SystemSetting(models.Model):
    """A number the policy leaves as [X], editable at run time by an administrator (see core.settings_registry)."""

    key = models.CharField(_("键"), max_length=64, unique=True)
    value = models.CharField(_("值"), max_length=200, blank=True)  # text settings may be empty ("not set")
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("系统参数")
        verbose_name_plural = _("系统参数")
        ordering = ["key"]

    def __str__(self):
        return self.key

    def clean(self):
        from jiedai.core.runtime_settings import REGISTRY

        spec = REGISTRY.get(self.key)
        if spec is None:
            raise ValidationError({"key": _("未知的参数。")})
        try:
            spec.parse(self.value)
        except (ValueError, ArithmeticError) as exc:
            raise ValidationError({"value": str(exc)}) from exc

    @property
    def description(self):
        from jiedai.core.runtime_settings import REGISTRY

        spec = REGISTRY.get(self.key)
        return spec.label if spec else ""


__all__ = ["AppendOnlyModel", "SystemSetting", "Decimal"]
