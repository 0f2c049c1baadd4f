"""Reads for the logistics of visits (policy 3.1.1, 3.2.3): a plan's bookings, meals and hotel stays; who holds a
room, a car or a driver when; and administration's queue of what it must carry out across all visits.

Every function here runs a fixed number of queries whatever the number of rows, and the queue reads the tables
through their (start, status) indexes, only within the chosen dates, one page plus one row at a time: it never
counts or sorts the whole tables."""

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import BooleanField, Prefetch, Q
from django.db.models.expressions import RawSQL

from jiedai.planning.models import (
    Booking,
    BookingKind,
    Driver,
    HotelStay,
    LogisticsStatus,
    Meal,
    NeedKind,
    SetupTask,
    SpecialNeed,
    Vehicle,
    Venue,
)
from jiedai.planning.services.bookings import overlapping, seat_warning
from jiedai.receptions.models import LOCAL_TZ

# ---------------------------------------------------------------------------------------------------- one plan


@dataclass
class PlanLogistics:
    venues: list = field(default_factory=list)
    vehicles: list = field(default_factory=list)
    meals: list = field(default_factory=list)
    hotels: list = field(default_factory=list)
    diet_needs: list = field(default_factory=list)

    @property
    def open_count(self) -> int:
        rows = [*self.venues, *self.vehicles, *self.meals, *self.hotels]
        return sum(1 for row in rows if row.status in OPEN_STATUSES)


def _setup_tasks() -> Prefetch:
    return Prefetch("setup_tasks", queryset=SetupTask.objects.select_related("done_by").order_by("position", "id"))


def plan_logistics(plan, reception=None) -> PlanLogistics:
    """Everything administration books for one plan, cancelled rows included (shown greyed), in five queries
    (pass the plan's `reception` when it is at hand: one query less). Vehicle bookings carry `seat_warning`
    (policy 3.1.1: a car too small for the group is flagged, not refused)."""
    reception = reception or plan.reception
    bookings = list(
        Booking.objects.filter(plan=plan)
        .select_related("venue", "vehicle", "driver", "item")
        .prefetch_related(_setup_tasks())
        .order_by("start", "id")
    )
    for booking in bookings:
        booking.seat_warning = seat_warning(booking, booking.headcount or reception.visitor_count)
        _setup_progress(booking)
    meals = list(Meal.objects.filter(plan=plan).select_related("restaurant", "item").order_by("start", "id"))
    for meal in meals:
        meal.total = meal.standard_per_head * meal.headcount
    hotels = list(HotelStay.objects.filter(plan=plan).select_related("hotel").order_by("check_in", "id"))
    return PlanLogistics(
        venues=[b for b in bookings if b.kind == BookingKind.VENUE],
        vehicles=[b for b in bookings if b.kind == BookingKind.VEHICLE],
        meals=meals,
        hotels=hotels,
        diet_needs=diet_needs(plan),
    )


def diet_needs(plan) -> list:
    """policy 3.2.1: the clients' dietary needs, shown on every meal of the visit."""
    return list(SpecialNeed.objects.filter(plan=plan, kind=NeedKind.DIET).select_related("contact").order_by("id"))


def _setup_progress(booking) -> None:
    tasks = booking.setup_tasks.all() if booking.kind == BookingKind.VENUE else []
    booking.setup_total = len(tasks)
    booking.setup_done = sum(1 for task in tasks if task.done_at is not None)


def booking_with_setup(plan, booking_id):
    """One venue booking of the plan with its checklist (the checklist partial after a tick), or None."""
    booking = Booking.objects.filter(plan=plan, pk=booking_id).prefetch_related(_setup_tasks()).first()
    if booking is not None:
        _setup_progress(booking)
    return booking


def plan_items(plan):
    """The plan's itinerary items, for the "linked item" choices of the forms."""
    return plan.items.order_by("start", "id")


# ---------------------------------------------------------------------------------------------------- free / busy

RESOURCE_FIELDS = {Venue: "venue", Vehicle: "vehicle", Driver: "driver"}


@dataclass(frozen=True)
class BusySlot:
    booking_id: int
    start: datetime.datetime
    end: datetime.datetime
    status: str
    kind: str
    plan_id: int
    reception_id: int
    reception_number: str
    host_department: str


@dataclass
class ResourceBusy:
    resource: object
    slots: list[BusySlot]

    @property
    def is_free(self) -> bool:
        return not self.slots


def resource_busy(model, start, end) -> list[ResourceBusy]:
    """Each active resource of `model` (Venue, Vehicle or Driver) with the live bookings that hold it within
    [start, end) — the same rule as the double-booking check (services/bookings.py): requested, confirmed and done
    bookings hold their slot, cancelled ones do not. Two queries. The API (GET /api/v1/venues?start=&end=) and the
    resources page both read it; neither should show more than the visit's number to people outside
    administration."""
    field_name = RESOURCE_FIELDS[model]
    resources = list(model.objects.filter(is_active=True).order_by("name", "id"))
    if not resources:
        return []
    bookings = (
        overlapping(Booking.objects.filter(**{f"{field_name}_id__in": [r.pk for r in resources]}), start, end)
        .select_related("plan__reception__host_department")
        .order_by("start", "id")
    )
    if connection.vendor == "postgresql":
        # The same overlap, written so PostgreSQL can use the exclusion constraint's GiST index (migration 0002)
        # instead of reading the resource's whole past through the (resource, start) b-tree.
        bookings = bookings.filter(
            RawSQL(
                f'"planning_booking"."{field_name}_id" IS NOT NULL AND "planning_booking"."status" <> \'cancelled\''
                ' AND tstzrange("planning_booking"."start", "planning_booking"."end", \'[)\')'
                " && tstzrange(%s, %s, '[)')",
                (start, end),
                output_field=BooleanField(),
            )
        )
    slots: dict[int, list[BusySlot]] = {r.pk: [] for r in resources}
    for booking in bookings:
        reception = booking.plan.reception
        slots[getattr(booking, f"{field_name}_id")].append(
            BusySlot(
                booking_id=booking.pk,
                start=booking.start,
                end=booking.end,
                status=booking.status,
                kind=booking.kind,
                plan_id=booking.plan_id,
                reception_id=reception.pk,
                reception_number=reception.number or "",
                host_department=str(reception.host_department),
            )
        )
    return [ResourceBusy(resource=r, slots=slots[r.pk]) for r in resources]


def local_day(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """A Beijing calendar day as an aware [start, end)."""
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=LOCAL_TZ)
    return start, datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=LOCAL_TZ)


# ---------------------------------------------------------------------------------------------------- the queue

OPEN_STATUSES = (LogisticsStatus.REQUESTED, LogisticsStatus.CONFIRMED)
QUEUE_KINDS = ("venue", "vehicle", "meal", "hotel")
QUEUE_PAGE_SIZE = 50

# The three tables, in the order rows at the same moment are listed (the cursor's tie-break).
_BOOKINGS, _MEALS, _HOTELS = 0, 1, 2
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: (moment, table, id). Rows after it come on the next page."""

    at: datetime.datetime
    table: int
    id: int

    def encode(self) -> str:
        micros = (self.at - _EPOCH) // datetime.timedelta(microseconds=1)
        return f"{micros}.{self.table}.{self.id}"

    @classmethod
    def decode(cls, text: str | None) -> "Cursor | None":
        try:
            micros, table, pk = (int(part) for part in (text or "").split("."))
        except ValueError:
            return None
        if table not in (_BOOKINGS, _MEALS, _HOTELS) or abs(micros) > 10**17:
            return None
        return cls(_EPOCH + datetime.timedelta(microseconds=micros), table, pk)


@dataclass
class QueueRow:
    kind: str  # venue / vehicle / meal / hotel
    obj: object  # the Booking, Meal or HotelStay
    at: datetime.datetime  # when it happens (a stay: its check-in day at midnight, Beijing time)
    table: int

    @property
    def reception(self):
        return self.obj.plan.reception

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.at, self.table, self.obj.pk)

    @property
    def key(self) -> tuple:
        return (self.at, self.table, self.obj.pk)


@dataclass
class QueuePage:
    rows: list[QueueRow]
    next_cursor: str | None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


def _after(cursor: Cursor | None, table: int, moment_field: str, moment) -> Q:
    """Rows of `table` that sort after the cursor: a later moment, or the same moment and a later (table, id)."""
    if cursor is None:
        return Q()
    later = Q(**{f"{moment_field}__gt": moment})
    if table > cursor.table:
        return later | Q(**{moment_field: moment})
    if table == cursor.table:
        return later | Q(**{moment_field: moment, "pk__gt": cursor.id})
    return later


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=LOCAL_TZ)


def logistics_queue(
    *,
    date_from: datetime.date,
    date_to: datetime.date,
    kind: str = "",
    statuses=OPEN_STATUSES,
    after: str | None = None,
    per_page: int = QUEUE_PAGE_SIZE,
) -> QueuePage:
    """policy 3.2.3: what administration must carry out — venue setups, cars, meals and hotel rooms of every visit
    — from `date_from` to `date_to` (Beijing dates, both included), by time; `after` is the previous page's
    next_cursor. Each table is read through its (start, status) index within the dates (from the cursor on), at
    most one page plus one row of it, and the three are merged here: the cost is the date range's and the page's,
    never the whole tables' (no COUNT: "next page" links instead of page numbers). Every plan belongs to an
    approved request (services.plan.plan_ensure), so no join to the requests is needed to filter them."""
    cursor = Cursor.decode(after)
    lo, hi = _midnight(date_from), _midnight(date_to + datetime.timedelta(days=1))
    statuses = list(statuses)
    take = per_page + 1
    rows: list[QueueRow] = []

    if kind in ("", "venue", "vehicle"):
        bookings = Booking.objects.filter(start__gte=lo, start__lt=hi, status__in=statuses)
        if kind:
            bookings = bookings.filter(kind=kind)
        if cursor is not None:
            bookings = bookings.filter(_after(cursor, _BOOKINGS, "start", cursor.at))
        bookings = (
            bookings.select_related("plan__reception__host_department", "venue", "vehicle", "driver")
            .prefetch_related(_setup_tasks())
            .order_by("start", "id")[:take]
        )
        for booking in bookings:
            _setup_progress(booking)
            booking.seat_warning = seat_warning(booking, booking.headcount or booking.plan.reception.visitor_count)
            rows.append(QueueRow(kind=booking.kind, obj=booking, at=booking.start, table=_BOOKINGS))

    if kind in ("", "meal"):
        meals = Meal.objects.filter(start__gte=lo, start__lt=hi, status__in=statuses)
        if cursor is not None:
            meals = meals.filter(_after(cursor, _MEALS, "start", cursor.at))
        meals = meals.select_related("plan__reception__host_department", "restaurant").order_by("start", "id")[:take]
        rows += [QueueRow(kind="meal", obj=meal, at=meal.start, table=_MEALS) for meal in meals]

    if kind in ("", "hotel"):
        stays = HotelStay.objects.filter(check_in__gte=date_from, check_in__lte=date_to, status__in=statuses)
        if cursor is not None:
            # A stay's moment is its check-in day's midnight: later than the cursor's moment means a later day,
            # unless the cursor sits exactly on a midnight (then the same day counts as "the same moment").
            day = cursor.at.astimezone(LOCAL_TZ).date()
            at_midnight = _midnight(day) == cursor.at
            same_day = _after(cursor, _HOTELS, "check_in", day) if at_midnight else Q(check_in__gt=day)
            stays = stays.filter(same_day)
        stays = stays.select_related("plan__reception__host_department", "hotel").order_by("check_in", "id")[:take]
        rows += [QueueRow(kind="hotel", obj=stay, at=_midnight(stay.check_in), table=_HOTELS) for stay in stays]

    rows.sort(key=lambda row: row.key)
    more = len(rows) > per_page
    rows = rows[:per_page]
    return QueuePage(rows=rows, next_cursor=rows[-1].cursor.encode() if more and rows else None)
