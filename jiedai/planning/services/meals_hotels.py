"""Meals and hotel rooms of a visit (policy 3.1.1: catering and lodging, the standard per head, dietary needs),
carried out by administration (policy 3.2.3).

The host's plan editors arrange them; administration confirms and completes them (requested → confirmed → done)
and either side may cancel. Like the bookings (services/bookings.py), each change locks the plan, is recorded in
its history and, once the plan is confirmed, announced to the people concerned (policy 3.1.2)."""

import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from jiedai.core.errors import NotFound, ValidationFailed
from jiedai.planning.models import HotelStay, Meal
from jiedai.planning.selectors_itinerary import visit_window
from jiedai.planning.services.bookings import plan_for_status
from jiedai.planning.services.plan import plan_for_change, record_change
from jiedai.receptions.models import LOCAL_TZ

MEAL_FIELDS = ("item", "restaurant", "place", "start", "standard_per_head", "headcount", "notes")
HOTEL_FIELDS = ("hotel", "check_in", "check_out", "rooms", "room_type", "guests", "notes")

MAX_COUNT = 10_000  # people at a meal, rooms in a stay: beyond any visit, and within the database's integer


# ---------------------------------------------------------------------------------------------------- meals


def _validate_meal(plan, meal: Meal) -> None:
    errors: dict[str, list[str]] = {}
    reception = plan.reception
    meal.place = (meal.place or "").strip()
    if meal.restaurant_id is None and not (meal.place or "").strip():
        errors["restaurant"] = [_("请选择餐厅或填写用餐地点。")]
    elif meal.restaurant_id is not None and not meal.restaurant.is_active:
        errors["restaurant"] = [_("“%s”已停用。") % meal.restaurant]
    if meal.start is None:
        errors["start"] = [_("请填写用餐时间。")]
    elif not (reception.visit_start <= meal.start <= reception.visit_end):
        errors["start"] = [_("用餐时间必须在来访时间之内（%(start)s 至 %(end)s）。") % visit_window(reception)]
    standard = _decimal(meal.standard_per_head)
    if standard is None:
        errors["standard_per_head"] = [_("请填写餐标（元/人）。")]
    elif standard < 0:
        errors["standard_per_head"] = [_("餐标不能为负数。")]
    elif standard >= Decimal("1e12"):
        errors["standard_per_head"] = [_("餐标金额过大。")]
    else:
        meal.standard_per_head = standard.quantize(Decimal("0.01"))
    if meal.headcount is None:
        errors["headcount"] = [_("请填写用餐人数。")]
    elif meal.headcount < 1:
        errors["headcount"] = [_("用餐人数至少为 1。")]
    elif meal.headcount > MAX_COUNT:
        errors["headcount"] = [_("用餐人数过多。")]
    if meal.item_id and meal.item.plan_id != plan.pk:
        errors["item"] = [_("行程事项不属于本方案。")]
    if errors:
        raise ValidationFailed(_("请检查标红的项目。"), errors=errors)


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def meal_label(meal: Meal) -> str:
    where = meal.restaurant.name if meal.restaurant_id else meal.place
    return f"{where} {meal.start.astimezone(LOCAL_TZ):%m-%d %H:%M}"


@transaction.atomic
def meal_create(*, reception_id: int, by, data: dict, ip=None) -> Meal:
    """Arrange a meal (policy 3.1.1: place, standard per head; the clients' dietary needs are shown with it).
    `data` holds model instances (forms and the API resolve ids first); headcount defaults to the visitors."""
    plan = plan_for_change(reception_id=reception_id, by=by)
    meal = Meal(plan=plan, created_by=by)
    _apply(meal, data, MEAL_FIELDS)
    if meal.headcount is None:
        meal.headcount = plan.reception.visitor_count
    _validate_meal(plan, meal)
    meal.save()
    record_change(plan, by=by, summary=_("用餐安排：%s") % meal_label(meal), ip=ip)
    return meal


@transaction.atomic
def meal_update(*, reception_id: int, meal_id: int, by, data: dict, ip=None) -> Meal:
    plan = plan_for_change(reception_id=reception_id, by=by)
    meal = _meal_of(plan, meal_id)
    _apply(meal, data, MEAL_FIELDS)
    _validate_meal(plan, meal)
    meal.save()
    record_change(plan, by=by, summary=_("修改用餐安排：%s") % meal_label(meal), ip=ip)
    return meal


@transaction.atomic
def meal_set_status(*, reception_id: int, meal_id: int, by, status: str, ip=None) -> Meal:
    """policy 3.2.3: administration confirms and completes a meal; the host's editors may cancel it or ask again."""
    plan = plan_for_status(reception_id=reception_id, by=by, status=status)
    meal = _meal_of(plan, meal_id)
    if _status_changed(meal, status):
        summary = _("%(meal)s：%(status)s") % {"meal": meal_label(meal), "status": meal.get_status_display()}
        record_change(plan, by=by, summary=summary, ip=ip)
    return meal


def _meal_of(plan, meal_id) -> Meal:
    meal = Meal.objects.select_related("restaurant", "item").filter(pk=_int(meal_id), plan=plan).first()
    if meal is None:
        raise NotFound(_("找不到该用餐安排。"))
    return meal


# ---------------------------------------------------------------------------------------------------- hotels


def visit_dates(reception) -> tuple[datetime.date, datetime.date]:
    """The visit's first and last day in Beijing time."""
    return reception.visit_start.astimezone(LOCAL_TZ).date(), reception.visit_end.astimezone(LOCAL_TZ).date()


def _validate_hotel(plan, stay: HotelStay) -> None:
    errors: dict[str, list[str]] = {}
    stay.room_type = (stay.room_type or "").strip()
    stay.guests = (stay.guests or "").strip()
    first, last = visit_dates(plan.reception)
    if stay.hotel_id is None:
        errors["hotel"] = [_("请选择酒店。")]
    elif not stay.hotel.is_active:
        errors["hotel"] = [_("“%s”已停用。") % stay.hotel]
    if stay.check_in is None:
        errors["check_in"] = [_("请填写入住日期。")]
    if stay.check_out is None:
        errors["check_out"] = [_("请填写离店日期。")]
    if stay.check_in and stay.check_out:
        if stay.check_out <= stay.check_in:
            errors["check_out"] = [_("离店日期必须晚于入住日期。")]
        elif stay.check_in < first or stay.check_in > last:
            errors["check_in"] = [
                _("入住日期必须在来访日期之内（%(first)s 至 %(last)s）。") % {"first": first, "last": last}
            ]
        elif stay.check_out > last + datetime.timedelta(days=1):
            # policy 3.1.1: rooms for the visit; the last night ends the morning after the visit's last day.
            errors["check_out"] = [
                _("离店日期最晚为来访结束的次日（%(day)s）。") % {"day": last + datetime.timedelta(days=1)}
            ]
    if stay.rooms is None:
        errors["rooms"] = [_("请填写房间数。")]
    elif stay.rooms < 1:
        errors["rooms"] = [_("房间数至少为 1。")]
    elif stay.rooms > MAX_COUNT:
        errors["rooms"] = [_("房间数过多。")]
    if errors:
        raise ValidationFailed(_("请检查标红的项目。"), errors=errors)


def hotel_label(stay: HotelStay) -> str:
    return f"{stay.hotel} {stay.check_in:%m-%d}–{stay.check_out:%m-%d}"


@transaction.atomic
def hotel_create(*, reception_id: int, by, data: dict, ip=None) -> HotelStay:
    """Arrange hotel rooms for the visit (policy 3.1.1: lodging). Nights are the days between check-in and out."""
    plan = plan_for_change(reception_id=reception_id, by=by)
    stay = HotelStay(plan=plan, created_by=by)
    _apply(stay, data, HOTEL_FIELDS)
    _validate_hotel(plan, stay)
    stay.save()
    record_change(plan, by=by, summary=_("住宿安排：%s") % hotel_label(stay), ip=ip)
    return stay


@transaction.atomic
def hotel_update(*, reception_id: int, stay_id: int, by, data: dict, ip=None) -> HotelStay:
    plan = plan_for_change(reception_id=reception_id, by=by)
    stay = _stay_of(plan, stay_id)
    _apply(stay, data, HOTEL_FIELDS)
    _validate_hotel(plan, stay)
    stay.save()
    record_change(plan, by=by, summary=_("修改住宿安排：%s") % hotel_label(stay), ip=ip)
    return stay


@transaction.atomic
def hotel_set_status(*, reception_id: int, stay_id: int, by, status: str, ip=None) -> HotelStay:
    """policy 3.2.3: administration confirms and completes a stay; the host's editors may cancel it or ask again."""
    plan = plan_for_status(reception_id=reception_id, by=by, status=status)
    stay = _stay_of(plan, stay_id)
    if _status_changed(stay, status):
        summary = _("%(stay)s：%(status)s") % {"stay": hotel_label(stay), "status": stay.get_status_display()}
        record_change(plan, by=by, summary=summary, ip=ip)
    return stay


def _stay_of(plan, stay_id) -> HotelStay:
    stay = HotelStay.objects.select_related("hotel").filter(pk=_int(stay_id), plan=plan).first()
    if stay is None:
        raise NotFound(_("找不到该住宿安排。"))
    return stay


# ---------------------------------------------------------------------------------------------------- shared


def _apply(record, data: dict, fields) -> None:
    """Copies the fields the caller sent (a partial update changes only those)."""
    for field, value in data.items():
        if field in fields:
            setattr(record, field, value)


def _status_changed(record, status: str) -> bool:
    """Moves a meal or stay to `status`; False when it is there already (nothing to record)."""
    if record.status == status:
        return False
    record.status = status
    record.save(update_fields=["status", "updated_at"])
    return True


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
