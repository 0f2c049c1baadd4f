"""Rooms, cars and drivers without double bookings (policy 3.1.1, 3.2.3).

A resource is never held by two live bookings whose times overlap (half-open ranges: one may end when the next
starts). On PostgreSQL the database enforces it with exclusion constraints (migration 0002), so even two
transactions that both passed the check cannot both commit; on SQLite every write transaction is IMMEDIATE (one
writer at a time), so the check and the insert below cannot interleave with another booking's."""

from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jiedai.core.errors import ConflictError, Forbidden, NotFound, ValidationFailed
from jiedai.planning.access import is_logistics_handler
from jiedai.planning.models import (
    ACTIVE_LOGISTICS,
    SETUP_CHECKLIST_DEFAULT,
    Booking,
    BookingKind,
    Driver,
    LogisticsStatus,
    SetupTask,
    Vehicle,
    Venue,
)
from jiedai.planning.selectors_itinerary import visit_window
from jiedai.planning.services.plan import plan_for_change, record_change
from jiedai.receptions.models import LOCAL_TZ

RESOURCE_FIELDS = ("venue", "vehicle", "driver")


# No booking is longer than this, so a booking that overlaps [start, end) starts after start - MAX_BOOKING: the
# lower bound turns "starts before the end" from a scan of a room's whole past into a short range of its index.
MAX_BOOKING = timedelta(days=31)


def overlapping(queryset, start, end):
    """Live bookings of `queryset` overlapping [start, end)."""
    return queryset.filter(status__in=ACTIVE_LOGISTICS, start__lt=end, start__gt=start - MAX_BOOKING, end__gt=start)


def clashes_for(*, start, end, venue=None, vehicle=None, driver=None, exclude_id=None):
    """Live bookings holding any of the given resources at an overlapping time."""
    holds = Q()
    for field, resource in (("venue", venue), ("vehicle", vehicle), ("driver", driver)):
        if resource is not None:
            holds |= Q(**{field: resource})
    if not holds:
        return Booking.objects.none()
    found = overlapping(Booking.objects.filter(holds), start, end).select_related(
        "plan__reception", "venue", "vehicle", "driver"
    )
    return found.exclude(pk=exclude_id) if exclude_id else found


def free_resources(model, field: str, start, end, *, exclude_id=None):
    """Active resources of `model` with no live booking overlapping [start, end)."""
    busy = overlapping(Booking.objects.exclude(**{f"{field}": None}), start, end)
    if exclude_id:
        busy = busy.exclude(pk=exclude_id)
    return model.objects.filter(is_active=True).exclude(pk__in=busy.values(field))


@dataclass
class Alternatives:
    venues: list
    vehicles: list
    drivers: list


def alternatives_for(*, kind: str, start, end, headcount: int | None = None, exclude_id=None) -> Alternatives:
    """What is free instead, sized for the group: rooms that seat them, cars with enough seats (largest first)."""
    venues, vehicles, drivers = [], [], []
    if kind == BookingKind.VENUE:
        rooms = free_resources(Venue, "venue", start, end, exclude_id=exclude_id)
        if headcount:
            rooms = rooms.filter(capacity__gte=headcount)
        venues = list(rooms.order_by("capacity", "name")[:5])
    else:
        cars = free_resources(Vehicle, "vehicle", start, end, exclude_id=exclude_id)
        if headcount:
            cars = cars.filter(seats__gte=headcount)
        vehicles = list(cars.order_by("seats", "name")[:5])
        drivers = list(free_resources(Driver, "driver", start, end, exclude_id=exclude_id).order_by("name")[:5])
    return Alternatives(venues=venues, vehicles=vehicles, drivers=drivers)


class BookingClash(ConflictError):
    """The slot is held by another booking. Carries that booking and the free alternatives (API: 409 + both)."""

    def __init__(self, clash: Booking, alternatives: Alternatives):
        reception = clash.plan.reception
        start = clash.start.astimezone(LOCAL_TZ)
        end = clash.end.astimezone(LOCAL_TZ)
        resource = clash.venue or clash.vehicle
        if clash.driver_id and not (clash.venue_id or clash.vehicle_id):
            resource = clash.driver
        message = _("%(resource)s 在 %(start)s–%(end)s 已被 %(visit)s 预订。") % {
            "resource": resource,
            "start": f"{start:%Y-%m-%d %H:%M}",
            "end": f"{end:%H:%M}" if end.date() == start.date() else f"{end:%Y-%m-%d %H:%M}",
            "visit": reception.number or reception.title,
        }
        super().__init__(message)
        self.clash = clash
        self.alternatives = alternatives

    def payload(self) -> dict:
        clash = self.clash
        return {
            "clash": {
                "id": clash.pk,
                "reception": clash.plan.reception.number,
                "kind": clash.kind,
                "venue": clash.venue_id,
                "vehicle": clash.vehicle_id,
                "driver": clash.driver_id,
                "start": clash.start.isoformat(),
                "end": clash.end.isoformat(),
            },
            "alternatives": {
                "venues": [{"id": v.pk, "name": v.name, "capacity": v.capacity} for v in self.alternatives.venues],
                "vehicles": [{"id": v.pk, "name": str(v), "seats": v.seats} for v in self.alternatives.vehicles],
                "drivers": [{"id": d.pk, "name": d.name} for d in self.alternatives.drivers],
            },
        }


def _validate(plan, booking: Booking) -> None:
    errors = {}
    reception = plan.reception
    if booking.start is None or booking.end is None:
        errors["start"] = [_("请填写开始和结束时间。")]
    elif booking.end <= booking.start:
        errors["end"] = [_("结束时间必须晚于开始时间。")]
    elif booking.end - booking.start > MAX_BOOKING:
        errors["end"] = [_("一次预订最长 %(days)s 天，更长的请分段预订。") % {"days": MAX_BOOKING.days}]
    elif booking.start < reception.visit_start or booking.end > reception.visit_end:
        errors["start"] = [_("预订时间必须在来访时间之内（%(start)s 至 %(end)s）。") % visit_window(reception)]
    if booking.kind == BookingKind.VENUE and booking.venue_id is None:
        errors["venue"] = [_("请选择场地。")]
    if booking.kind == BookingKind.VEHICLE and booking.vehicle_id is None:
        errors["vehicle"] = [_("请选择车辆。")]
    if booking.item_id and booking.item.plan_id != plan.pk:
        errors["item"] = [_("行程事项不属于本方案。")]
    for field in RESOURCE_FIELDS:
        resource = getattr(booking, field)
        if resource is not None and not resource.is_active:
            errors[field] = [_("“%s”已停用。") % resource]
    if errors:
        raise ValidationFailed(_("请检查标红的项目。"), errors=errors)


def _raise_if_clash(booking: Booking) -> None:
    clash = clashes_for(
        start=booking.start,
        end=booking.end,
        venue=booking.venue,
        vehicle=booking.vehicle,
        driver=booking.driver,
        exclude_id=booking.pk,
    ).first()
    if clash is not None:
        alternatives = alternatives_for(
            kind=booking.kind, start=booking.start, end=booking.end, headcount=booking.headcount, exclude_id=booking.pk
        )
        raise BookingClash(clash, alternatives)


def _save_checked(booking: Booking) -> None:
    """Check for a clash, then save; a clash that slipped in between (PostgreSQL) is caught by the constraint."""
    _raise_if_clash(booking)
    try:
        with transaction.atomic():
            booking.save()
    except IntegrityError:
        _raise_if_clash(booking)
        raise


def seat_warning(booking: Booking, visitor_count: int | None) -> str:
    """policy 3.1.1: vehicles sized to the number of visitors — a warning, not a refusal (several cars may run)."""
    if booking.kind != BookingKind.VEHICLE or not visitor_count or booking.vehicle is None:
        return ""
    if booking.vehicle.seats < visitor_count:
        return _("%(vehicle)s 只有 %(seats)s 个座位，来访 %(count)s 人。") % {
            "vehicle": booking.vehicle,
            "seats": booking.vehicle.seats,
            "count": visitor_count,
        }
    return ""


# What the host's editors may do to a status without administration: call an arrangement off, or ask for it again.
EDITOR_STATUSES = (LogisticsStatus.CANCELLED, LogisticsStatus.REQUESTED)


def plan_for_status(*, reception_id: int, by, status: str):
    """The locked plan for a status change of a booking, meal or hotel stay. Who may touch the plan first
    (outsiders learn nothing, not even that the input was wrong), then the input; confirming and completing is
    administration's part (policy 3.2.3)."""
    plan = plan_for_change(reception_id=reception_id, by=by, logistics=True)
    if status not in LogisticsStatus.values:
        raise ValidationFailed(_("未知的状态。"), errors={"status": [_("未知的状态。")]})
    if status not in EDITOR_STATUSES and not is_logistics_handler(by):
        raise Forbidden(_("只有行政部接待岗可以落实或完成后勤事项。"))
    return plan


BOOKING_FIELDS = ("kind", "venue", "vehicle", "driver", "item", "start", "end", "headcount", "notes")


@transaction.atomic
def booking_create(*, reception_id: int, by, data: dict, ip=None) -> Booking:
    """Book a room, or a car with its driver, for a slot of the visit. `data` holds model instances (forms and
    the API resolve ids first). Raises BookingClash when the slot is taken."""
    plan = plan_for_change(reception_id=reception_id, by=by)
    booking = Booking(plan=plan, created_by=by, **{k: v for k, v in data.items() if k in BOOKING_FIELDS})
    if booking.headcount is None:
        booking.headcount = plan.reception.visitor_count
    _validate(plan, booking)
    _save_checked(booking)
    if booking.kind == BookingKind.VENUE:
        SetupTask.objects.bulk_create(
            [SetupTask(booking=booking, label=label, position=i) for i, label in enumerate(SETUP_CHECKLIST_DEFAULT)]
        )
    summary = _("预订：%s") % booking_label(booking)
    if _place_follows_venue(booking):
        summary += _("（行程地点已改为 %s）") % booking.venue.name
    record_change(plan, by=by, summary=summary, ip=ip)
    return booking


def _place_follows_venue(booking: Booking) -> bool:
    """The itinerary item a room is booked for shows that room as its place, so the client's itinerary never sends
    the client to another room (e.g. after a clash moved the booking to the offered alternative). Only a place that
    is empty or names one of the company's rooms is replaced; a place written by hand ("研发中心") is kept."""
    item = booking.item
    if booking.kind != BookingKind.VENUE or item is None or item.place == booking.venue.name:
        return False
    if item.place.strip() and not Venue.objects.filter(name=item.place.strip()).exists():
        return False
    item.place = booking.venue.name
    item.save(update_fields=["place"])
    return True


@transaction.atomic
def booking_update(*, reception_id: int, booking_id: int, by, data: dict, ip=None) -> Booking:
    plan = plan_for_change(reception_id=reception_id, by=by)
    booking = _booking_of(plan, booking_id)
    for field, value in data.items():
        if field in BOOKING_FIELDS and field != "kind":
            setattr(booking, field, value)
    _validate(plan, booking)
    _save_checked(booking)
    summary = _("修改预订：%s") % booking_label(booking)
    if _place_follows_venue(booking):
        summary += _("（行程地点已改为 %s）") % booking.venue.name
    record_change(plan, by=by, summary=summary, ip=ip)
    return booking


@transaction.atomic
def booking_set_status(*, reception_id: int, booking_id: int, by, status: str, ip=None) -> Booking:
    """Move a booking along its status (policy 3.2.3: administration confirms and completes; the host may cancel).
    Reviving a cancelled booking checks for clashes again."""
    plan = plan_for_status(reception_id=reception_id, by=by, status=status)
    booking = _booking_of(plan, booking_id)
    if booking.status == status:
        return booking
    was_cancelled = booking.status == LogisticsStatus.CANCELLED
    booking.status = status
    if was_cancelled:
        _save_checked(booking)
    else:
        booking.save(update_fields=["status", "updated_at"])
    record_change(
        plan,
        by=by,
        summary=_("%(booking)s：%(status)s")
        % {"booking": booking_label(booking), "status": booking.get_status_display()},
        ip=ip,
    )
    return booking


@transaction.atomic
def setup_task_toggle(*, reception_id: int, task_id: int | None, by, done: bool, ip=None) -> SetupTask:
    """Administration ticks a line of a venue's setup checklist (场地布置) on or off. Who may comes first: a request
    naming no line is told so only once its sender is known to be allowed."""
    plan = plan_for_change(reception_id=reception_id, by=by, logistics=True)
    if task_id is None:
        raise ValidationFailed(_("找不到该布置事项。"))
    task = SetupTask.objects.select_related("booking").filter(pk=task_id, booking__plan=plan).first()
    if task is None:
        raise NotFound(_("找不到该布置事项。"))
    task.done_at = timezone.now() if done else None
    task.done_by = by if done else None
    task.save(update_fields=["done_at", "done_by"])
    return task


def _booking_of(plan, booking_id) -> Booking:
    booking = (
        Booking.objects.select_related("venue", "vehicle", "driver", "item", "plan__reception")
        .filter(pk=booking_id, plan=plan)
        .first()
    )
    if booking is None:
        raise NotFound(_("找不到该预订。"))
    return booking


def booking_label(booking: Booking) -> str:
    start = booking.start.astimezone(LOCAL_TZ)
    resource = booking.venue or booking.vehicle
    return f"{resource} {start:%m-%d %H:%M}"
