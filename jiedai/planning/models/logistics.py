"""What administration books and sets up for a visit (policy 3.1.1, 3.2.3): rooms, cars with drivers, meals and
hotel rooms. A room, a car or a driver is never booked twice for overlapping times: see services/bookings.py and
the PostgreSQL exclusion constraints in migration 0002."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class LogisticsStatus(models.TextChoices):
    REQUESTED = "requested", _("待落实")
    CONFIRMED = "confirmed", _("已落实")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


LOGISTICS_STATUS_COLORS = {
    LogisticsStatus.REQUESTED: "warning",
    LogisticsStatus.CONFIRMED: "primary",
    LogisticsStatus.DONE: "success",
    LogisticsStatus.CANCELLED: "secondary",
}
ACTIVE_LOGISTICS = (LogisticsStatus.REQUESTED, LogisticsStatus.CONFIRMED, LogisticsStatus.DONE)


class LogisticsRecord(models.Model):
    plan = models.ForeignKey("planning.Plan", on_delete=models.CASCADE, related_name="%(class)ss")
    status = models.CharField(
        _("状态"), max_length=16, choices=LogisticsStatus.choices, default=LogisticsStatus.REQUESTED
    )
    notes = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    @property
    def status_color(self) -> str:
        return LOGISTICS_STATUS_COLORS.get(self.status, "secondary")


class BookingKind(models.TextChoices):
    VENUE = "venue", _("场地")
    VEHICLE = "vehicle", _("车辆")


class Booking(LogisticsRecord):
    """A time slot of a venue, or of a vehicle with its driver."""

    kind = models.CharField(_("类型"), max_length=10, choices=BookingKind.choices)
    venue = models.ForeignKey(
        "planning.Venue", verbose_name=_("场地"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    vehicle = models.ForeignKey(
        "planning.Vehicle", verbose_name=_("车辆"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    driver = models.ForeignKey(
        "planning.Driver", verbose_name=_("司机"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(
        "planning.ItineraryItem",
        verbose_name=_("行程事项"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bookings",
    )
    start = models.DateTimeField(_("开始时间"))
    end = models.DateTimeField(_("结束时间"))
    headcount = models.PositiveIntegerField(_("人数"), null=True, blank=True)

    class Meta:
        verbose_name = _("场地/车辆预订")
        verbose_name_plural = _("场地/车辆预订")
        ordering = ["start", "id"]
        indexes = [
            models.Index(fields=["venue", "start"], name="booking_venue_start"),
            models.Index(fields=["vehicle", "start"], name="booking_vehicle_start"),
            models.Index(fields=["driver", "start"], name="booking_driver_start"),
            # The clash check asks "ends after the new start": by (resource, end) it reads only what is still to
            # come, not a room's whole past (PostgreSQL's exclusion constraints bring their own GiST indexes).
            models.Index(fields=["venue", "end"], name="booking_venue_end"),
            models.Index(fields=["vehicle", "end"], name="booking_vehicle_end"),
            models.Index(fields=["driver", "end"], name="booking_driver_end"),
            models.Index(fields=["plan", "start"], name="booking_plan_start"),
            models.Index(fields=["start", "status"], name="booking_queue"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="booking_end_after_start"),
            models.CheckConstraint(
                condition=(Q(kind="venue") & Q(venue__isnull=False) & Q(vehicle__isnull=True) & Q(driver__isnull=True))
                | (Q(kind="vehicle") & Q(vehicle__isnull=False) & Q(venue__isnull=True)),
                name="booking_kind_matches_resource",
            ),
        ]

    def __str__(self):
        return str(self.venue or self.vehicle)


SETUP_CHECKLIST_DEFAULT = ["桌椅摆放", "绿植布置", "音响调试", "投影设备", "茶水饮料", "欢迎屏/桌牌"]


class SetupTask(models.Model):
    """One line of a venue's setup checklist (场地布置), ticked off by administration."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="setup_tasks")
    label = models.CharField(_("布置事项"), max_length=60)
    position = models.PositiveSmallIntegerField(default=0)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("布置事项")
        verbose_name_plural = _("布置事项")
        ordering = ["position", "id"]


class Meal(LogisticsRecord):
    item = models.ForeignKey(
        "planning.ItineraryItem",
        verbose_name=_("行程事项"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meals",
    )
    restaurant = models.ForeignKey(
        "planning.Restaurant", verbose_name=_("餐厅"), null=True, blank=True, on_delete=models.PROTECT
    )
    place = models.CharField(_("地点"), max_length=200, blank=True)
    start = models.DateTimeField(_("用餐时间"))
    standard_per_head = models.DecimalField(
        _("餐标（元/人）"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    headcount = models.PositiveIntegerField(_("人数"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("用餐安排")
        verbose_name_plural = _("用餐安排")
        ordering = ["start", "id"]
        indexes = [models.Index(fields=["start", "status"], name="meal_queue")]
        constraints = [models.CheckConstraint(condition=Q(standard_per_head__gte=0), name="meal_standard_not_negative")]


class HotelStay(LogisticsRecord):
    hotel = models.ForeignKey("planning.Hotel", verbose_name=_("酒店"), on_delete=models.PROTECT)
    check_in = models.DateField(_("入住日期"))
    check_out = models.DateField(_("离店日期"))
    rooms = models.PositiveIntegerField(_("房间数"), validators=[MinValueValidator(1)])
    room_type = models.CharField(_("房型"), max_length=40, blank=True)
    guests = models.CharField(_("入住客人"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("住宿安排")
        verbose_name_plural = _("住宿安排")
        ordering = ["check_in", "id"]
        indexes = [models.Index(fields=["check_in", "status"], name="hotel_queue")]
        constraints = [models.CheckConstraint(condition=Q(check_out__gt=F("check_in")), name="hotel_out_after_in")]

    @property
    def nights(self) -> int:
        return (self.check_out - self.check_in).days
