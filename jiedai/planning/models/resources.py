"""Master data administration keeps (policy 3.1.1, 3.2.3): rooms, cars, drivers, hotels, restaurants, site areas."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Resource(models.Model):
    name = models.CharField(_("名称"), max_length=100)
    notes = models.TextField(_("备注"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name


class VenueKind(models.TextChoices):
    MEETING_ROOM = "meeting_room", _("会议室")
    NEGOTIATION_ROOM = "negotiation_room", _("洽谈室")
    SHOWROOM = "showroom", _("展厅")
    OTHER = "other", _("其他")


class Venue(Resource):
    kind = models.CharField(_("类型"), max_length=20, choices=VenueKind.choices, default=VenueKind.MEETING_ROOM)
    location = models.CharField(_("位置"), max_length=100, blank=True)
    capacity = models.PositiveIntegerField(_("容纳人数"), validators=[MinValueValidator(1)])
    equipment = models.CharField(_("设备"), max_length=200, blank=True)

    class Meta(Resource.Meta):
        verbose_name = _("场地")
        verbose_name_plural = _("场地")
        constraints = [models.UniqueConstraint(fields=["name"], name="unique_venue_name")]


class Vehicle(Resource):
    plate = models.CharField(_("车牌号"), max_length=16, unique=True)
    seats = models.PositiveIntegerField(_("座位数（不含司机）"), validators=[MinValueValidator(1)])

    class Meta(Resource.Meta):
        verbose_name = _("车辆")
        verbose_name_plural = _("车辆")

    def __str__(self):
        return _("%(name)s（%(plate)s，%(seats)s座）") % {"name": self.name, "plate": self.plate, "seats": self.seats}


class Driver(Resource):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("员工账号"), null=True, blank=True, on_delete=models.SET_NULL
    )
    phone = models.CharField(_("电话"), max_length=32, blank=True)

    class Meta(Resource.Meta):
        verbose_name = _("司机")
        verbose_name_plural = _("司机")


class Hotel(Resource):
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("电话"), max_length=32, blank=True)

    class Meta(Resource.Meta):
        verbose_name = _("酒店")
        verbose_name_plural = _("酒店")


class Restaurant(Resource):
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("电话"), max_length=32, blank=True)

    class Meta(Resource.Meta):
        verbose_name = _("餐厅")
        verbose_name_plural = _("餐厅")


class SiteArea(Resource):
    """A place clients may tour. Sensitive areas (core technology, processes) get stricter rules (policy 4.3.3)."""

    description = models.TextField(_("说明"), blank=True)
    sensitive = models.BooleanField(_("涉密/敏感区域"), default=False)

    class Meta(Resource.Meta):
        verbose_name = _("参观区域")
        verbose_name_plural = _("参观区域")
