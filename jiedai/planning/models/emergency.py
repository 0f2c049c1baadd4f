"""Emergency plans (policy 3.3): templates with a revision history, their adapted copies in each plan, drills."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiedai.core.models import AppendOnlyModel


class Scenario(models.TextChoices):
    ITINERARY_CHANGE = "itinerary_change", _("行程变更")
    BAD_WEATHER = "bad_weather", _("恶劣天气")
    EQUIPMENT_FAILURE = "equipment_failure", _("设备故障")
    HEALTH_INCIDENT = "health_incident", _("突发疾病/人身意外")
    OTHER = "other", _("其他")


class EmergencyTemplate(models.Model):
    name = models.CharField(_("名称"), max_length=100, unique=True)
    scenario = models.CharField(_("情形"), max_length=24, choices=Scenario.choices)
    procedure = models.TextField(_("处置步骤"))
    responsibilities = models.TextField(_("责任分工"))
    contacts = models.TextField(_("联系人及电话"))
    revision = models.PositiveIntegerField(_("修订版本"), default=1)
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("应急预案模板")
        verbose_name_plural = _("应急预案模板")
        ordering = ["scenario", "name"]

    def __str__(self):
        return self.name


class EmergencyTemplateRevision(AppendOnlyModel):
    """policy 3.3.2: each revision of a template, with who revised it, when and why."""

    template = models.ForeignKey(EmergencyTemplate, on_delete=models.PROTECT, related_name="revisions")
    revision = models.PositiveIntegerField(_("修订版本"))
    procedure = models.TextField(_("处置步骤"))
    responsibilities = models.TextField(_("责任分工"))
    contacts = models.TextField(_("联系人及电话"))
    reason = models.TextField(_("修订原因"))
    revised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    revised_at = models.DateTimeField(_("修订时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("预案修订记录")
        verbose_name_plural = _("预案修订记录")
        ordering = ["template", "-revision"]
        constraints = [models.UniqueConstraint(fields=["template", "revision"], name="unique_template_revision")]


class PlanEmergency(models.Model):
    """A template adapted for one visit (the actual people and phone numbers); part of the plan and its review."""

    plan = models.ForeignKey("planning.Plan", on_delete=models.CASCADE, related_name="emergencies")
    template = models.ForeignKey(EmergencyTemplate, verbose_name=_("模板"), on_delete=models.PROTECT)
    template_revision = models.PositiveIntegerField(_("模板版本"))
    procedure = models.TextField(_("处置步骤"))
    responsibilities = models.TextField(_("责任分工"))
    contacts = models.TextField(_("联系人及电话"))

    class Meta:
        verbose_name = _("本次接待应急预案")
        verbose_name_plural = _("本次接待应急预案")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["plan", "template"], name="unique_plan_template")]


class EmergencyDrill(models.Model):
    """policy 3.3.2: a drill of a template, with its evaluation."""

    template = models.ForeignKey(
        EmergencyTemplate, verbose_name=_("预案"), on_delete=models.PROTECT, related_name="drills"
    )
    date = models.DateField(_("演练日期"))
    scenario = models.TextField(_("演练情景"))
    participants = models.TextField(_("参加人员"))
    evaluation = models.TextField(_("评估"), blank=True)
    findings = models.TextField(_("发现的问题及改进"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("应急演练")
        verbose_name_plural = _("应急演练")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["template", "-date"], name="drill_template_date")]
