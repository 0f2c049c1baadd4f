"""/api/v1/venues, /vehicles, /drivers: the rooms, cars and drivers administration keeps (policy 3.1.1, 3.2.3),
and, for a time range, whether each is free and when it is held. Any member of staff with a token may read them;
a busy slot names only the visit's number, nothing else of a visit the reader may not see."""

import datetime

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import field_validator

from jiedai.core.api_schema import LocalDateTime, error_responses, local
from jiedai.core.errors import ValidationFailed
from jiedai.planning.models import Driver, Vehicle, Venue
from jiedai.planning.selectors_logistics import resource_busy

router = Router(tags=["resources"])

# The longest range one request may ask about: a month of bookings is what planning a visit needs.
MAX_RANGE_DAYS = 31


class RangeFilters(Schema):
    start: LocalDateTime | None = Field(
        None, description="ISO 8601; without an offset, Asia/Shanghai time. Give both start and end, or neither"
    )
    end: LocalDateTime | None = Field(None, description=f"after start, at most {MAX_RANGE_DAYS} days later")

    @field_validator("start", "end", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return None if value == "" else value


class BusyOut(Schema):
    start: datetime.datetime
    end: datetime.datetime
    reception: str | None = Field(description="the visit's number (nothing else of it)")


class _ResourceOut(Schema):
    id: int
    name: str
    notes: str
    free: bool | None = Field(None, description="no live booking within the range; null without a range")
    busy: list[BusyOut] | None = Field(
        None, description="live bookings (requested, confirmed, done) within the range; null without a range"
    )


class VenueOut(_ResourceOut):
    kind: str = Field(description="meeting_room, negotiation_room, showroom or other")
    location: str
    capacity: int
    equipment: str


class VehicleOut(_ResourceOut):
    plate: str
    seats: int = Field(description="seats not counting the driver")


class DriverOut(_ResourceOut):
    phone: str


class VenueListOut(Schema):
    items: list[VenueOut]
    start: datetime.datetime | None
    end: datetime.datetime | None


class VehicleListOut(Schema):
    items: list[VehicleOut]
    start: datetime.datetime | None
    end: datetime.datetime | None


class DriverListOut(Schema):
    items: list[DriverOut]
    start: datetime.datetime | None
    end: datetime.datetime | None


def _checked_range(filters: RangeFilters):
    start, end = filters.start, filters.end
    if start is None and end is None:
        return None
    errors = {}
    if start is None:
        errors["start"] = [_("请同时填写开始和结束时间。")]
    elif end is None:
        errors["end"] = [_("请同时填写开始和结束时间。")]
    elif end <= start:
        errors["end"] = [_("结束时间必须晚于开始时间。")]
    elif end - start > datetime.timedelta(days=MAX_RANGE_DAYS):
        errors["end"] = [_("查询范围最长 %(days)s 天。") % {"days": MAX_RANGE_DAYS}]
    if errors:
        raise ValidationFailed(_("请检查标红的项目。"), errors=errors)
    return start, end


def _listing(model, filters: RangeFilters, attributes) -> dict:
    """Active resources of `model`, each with its attributes and, for a range, free/busy (two queries)."""
    window = _checked_range(filters)
    if window is None:
        rows = [attributes(r) for r in model.objects.filter(is_active=True).order_by("name", "id")]
        return {"items": rows, "start": None, "end": None}
    start, end = window
    rows = []
    for entry in resource_busy(model, start, end):
        row = attributes(entry.resource)
        row["free"] = entry.is_free
        row["busy"] = [
            {"start": local(slot.start), "end": local(slot.end), "reception": slot.reception_number or None}
            for slot in entry.slots
        ]
        rows.append(row)
    return {"items": rows, "start": local(start), "end": local(end)}


def _common(resource) -> dict:
    return {"id": resource.pk, "name": resource.name, "notes": resource.notes, "free": None, "busy": None}


def _venue(venue: Venue) -> dict:
    return {
        **_common(venue),
        "kind": venue.kind,
        "location": venue.location,
        "capacity": venue.capacity,
        "equipment": venue.equipment,
    }


def _vehicle(vehicle: Vehicle) -> dict:
    return {**_common(vehicle), "plate": vehicle.plate, "seats": vehicle.seats}


def _driver(driver: Driver) -> dict:
    return {**_common(driver), "phone": driver.phone}


@router.get("/venues", response={200: VenueListOut, **error_responses(401, 422)}, summary="场地及占用情况")
def venue_list_endpoint(request, filters: Query[RangeFilters]):
    """Meeting rooms, negotiation rooms and showrooms in use; with `start` and `end`, which are free then."""
    return _listing(Venue, filters, _venue)


@router.get("/vehicles", response={200: VehicleListOut, **error_responses(401, 422)}, summary="车辆及占用情况")
def vehicle_list_endpoint(request, filters: Query[RangeFilters]):
    return _listing(Vehicle, filters, _vehicle)


@router.get("/drivers", response={200: DriverListOut, **error_responses(401, 422)}, summary="司机及占用情况")
def driver_list_endpoint(request, filters: Query[RangeFilters]):
    return _listing(Driver, filters, _driver)
