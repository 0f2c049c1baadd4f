"""What money is spent on (policy 5.1.1) and the company's cost standards per category and importance (1.3.4)."""

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExpenseCategory(models.Model):
    """The six categories the policy names (交通、餐饮、住宿、场地布置、资料、礼品), seeded; administration adds
    more."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=40, unique=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)
    # policy 5.3.2, the yearly tax summary: whether spending in this category is 业务招待费 under the enterprise
    # income tax rule (60 % deductible, capped at 5‰ of revenue). Seeded per category (seeds.ENTERTAINMENT, with
    # the reasons); administration changes it here.
    counts_as_entertainment = models.BooleanField(
        _("计入业务招待费"), default=False, help_text=_("企业所得税汇算时按业务招待费（60%、5‰ 上限）扣除。")
    )

    class Meta:
        verbose_name = _("费用类别")
        verbose_name_plural = _("费用类别")
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


class StandardUnit(models.TextChoices):
    PER_HEAD_MEAL = "per_head_meal", _("每人每餐")
    PER_ROOM_NIGHT = "per_room_night", _("每间每晚")
    PER_PERSON = "per_person", _("每人")
    PER_LINE = "per_line", _("每项")


class CostStandard(models.Model):
    """A limit for a category, for one importance or for all (importance empty). A budget line above its standard
    is flagged on the form and in the approval view with the standard it breaks (policy 5.1)."""

    category = models.ForeignKey(ExpenseCategory, verbose_name=_("类别"), on_delete=models.PROTECT)
    importance = models.CharField(
        _("适用重要程度"), max_length=16, blank=True, help_text=_("留空表示适用于所有重要程度。")
    )
    unit = models.CharField(_("计量方式"), max_length=20, choices=StandardUnit.choices)
    limit = models.DecimalField(_("上限（元）"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    notes = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("费用标准")
        verbose_name_plural = _("费用标准")
        ordering = ["category__position", "importance"]
        constraints = [
            models.UniqueConstraint(fields=["category", "importance", "unit"], name="unique_cost_standard"),
            models.CheckConstraint(condition=models.Q(limit__gte=0), name="cost_standard_not_negative"),
        ]

    def __str__(self):
        return f"{self.category} · {self.get_unit_display()} ≤ {self.limit}"
