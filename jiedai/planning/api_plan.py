"""/api/v1/receptions/{id}/plan: the reception plan (policy 3.1–3.2) over JSON, for integrations that read and
write it. Thin: check the input's shape here, turn ids into model instances, call one service, render. Every read
and write goes through the access layer (access.get_reception_with_plan: outsiders 404; services.plan_for_change:
readers who are not editors 403); the rules live in the services (services/itinerary.py, bookings.py,
coordination.py, plan_api.py, review.py)."""

import datetime
from typing import Annotated, Any, Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import BeforeValidator, ConfigDict
from pydantic_core import PydanticCustomError

from jiedai.approvals.api_schema import approval_json
from jiedai.core.api_schema import MAX_ID, LocalDateTime, Text, error_responses, local
from jiedai.core.errors import ValidationFailed
from jiedai.core.web import client_ip
from jiedai.org.models import Department, User
from jiedai.planning.access import get_reception_with_plan, is_plan_editor, materials_visible_to
from jiedai.planning.models import (
    BookingKind,
    CoordinationMeeting,
    Driver,
    EmergencyTemplate,
    ItemKind,
    ItineraryItem,
    LogisticsStatus,
    PlanEmergency,
    PlanStatus,
    PrepTask,
    SiteArea,
    StaffRole,
    TaskStatus,
    Vehicle,
    Venue,
)
from jiedai.planning.review import plan_submit
from jiedai.planning.selectors import plan_deadline
from jiedai.planning.selectors_itinerary import itinerary_items, staff_with_conflicts
from jiedai.planning.selectors_logistics import plan_logistics
from jiedai.planning.services.bookings import booking_create, booking_set_status, booking_update, seat_warning
from jiedai.planning.services.coordination import task_create, task_set_status, task_update
from jiedai.planning.services.emergency import plan_emergency_attach
from jiedai.planning.services.itinerary import (
    MAX_TEXT,
    item_create,
    item_delete,
    item_update,
    staff_assign,
    staff_remove,
)
from jiedai.planning.services.materials import live
from jiedai.planning.services.plan import DOCUMENT_TYPE, plan_ensure
from jiedai.planning.services.plan_api import MAX_SUMMARY, plan_update
from jiedai.receptions.models import LOCAL_TZ, ClientContact

router = Router(tags=["plans"])

# From the models' choices, so a value added there is accepted here without a second list to keep.
ItemKindValue = Literal[tuple(ItemKind.values)]
StaffRoleValue = Literal[tuple(StaffRole.values)]
BookingKindValue = Literal[tuple(BookingKind.values)]
LogisticsStatusValue = Literal[tuple(LogisticsStatus.values)]
TaskStatusValue = Literal[tuple(TaskStatus.values)]

MAX_CLIENTS = 200
MAX_COUNT = 10_000


def _iso_date_only(value: Any) -> Any:
    # pydantic would also take numbers as Unix timestamps; the API speaks ISO 8601 only.
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("date_type", "Expected an ISO 8601 date string")
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "Text may not contain NUL characters")
    return value


LocalDate = Annotated[datetime.date, BeforeValidator(_iso_date_only)]
# An id of a row: a JSON integer (not a string), within what the databases store.
Ref = Annotated[int, Field(ge=1, le=MAX_ID, strict=True)]


# ---------------------------------------------------------------------------------------------------- input


class _In(Schema):
    model_config = ConfigDict(extra="forbid")

    def to_data(self) -> dict:
        """Only the fields the caller sent (a PATCH changes only those)."""
        return self.model_dump(exclude_unset=True)


class PlanIn(_In):
    """The plan's own fields; the parts (items, staff, bookings, tasks) have their own endpoints."""

    summary: Text(MAX_SUMMARY) = Field(description="方案概述, the plan in a few sentences")


class ItemIn(_In):
    """An itinerary item (policy 3.1.1). It must lie inside the approved visit; overlapping items are allowed."""

    kind: ItemKindValue
    title: Text(120)
    start: LocalDateTime = Field(description="ISO 8601; without an offset, Asia/Shanghai time")
    end: LocalDateTime = Field(description="after start")
    place: Text(200) = ""
    site_area: Ref | None = Field(None, description="a site area's id (site visits only)")
    clients: list[Ref] = Field(
        default_factory=list, max_length=MAX_CLIENTS, description="ids of this request's clients"
    )
    description: Text(MAX_TEXT) = Field("", description="shown to the client on the itinerary link")
    internal_notes: Text(MAX_TEXT) = Field("", description="never shown to the client")


class ItemPatchIn(_In):
    """Only the fields sent change; `clients` replaces the whole list."""

    kind: ItemKindValue | None = None
    title: Text(120) | None = None
    start: LocalDateTime | None = None
    end: LocalDateTime | None = None
    place: Text(200) | None = None
    site_area: Ref | None = None
    clients: list[Ref] | None = Field(None, max_length=MAX_CLIENTS)
    description: Text(MAX_TEXT) | None = None
    internal_notes: Text(MAX_TEXT) | None = None


class StaffIn(_In):
    """A person's duty on the whole visit (no item) or on one itinerary item (policy 3.1.1)."""

    person: Text(150) = Field(description="username")
    role: StaffRoleValue
    duty: Text(200) = ""
    item: Ref | None = Field(None, description="an itinerary item of this plan; none: the whole visit")
    is_client_contact: bool = Field(False, strict=True, description="listed on the client's itinerary")


class BookingIn(_In):
    """A room, or a car with its driver, for a slot inside the visit (policy 3.1.1, 3.2.3)."""

    kind: BookingKindValue
    venue: Ref | None = Field(None, description="a venue's id (kind venue)")
    vehicle: Ref | None = Field(None, description="a vehicle's id (kind vehicle)")
    driver: Ref | None = Field(None, description="a driver's id (kind vehicle)")
    item: Ref | None = Field(None, description="an itinerary item of this plan")
    start: LocalDateTime
    end: LocalDateTime
    headcount: int | None = Field(None, ge=1, le=MAX_COUNT, strict=True, description="default: the visitors")
    notes: Text(MAX_TEXT) = ""


class BookingPatchIn(_In):
    """Only the fields sent change; the kind does not."""

    venue: Ref | None = None
    vehicle: Ref | None = None
    driver: Ref | None = None
    item: Ref | None = None
    start: LocalDateTime | None = None
    end: LocalDateTime | None = None
    headcount: int | None = Field(None, ge=1, le=MAX_COUNT, strict=True)
    notes: Text(MAX_TEXT) | None = None


class BookingStatusIn(_In):
    status: LogisticsStatusValue


class TaskIn(_In):
    """A preparation task for a department and/or a person, with a deadline (policy 3.2.2)."""

    title: Text(200)
    description: Text(MAX_TEXT) = ""
    department: Text(32) | None = Field(None, description="a department's code")
    assignee: Text(150) | None = Field(None, description="username")
    due_date: LocalDate = Field(description="ISO 8601 date, e.g. 2026-12-01")
    meeting: Ref | None = Field(None, description="the coordination meeting that gave it out")


class TaskPatchIn(_In):
    title: Text(200) | None = None
    description: Text(MAX_TEXT) | None = None
    department: Text(32) | None = None
    assignee: Text(150) | None = None
    due_date: LocalDate | None = None
    meeting: Ref | None = None


class TaskStatusIn(_In):
    status: TaskStatusValue


class EmergencyIn(_In):
    template: Ref = Field(..., description="an emergency template's id")
    with_contacts: bool = Field(False, description="append this visit's contact people and phones (本次联系人)")


# ---------------------------------------------------------------------------------------------------- output


class NamedRefOut(Schema):
    id: int
    name: str


class SiteAreaRefOut(Schema):
    id: int
    name: str
    sensitive: bool


class StaffConflictOut(Schema):
    """The same person is somewhere else at an overlapping time: a warning, not a refusal (policy 3.1.1)."""

    assignment: int
    person: str
    other_assignment: int
    reception: str | None = Field(description="the other visit's number")
    same_visit: bool
    item_title: str | None
    role: str
    start: datetime.datetime
    end: datetime.datetime
    message: str


class PlanItemOut(Schema):
    id: int
    kind: str
    title: str
    start: datetime.datetime
    end: datetime.datetime
    place: str
    site_area: SiteAreaRefOut | None
    clients: list[NamedRefOut]
    description: str
    internal_notes: str
    staff_conflicts: list[StaffConflictOut] = Field(
        default_factory=list, description="after a PATCH that moved the item: its people now somewhere else"
    )


class PlanStaffOut(Schema):
    id: int
    person: str = Field(description="username")
    person_name: str
    role: str = Field(description="lead, escort, guide, driver or worker")
    duty: str
    item: int | None = Field(description="the itinerary item, or null for the whole visit")
    is_client_contact: bool
    conflicts: list[StaffConflictOut]


class SetupTaskOut(Schema):
    id: int
    label: str
    done: bool
    done_at: datetime.datetime | None
    done_by: str | None


class VehicleRefOut(Schema):
    id: int
    name: str
    plate: str
    seats: int


class DriverRefOut(Schema):
    id: int
    name: str
    phone: str


class PlanBookingOut(Schema):
    id: int
    kind: str = Field(description="venue or vehicle")
    status: str = Field(description="requested, confirmed, done or cancelled")
    venue: NamedRefOut | None
    vehicle: VehicleRefOut | None
    driver: DriverRefOut | None
    item: int | None
    start: datetime.datetime
    end: datetime.datetime
    headcount: int | None
    notes: str
    seat_warning: str = Field(description="a car smaller than the group (a warning, not a refusal)")
    setup: list[SetupTaskOut] = Field(description="the venue's setup checklist (empty for vehicles)")


class PlanMealOut(Schema):
    id: int
    status: str
    item: int | None
    restaurant: NamedRefOut | None
    place: str
    start: datetime.datetime
    standard_per_head: str = Field(description='yuan per head, e.g. "150.00"')
    headcount: int
    total: str
    notes: str


class PlanHotelOut(Schema):
    id: int
    status: str
    hotel: NamedRefOut
    check_in: datetime.date
    check_out: datetime.date
    nights: int
    rooms: int
    room_type: str
    guests: str
    notes: str


class PrepTaskOut(Schema):
    id: int
    title: str
    description: str
    department: str | None = Field(description="department code")
    assignee: str | None = Field(description="username")
    due_date: datetime.date
    status: str = Field(description="open, done or cancelled")
    overdue: bool = Field(description="open and past its deadline (policy 3.2.2)")
    completed_at: datetime.datetime | None
    completed_by: str | None
    meeting: int | None


class EmergencyTemplateRefOut(Schema):
    id: int
    name: str
    scenario: str


class PlanEmergencyOut(Schema):
    id: int
    template: EmergencyTemplateRefOut
    template_revision: int
    procedure: str
    responsibilities: str
    contacts: str


class PlanMaterialOut(Schema):
    """Metadata only; files are downloaded through the web page (each download is logged)."""

    id: int
    title: str
    kind: str
    confidentiality: str = Field(description="public, internal or confidential")
    description: str
    original_name: str
    content_type: str
    size: int
    uploaded_by: str
    uploaded_at: datetime.datetime


class ReviewStepOut(Schema):
    name: str
    approver: str
    acting_for: str | None = Field(description="whose authority the approver uses, when a delegate")
    decision: str = Field(description="the task's status: pending, approved, rejected, returned or skipped")
    comment: str
    decided_at: datetime.datetime | None


class ReviewOut(Schema):
    status: str = Field(description="pending, approved, rejected, returned or withdrawn")
    round: int
    steps: list[ReviewStepOut] = Field(description="the tasks of the current round in order")


class PlanOut(Schema):
    reception: int
    number: str | None
    status: str = Field(description="draft, pending_review, returned or confirmed")
    version: int
    due_date: datetime.date | None = Field(description="policy 3.1.2: X working days before the visit")
    due_provisional: bool
    workdays_left: int | None = Field(description="working days until the due date (negative: overdue)")
    overdue: bool
    submitted_at: datetime.datetime | None
    confirmed_at: datetime.datetime | None
    summary: str
    can_edit: bool = Field(description="the caller may change the plan now")
    items: list[PlanItemOut]
    staff: list[PlanStaffOut]
    bookings: list[PlanBookingOut]
    meals: list[PlanMealOut]
    hotels: list[PlanHotelOut]
    tasks: list[PrepTaskOut]
    emergencies: list[PlanEmergencyOut]
    materials: list[PlanMaterialOut] = Field(description="confidential ones only for the editors and the cleared")
    review: ReviewOut | None = Field(description="null until first submitted")


# ---------------------------------------------------------------------------------------------------- ids


class _Refs:
    """Turns the ids and names an integrator sends into model instances before a service sees them. Unknown ones
    are per-field errors (422), all reported at once; rows of another plan count as unknown."""

    def __init__(self, reception):
        self.reception = reception
        self.errors: dict[str, list[str]] = {}

    def one(self, data: dict, field: str, queryset, lookup: str, message: str) -> None:
        if field not in data or data[field] is None:
            return
        found = queryset.filter(**{lookup: data[field]}).first()
        if found is None:
            self.errors.setdefault(field, []).append(str(message))
        data[field] = found

    def clients(self, data: dict) -> None:
        if data.get("clients") is None:
            return
        ids = list(dict.fromkeys(data["clients"]))
        found = {c.pk: c for c in ClientContact.objects.filter(pk__in=ids)}
        if len(found) != len(ids):
            self.errors.setdefault("clients", []).append(_("找不到所选的客户。"))
        data["clients"] = [found[pk] for pk in ids if pk in found]

    def plan_item(self, data: dict) -> None:
        items = ItineraryItem.objects.filter(plan__reception_id=self.reception.pk)
        self.one(data, "item", items, "pk", _("找不到该行程事项。"))

    def check(self) -> None:
        if self.errors:
            raise ValidationFailed(_("请检查标红的项目。"), errors=self.errors)


def _readable(request, reception_id: int):
    """The request whose plan the caller may read; anyone else gets 404 before their input is looked at."""
    return get_reception_with_plan(request.auth, reception_id)


def _as_caller(service, request, **kwargs):
    """Runs a plan service as the caller, from the caller's address; the service checks the caller's rights."""
    return service(by=request.auth, ip=client_ip(request), **kwargs)


# What a write may answer besides success: bad JSON, no token, not an editor, not visible, the plan's state, too
# large, invalid input.
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 422)
DELETE_ERRORS = error_responses(401, 403, 404, 409)


# ---------------------------------------------------------------------------------------------------- rendering


def _money(value) -> str:
    return f"{value:.2f}"


def _item(item: ItineraryItem, clients=None) -> dict:
    clients = item.clients.order_by("name", "id") if clients is None else clients
    return {
        "id": item.pk,
        "kind": item.kind,
        "title": item.title,
        "start": local(item.start),
        "end": local(item.end),
        "place": item.place,
        "site_area": (
            {"id": item.site_area.pk, "name": item.site_area.name, "sensitive": item.site_area.sensitive}
            if item.site_area_id
            else None
        ),
        "clients": [{"id": c.pk, "name": c.name} for c in clients],
        "description": item.description,
        "internal_notes": item.internal_notes,
        "staff_conflicts": [_conflict(c) for c in getattr(item, "staff_conflicts", [])],
    }


def _conflict(conflict) -> dict:
    other = conflict.other
    return {
        "assignment": conflict.assignment.pk,
        "person": conflict.assignment.person.username,
        "other_assignment": other.pk,
        "reception": conflict.reception.number,
        "same_visit": conflict.same_plan,
        "item_title": other.item.title if other.item_id else None,
        "role": other.role,
        "start": local(conflict.start),
        "end": local(conflict.end),
        "message": conflict.message,
    }


def _staff(assignment) -> dict:
    return {
        "id": assignment.pk,
        "person": assignment.person.username,
        "person_name": assignment.person.display_name,
        "role": assignment.role,
        "duty": assignment.duty,
        "item": assignment.item_id,
        "is_client_contact": assignment.is_client_contact,
        "conflicts": [_conflict(c) for c in getattr(assignment, "conflicts", [])],
    }


def _booking(booking, visitor_count, setup=None) -> dict:
    if setup is None:
        setup = booking.setup_tasks.select_related("done_by").order_by("position", "id")
    return {
        "id": booking.pk,
        "kind": booking.kind,
        "status": booking.status,
        "venue": {"id": booking.venue.pk, "name": booking.venue.name} if booking.venue_id else None,
        "vehicle": (
            {
                "id": booking.vehicle.pk,
                "name": booking.vehicle.name,
                "plate": booking.vehicle.plate,
                "seats": booking.vehicle.seats,
            }
            if booking.vehicle_id
            else None
        ),
        "driver": (
            {"id": booking.driver.pk, "name": booking.driver.name, "phone": booking.driver.phone}
            if booking.driver_id
            else None
        ),
        "item": booking.item_id,
        "start": local(booking.start),
        "end": local(booking.end),
        "headcount": booking.headcount,
        "notes": booking.notes,
        "seat_warning": seat_warning(booking, booking.headcount or visitor_count),
        "setup": [
            {
                "id": task.pk,
                "label": task.label,
                "done": task.done_at is not None,
                "done_at": local(task.done_at),
                "done_by": task.done_by.username if task.done_by_id else None,
            }
            for task in setup
        ],
    }


def _meal(meal) -> dict:
    return {
        "id": meal.pk,
        "status": meal.status,
        "item": meal.item_id,
        "restaurant": {"id": meal.restaurant.pk, "name": meal.restaurant.name} if meal.restaurant_id else None,
        "place": meal.place,
        "start": local(meal.start),
        "standard_per_head": _money(meal.standard_per_head),
        "headcount": meal.headcount,
        "total": _money(meal.standard_per_head * meal.headcount),
        "notes": meal.notes,
    }


def _hotel(stay) -> dict:
    return {
        "id": stay.pk,
        "status": stay.status,
        "hotel": {"id": stay.hotel.pk, "name": stay.hotel.name},
        "check_in": stay.check_in,
        "check_out": stay.check_out,
        "nights": stay.nights,
        "rooms": stay.rooms,
        "room_type": stay.room_type,
        "guests": stay.guests,
        "notes": stay.notes,
    }


def _today() -> datetime.date:
    return timezone.now().astimezone(LOCAL_TZ).date()


def _task(task, today: datetime.date | None = None) -> dict:
    today = today or _today()
    return {
        "id": task.pk,
        "title": task.title,
        "description": task.description,
        "department": task.department.code if task.department_id else None,
        "assignee": task.assignee.username if task.assignee_id else None,
        "due_date": task.due_date,
        "status": task.status,
        "overdue": task.status == TaskStatus.OPEN and task.due_date < today,
        "completed_at": local(task.completed_at),
        "completed_by": task.completed_by.username if task.completed_by_id else None,
        "meeting": task.meeting_id,
    }


def _review(plan) -> dict | None:
    """The plan's review through the approval engine (policy 3.1.2), as the request's approval block shows it."""
    return approval_json(DOCUMENT_TYPE, plan.pk)


def _plan_body(user, reception) -> dict:
    """The whole plan as the caller may see it, in a fixed number of queries whatever the number of rows."""
    plan = plan_ensure(reception, by=user)
    plan.reception = reception  # loaded with its people by the access layer
    deadline = plan_deadline(reception, plan)
    today = _today()
    logistics = plan_logistics(plan)
    bookings = sorted([*logistics.venues, *logistics.vehicles], key=lambda b: (b.start, b.pk))
    tasks = PrepTask.objects.filter(plan=plan).select_related("department", "assignee", "completed_by")
    emergencies = PlanEmergency.objects.filter(plan=plan).select_related("template").order_by("id")
    materials = live(materials_visible_to(user, plan)).select_related("uploaded_by").order_by("id")
    editor = is_plan_editor(user, reception)
    return {
        "reception": reception.pk,
        "number": reception.number,
        "status": plan.status,
        "version": plan.version,
        "due_date": deadline.due,
        "due_provisional": deadline.provisional,
        "workdays_left": deadline.workdays_left,
        "overdue": deadline.overdue,
        "submitted_at": local(plan.submitted_at),
        "confirmed_at": local(plan.confirmed_at),
        "summary": plan.summary,
        "can_edit": editor and plan.status != PlanStatus.PENDING_REVIEW,
        "items": [_item(item, item.clients.all()) for item in itinerary_items(plan)],
        "staff": [_staff(a) for a in staff_with_conflicts(plan)],
        "bookings": [_booking(b, reception.visitor_count, b.setup_tasks.all()) for b in bookings],
        "meals": [_meal(meal) for meal in logistics.meals],
        "hotels": [_hotel(stay) for stay in logistics.hotels],
        "tasks": [_task(task, today) for task in tasks.order_by("due_date", "id")],
        "emergencies": [_emergency(e) for e in emergencies],
        "materials": [
            {
                "id": m.pk,
                "title": m.title,
                "kind": m.kind,
                "confidentiality": m.confidentiality,
                "description": m.description,
                "original_name": m.original_name,
                "content_type": m.content_type,
                "size": m.size,
                "uploaded_by": m.uploaded_by.username,
                "uploaded_at": local(m.uploaded_at),
            }
            for m in materials
        ],
        "review": _review(plan),
    }


def _plan_detail(user, reception_id: int) -> dict:
    return _plan_body(user, get_reception_with_plan(user, reception_id))


# ---------------------------------------------------------------------------------------------------- the plan

PLAN = "/{int:reception_id}/plan"


@router.get(PLAN, response={200: PlanOut, **error_responses(401, 404)}, summary="接待方案")
def plan_get_endpoint(request, reception_id: int):
    """The plan of an approved request (created as a draft the first time anyone opens it): deadline, itinerary,
    staff with their clashes, bookings with setup checklists, meals, hotels, preparation tasks, emergency plans,
    materials (metadata; confidential ones only for who may see them) and the review. 404 for whoever may not
    read it."""
    return _plan_detail(request.auth, reception_id)


@router.put(PLAN, response={200: PlanOut, **WRITE_ERRORS}, summary="修改方案概述")
def plan_put_endpoint(request, reception_id: int, payload: PlanIn):
    """The plan's own fields (the summary). Editors only (requester and lead); 409 while under review."""
    _readable(request, reception_id)
    _as_caller(plan_update, request, reception_id=reception_id, data=payload.to_data())
    return _plan_detail(request.auth, reception_id)


@router.post(
    f"{PLAN}/submit", response={200: PlanOut, **error_responses(401, 403, 404, 409, 422)}, summary="提交方案审核"
)
def plan_submit_endpoint(request, reception_id: int):
    """policy 3.1.2: send the plan to its review. 422 with what is missing when incomplete (an itinerary, a
    reception lead); 409 when already submitted or confirmed."""
    _readable(request, reception_id)
    _as_caller(plan_submit, request, reception_id=reception_id)
    return _plan_detail(request.auth, reception_id)


# ---------------------------------------------------------------------------------------------------- items


def _item_data(reception, payload) -> dict:
    data = payload.to_data()
    refs = _Refs(reception)
    refs.one(data, "site_area", SiteArea.objects.all(), "pk", _("找不到该参观区域。"))
    refs.clients(data)
    refs.check()
    return data


@router.post(f"{PLAN}/items", response={201: PlanItemOut, **WRITE_ERRORS}, summary="新增行程事项")
def item_create_endpoint(request, reception_id: int, payload: ItemIn):
    reception = _readable(request, reception_id)
    item = _as_caller(item_create, request, reception_id=reception_id, data=_item_data(reception, payload))
    return Status(201, _item(item))


@router.patch(f"{PLAN}/items/{{int:item_id}}", response={200: PlanItemOut, **WRITE_ERRORS}, summary="修改行程事项")
def item_update_endpoint(request, reception_id: int, item_id: int, payload: ItemPatchIn):
    """Only the fields sent change. When the item moved, `staff_conflicts` lists its people now elsewhere."""
    reception = _readable(request, reception_id)
    data = _item_data(reception, payload)
    item = _as_caller(item_update, request, reception_id=reception_id, item_id=item_id, data=data)
    return _item(item)


@router.delete(f"{PLAN}/items/{{int:item_id}}", response={204: None, **DELETE_ERRORS}, summary="删除行程事项")
def item_delete_endpoint(request, reception_id: int, item_id: int):
    """Its item-level staff assignments go with it; bookings and meals linked to it stay, unlinked."""
    _readable(request, reception_id)
    _as_caller(item_delete, request, reception_id=reception_id, item_id=item_id)
    return Status(204, None)


# ---------------------------------------------------------------------------------------------------- staff


@router.post(f"{PLAN}/staff", response={201: PlanStaffOut, **WRITE_ERRORS}, summary="安排接待人员")
def staff_assign_endpoint(request, reception_id: int, payload: StaffIn):
    """A person already elsewhere at that time is a warning, not a refusal: see `conflicts`."""
    reception = _readable(request, reception_id)
    data = payload.to_data()
    refs = _Refs(reception)
    refs.one(data, "person", User.objects.all(), "username", _("找不到该人员。"))
    refs.plan_item(data)
    refs.check()
    assignment = _as_caller(staff_assign, request, reception_id=reception_id, data=data)
    return Status(201, _staff(assignment))


@router.delete(f"{PLAN}/staff/{{int:staff_id}}", response={204: None, **DELETE_ERRORS}, summary="取消人员安排")
def staff_remove_endpoint(request, reception_id: int, staff_id: int):
    _readable(request, reception_id)
    _as_caller(staff_remove, request, reception_id=reception_id, assignment_id=staff_id)
    return Status(204, None)


# ---------------------------------------------------------------------------------------------------- bookings


def _booking_data(reception, payload) -> dict:
    data = payload.to_data()
    refs = _Refs(reception)
    refs.one(data, "venue", Venue.objects.all(), "pk", _("找不到该场地。"))
    refs.one(data, "vehicle", Vehicle.objects.all(), "pk", _("找不到该车辆。"))
    refs.one(data, "driver", Driver.objects.all(), "pk", _("找不到该司机。"))
    refs.plan_item(data)
    refs.check()
    return data


def _booking_out(booking, reception) -> dict:
    return _booking(booking, reception.visitor_count)


@router.post(f"{PLAN}/bookings", response={201: PlanBookingOut, **WRITE_ERRORS}, summary="预订场地或车辆")
def booking_create_endpoint(request, reception_id: int, payload: BookingIn):
    """policy 3.1.1: a room, car or driver is never booked twice for overlapping times. A clash answers 409 with
    `clash` (the booking holding the slot: its visit's number and times) and `alternatives` (free rooms, cars and
    drivers sized for the group)."""
    reception = _readable(request, reception_id)
    data = _booking_data(reception, payload)
    booking = _as_caller(booking_create, request, reception_id=reception_id, data=data)
    return Status(201, _booking_out(booking, reception))


@router.patch(f"{PLAN}/bookings/{{int:booking_id}}", response={200: PlanBookingOut, **WRITE_ERRORS}, summary="修改预订")
def booking_update_endpoint(request, reception_id: int, booking_id: int, payload: BookingPatchIn):
    """Only the fields sent change; a new slot is checked for clashes (409 as on create)."""
    reception = _readable(request, reception_id)
    data = _booking_data(reception, payload)
    booking = _as_caller(booking_update, request, reception_id=reception_id, booking_id=booking_id, data=data)
    return _booking_out(booking, reception)


@router.post(
    f"{PLAN}/bookings/{{int:booking_id}}/status",
    response={200: PlanBookingOut, **WRITE_ERRORS},
    summary="更新预订状态",
)
def booking_status_endpoint(request, reception_id: int, booking_id: int, payload: BookingStatusIn):
    """policy 3.2.3: administration confirms and completes; the plan's editors too. Reviving a cancelled booking
    checks for clashes again (409)."""
    reception = _readable(request, reception_id)
    booking = _as_caller(
        booking_set_status, request, reception_id=reception_id, booking_id=booking_id, status=payload.status
    )
    return _booking_out(booking, reception)


# ---------------------------------------------------------------------------------------------------- tasks


def _task_data(reception, payload) -> dict:
    data = payload.to_data()
    refs = _Refs(reception)
    refs.one(data, "department", Department.objects.all(), "code", _("找不到该部门。"))
    refs.one(data, "assignee", User.objects.all(), "username", _("找不到该人员。"))
    meetings = CoordinationMeeting.objects.filter(plan__reception_id=reception.pk)
    refs.one(data, "meeting", meetings, "pk", _("找不到该协调会。"))
    refs.check()
    return data


def _task_out(task) -> dict:
    return _task(PrepTask.objects.select_related("department", "assignee", "completed_by").get(pk=task.pk))


@router.post(f"{PLAN}/tasks", response={201: PrepTaskOut, **WRITE_ERRORS}, summary="新增准备任务")
def task_create_endpoint(request, reception_id: int, payload: TaskIn):
    """policy 3.2.2: a task for a department and/or a person with a deadline; its owner is told."""
    reception = _readable(request, reception_id)
    task = _as_caller(task_create, request, reception_id=reception_id, data=_task_data(reception, payload))
    return Status(201, _task_out(task))


@router.patch(f"{PLAN}/tasks/{{int:task_id}}", response={200: PrepTaskOut, **WRITE_ERRORS}, summary="修改准备任务")
def task_update_endpoint(request, reception_id: int, task_id: int, payload: TaskPatchIn):
    """Open tasks only (409 otherwise); only the fields sent change."""
    reception = _readable(request, reception_id)
    data = _task_data(reception, payload)
    task = _as_caller(task_update, request, reception_id=reception_id, task_id=task_id, data=data)
    return _task_out(task)


@router.post(
    f"{PLAN}/tasks/{{int:task_id}}/status", response={200: PrepTaskOut, **WRITE_ERRORS}, summary="更新准备任务状态"
)
def task_status_endpoint(request, reception_id: int, task_id: int, payload: TaskStatusIn):
    """Done / open: the task's owner or a plan editor (also while the plan is under review). Cancelled, or
    reviving a cancelled task: the plan's editors only."""
    _readable(request, reception_id)
    task = _as_caller(task_set_status, request, reception_id=reception_id, task_id=task_id, status=payload.status)
    return _task_out(task)


# ---------------------------------------------------------------------------------------------------- emergency plans


def _emergency(e) -> dict:
    return {
        "id": e.pk,
        "template": {"id": e.template.pk, "name": e.template.name, "scenario": e.template.scenario},
        "template_revision": e.template_revision,
        "procedure": e.procedure,
        "responsibilities": e.responsibilities,
        "contacts": e.contacts,
    }


@router.post(f"{PLAN}/emergencies", response={201: PlanEmergencyOut, **WRITE_ERRORS}, summary="添加应急预案")
def emergency_attach_endpoint(request, reception_id: int, payload: EmergencyIn):
    """policy 3.3.1: attach an emergency template to the plan; the copy is then the plan's own (adapted later)."""
    reception = _readable(request, reception_id)
    data = payload.model_dump()
    refs = _Refs(reception)
    refs.one(data, "template", EmergencyTemplate.objects.filter(is_active=True), "pk", _("找不到该应急预案模板。"))
    refs.check()
    emergency = _as_caller(plan_emergency_attach, request, reception_id=reception_id, data=data)
    return Status(201, _emergency(emergency))
