"""Itinerary, staffing and materials of a plan (policy 3.1.1)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from jiedai.core.models import AppendOnlyModel


class ItemKind(models.TextChoices):
    TRANSFER = "transfer", _("接送")
    WELCOME = "welcome", _("迎接")
    MEETING = "meeting", _("会议洽谈")
    SITE_VISIT = "site_visit", _("参观考察")
    MEAL = "meal", _("用餐")
    ENTERTAINMENT = "entertainment", _("文娱活动")
    LODGING = "lodging", _("住宿")
    FAREWELL = "farewell", _("送别")
    OTHER = "other", _("其他")


class ItineraryItem(models.Model):
    plan = models.ForeignKey("planning.Plan", on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("类型"), max_length=20, choices=ItemKind.choices)
    title = models.CharField(_("事项"), max_length=120)
    start = models.DateTimeField(_("开始时间"))
    end = models.DateTimeField(_("结束时间"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    site_area = models.ForeignKey(
        "planning.SiteArea", verbose_name=_("参观区域"), null=True, blank=True, on_delete=models.PROTECT
    )
    clients = models.ManyToManyField("receptions.ClientContact", verbose_name=_("参加客户"), blank=True)
    # Shown to the client on the itinerary link; internal_notes never are.
    description = models.TextField(_("说明（客户可见）"), blank=True)
    internal_notes = models.TextField(_("内部备注"), blank=True)

    class Meta:
        verbose_name = _("行程事项")
        verbose_name_plural = _("行程事项")
        ordering = ["start", "end", "id"]
        indexes = [models.Index(fields=["plan", "start"], name="item_plan_start")]
        constraints = [models.CheckConstraint(condition=Q(end__gt=F("start")), name="item_end_after_start")]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        if self.pk:  # the people on it are needed when it happens (StaffAssignment.span_*)
            self.staff.update(span_start=self.start, span_end=self.end)


class StaffRole(models.TextChoices):
    LEAD = "lead", _("接待负责人")
    ESCORT = "escort", _("陪同人员")
    GUIDE = "guide", _("讲解人员")
    DRIVER = "driver", _("司机")
    WORKER = "worker", _("工作人员")


class StaffAssignment(models.Model):
    """A person's duty on the whole visit (item empty) or on one itinerary item."""

    plan = models.ForeignKey("planning.Plan", on_delete=models.CASCADE, related_name="staff")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="plan_duties"
    )
    role = models.CharField(_("角色"), max_length=16, choices=StaffRole.choices)
    duty = models.CharField(_("职责"), max_length=200, blank=True)
    item = models.ForeignKey(
        ItineraryItem,
        verbose_name=_("行程事项"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="staff",
    )
    # Listed with their phone on the client's itinerary as a contact person.
    is_client_contact = models.BooleanField(_("客户联系人"), default=False)
    # When the person is needed: the item's time, or the whole visit (kept here by save() and by the item's save()),
    # so "where else is this person at that time" reads one person's assignments still to come, not all of them.
    span_start = models.DateTimeField(null=True, editable=False)
    span_end = models.DateTimeField(null=True, editable=False)

    class Meta:
        verbose_name = _("人员安排")
        verbose_name_plural = _("人员安排")
        ordering = ["role", "id"]
        indexes = [
            models.Index(fields=["person"], name="staff_person"),
            models.Index(fields=["person", "span_end"], name="staff_person_span"),
        ]

    def save(self, *args, **kwargs):
        if self.item_id:
            self.span_start, self.span_end = self.item.start, self.item.end
        else:
            reception = self.plan.reception
            self.span_start, self.span_end = reception.visit_start, reception.visit_end
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "span_start", "span_end"}
        super().save(*args, **kwargs)


class Confidentiality(models.TextChoices):
    PUBLIC = "public", _("公开")
    INTERNAL = "internal", _("内部")
    CONFIDENTIAL = "confidential", _("保密")


class MaterialKind(models.TextChoices):
    PROFILE = "profile", _("公司简介")
    PRODUCT = "product", _("产品资料")
    CASE = "case", _("案例")
    BROCHURE = "brochure", _("宣传册")
    OTHER = "other", _("其他")


class Material(models.Model):
    """Material prepared for the visit (资料准备). Confidential files are seen only by the people the plan clears,
    and every download is logged (policy 3.1.1, under the company's secrecy rules)."""

    plan = models.ForeignKey("planning.Plan", on_delete=models.CASCADE, related_name="materials")
    title = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=16, choices=MaterialKind.choices, default=MaterialKind.OTHER)
    confidentiality = models.CharField(
        _("密级"), max_length=16, choices=Confidentiality.choices, default=Confidentiality.INTERNAL
    )
    description = models.TextField(_("说明"), blank=True)
    file = models.FileField(_("文件"), upload_to="materials/%Y/%m/", blank=True)
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    cleared = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("可查阅人员"), blank=True, related_name="cleared_materials"
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    # A material that was downloaded is never removed (its download log protects it): deleting it removes the file
    # and marks the row, which then appears nowhere but in the editors' download log.
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("接待资料")
        verbose_name_plural = _("接待资料")
        ordering = ["id"]

    def __str__(self):
        return self.title


class MaterialDownload(AppendOnlyModel):
    material = models.ForeignKey(Material, on_delete=models.PROTECT, related_name="downloads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("资料下载记录")
        verbose_name_plural = _("资料下载记录")
        ordering = ["-at"]
