"""Reception plans for the bench (policy 3.1): master data, a plan for every approved request with its itinerary,
staff, bookings, setup checklists, meals and hotel stays, written in bulk like bench.seed (rows as dicts with
explicit ids, executemany in batches). Runs inside Django, after bench.seed has written the requests.

Sizes: 10 bookings per request of the whole seed (100,000 requests → about 1,000,000 bookings), spread over the
approved visits in proportion to their days (a visit lasts one to three days: about 10 bookings a visit day,
rooms and cars with their drivers). No room, car or driver is ever booked twice at overlapping times (PostgreSQL
refuses it: exclusion constraints, migration planning 0002): every booking holds one 1-hour slot from 09:00 to
17:00 (Beijing) of one of its visit's days, and each (resource, day, hour) is given once, from a counter per day
and kind (counter → resource, hour). Setup checklists (six lines a venue booking) only for bookings from
SETUP_DAYS before the seed on (the ones administration's queue shows), to keep the row count sane. Staff are put
where they are free (nobody in two places at once, as the planners would do after the app's warning), so a plan
page shows the same kind of content at every size.
"""

import math
import random
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from bench.seed import (
    BATCH,
    CITIES,
    DEPUTY_DEPARTMENTS,
    fake_name,
    insert_rows,
    log,
    next_id,
    tune_connection,
)
from jiedai.org.models import Role, User
from jiedai.org.selectors import users_with_role
from jiedai.planning.models import (
    SETUP_CHECKLIST_DEFAULT,
    Booking,
    BookingKind,
    Driver,
    Hotel,
    HotelStay,
    ItemKind,
    ItineraryItem,
    LogisticsStatus,
    Meal,
    Plan,
    PlanAction,
    PlanHistory,
    PlanStatus,
    Restaurant,
    SetupTask,
    SiteArea,
    StaffAssignment,
    StaffRole,
    Vehicle,
    Venue,
    VenueKind,
)
from jiedai.receptions.models import LOCAL_TZ, Reception, ReceptionClient, ReceptionStatus

N_VENUES, N_VEHICLES, N_DRIVERS = 150, 120, 130
N_HOTELS, N_RESTAURANTS, N_SITE_AREAS = 40, 60, 20
BOOKINGS_PER_REQUEST = 10  # of all requests: 100,000 requests → 1,000,000 bookings
HOURS = tuple(range(9, 17))  # the 1-hour slots of a visit day (seeded visits run 09:00–17:00, Beijing time)
VENUE_SHARE = 0.55  # of the bookings; the rest are cars with their driver
SETUP_DAYS = 30  # setup checklists for venue bookings from this many days before the seed on
PLANS_PER_FLUSH = 2000
ItemClients = ItineraryItem.clients.through
# Everything written here with explicit ids (PostgreSQL sequences are reset after; see bench.seed.reset_sequences).
PLANNING_MODELS = [Plan, PlanHistory, ItineraryItem, ItemClients, StaffAssignment, Booking, SetupTask, Meal, HotelStay]

# One visit day's programme: (kind, title, start, end, place). Day 1 opens with the welcome, the last day closes
# with the farewell; the days between have meetings, a site visit and a lunch.
FIRST_DAY = [
    (ItemKind.WELCOME, "欢迎仪式及公司介绍", (9, 0), (9, 40), "一号楼大堂"),
    (ItemKind.MEETING, "业务洽谈会", (9, 45), (11, 30), ""),
    (ItemKind.MEAL, "工作午餐", (11, 45), (13, 0), "员工餐厅贵宾间"),
    (ItemKind.SITE_VISIT, "工厂参观", (13, 30), (15, 0), ""),
    (ItemKind.MEETING, "技术交流与答疑", (15, 15), (16, 15), ""),
    (ItemKind.FAREWELL, "送别", (16, 30), (17, 0), "一号楼大堂"),
]
OTHER_DAY = [
    (ItemKind.MEETING, "方案评审会", (9, 30), (11, 30), ""),
    (ItemKind.MEAL, "午餐", (11, 45), (13, 0), "员工餐厅贵宾间"),
    (ItemKind.SITE_VISIT, "研发中心参观", (13, 30), (15, 0), ""),
    (ItemKind.ENTERTAINMENT, "城市文化参观", (15, 15), (16, 45), "城市规划馆"),
]
VENUE_KINDS = [
    (VenueKind.MEETING_ROOM, "会议室", 60, (8, 40)),
    (VenueKind.NEGOTIATION_ROOM, "洽谈室", 25, (4, 12)),
    (VenueKind.SHOWROOM, "展厅", 10, (20, 80)),
    (VenueKind.OTHER, "多功能厅", 5, (50, 200)),
]
VEHICLE_MODELS = [
    ("别克GL8 商务车", 6),
    ("奥迪A6L 轿车", 4),
    ("丰田考斯特 中巴", 19),
    ("宇通 大巴", 45),
    ("红旗H9 轿车", 4),
]
SITE_AREAS = [
    ("一号总装车间", False),
    ("精密加工车间", False),
    ("研发中心实验室", True),
    ("产品展厅", False),
    ("质检中心", False),
    ("自动化立体仓库", False),
    ("核心工艺车间", True),
    ("新能源试验线", True),
    ("员工培训中心", False),
    ("物流配送中心", False),
]
ROOM_TYPES = ["标准间", "大床房", "商务套房"]
MEAL_STANDARDS = [Decimal(v) for v in (80, 120, 150, 200, 300)]


def local_at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL_TZ)


@dataclass
class Resources:
    venues: list[int]
    venue_capacity: dict[int, int]
    vehicles: list[int]
    drivers: list[int]
    hotels: list[int]
    restaurants: list[int]
    site_areas: list[int]


def ensure_resources(rng: random.Random) -> Resources:
    """Administration's master data (policy 3.1.1): rooms, cars, drivers, hotels, restaurants, site areas."""
    if not Venue.objects.exists():
        venues = []
        for i in range(N_VENUES):
            kind, label, _weight, (low, high) = rng.choices(VENUE_KINDS, [k[2] for k in VENUE_KINDS])[0]
            building, floor, room = "ABCDEF"[i % 6], 1 + (i // 6) % 8, 1 + i // 48
            venues.append(
                Venue(
                    name=f"{building}栋{floor}{room:02d}{label}",
                    kind=kind,
                    location=f"{building}栋{floor}楼",
                    capacity=rng.randrange(low, high + 1),
                    equipment=rng.choice(["投影仪、白板", "视频会议系统", "LED 大屏、音响", ""]),
                )
            )
        Venue.objects.bulk_create(venues)
        Vehicle.objects.bulk_create(
            [
                Vehicle(name=model, plate=f"沪A{(i * 7919) % 90000 + 10000:05d}", seats=seats)
                for i in range(N_VEHICLES)
                for model, seats in [rng.choice(VEHICLE_MODELS)]
            ]
        )
        Driver.objects.bulk_create(
            [Driver(name=fake_name(rng), phone=f"139{rng.randrange(10**8):08d}") for _ in range(N_DRIVERS)]
        )
        Hotel.objects.bulk_create(
            [
                Hotel(name=f"{rng.choice(CITIES)}{rng.choice(['国际', '世纪', '君悦', '万豪', '皇冠'])}酒店{i + 1:02d}")
                for i in range(N_HOTELS)
            ]
        )
        Restaurant.objects.bulk_create(
            [
                Restaurant(name=f"{rng.choice(['粤', '湘', '川', '本帮', '淮扬'])}菜馆{i + 1:02d}")
                for i in range(N_RESTAURANTS)
            ]
        )
        SiteArea.objects.bulk_create(
            [
                SiteArea(name=f"{name}{'' if i < len(SITE_AREAS) else ' 二期'}", sensitive=sensitive)
                for i in range(N_SITE_AREAS)
                for name, sensitive in [SITE_AREAS[i % len(SITE_AREAS)]]
            ]
        )
    return Resources(
        venues=list(Venue.objects.order_by("id").values_list("id", flat=True)),
        venue_capacity=dict(Venue.objects.values_list("id", "capacity")),
        vehicles=list(Vehicle.objects.order_by("id").values_list("id", flat=True)),
        drivers=list(Driver.objects.order_by("id").values_list("id", flat=True)),
        hotels=list(Hotel.objects.order_by("id").values_list("id", flat=True)),
        restaurants=list(Restaurant.objects.order_by("id").values_list("id", flat=True)),
        site_areas=list(SiteArea.objects.order_by("id").values_list("id", flat=True)),
    )


@dataclass
class Visit:
    """What the plan seed needs of an approved request."""

    id: int
    requester_id: int
    lead_id: int | None
    department_id: int
    visit_start: datetime
    visit_end: datetime
    visitor_count: int
    approved_at: datetime | None
    plan_due_date: date | None

    @property
    def dates(self) -> list[date]:
        first = self.visit_start.astimezone(LOCAL_TZ).date()
        last = self.visit_end.astimezone(LOCAL_TZ).date()
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]


VISIT_FIELDS = (
    "id",
    "requester_id",
    "lead_id",
    "host_department_id",
    "visit_start",
    "visit_end",
    "visitor_count",
    "approved_at",
    "plan_due_date",
)


def approved_visits(queryset) -> list[Visit]:
    return [
        Visit(*row)
        for row in queryset.filter(status=ReceptionStatus.APPROVED).order_by("id").values_list(*VISIT_FIELDS)
    ]


class Staffing:
    """Who is busy when, so that staff are put where they are free (per Beijing date; hours for item duties)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.whole = defaultdict(set)  # date -> people on a whole-visit duty that day
        self.hours = defaultdict(set)  # (date, hour) -> people on an item then
        self.any = defaultdict(set)  # date -> people with any duty that day
        excluded = {f"bench{i:03d}" for i in range(1, len(DEPUTY_DEPARTMENTS) + 1)}  # the readers stay readers
        people = User.objects.filter(username__startswith="bench").exclude(username__in=excluded).order_by("id")
        self.by_department = defaultdict(list)
        for pk, department_id in people.values_list("id", "department_id"):
            self.by_department[department_id].append(pk)
        self.everyone = [pk for group in self.by_department.values() for pk in group]
        self.conflicts = 0

    def free_whole(self, person, dates) -> bool:
        return all(person not in self.any[d] for d in dates)

    def free_item(self, person, day, hours) -> bool:
        return person not in self.whole[day] and all(person not in self.hours[(day, h)] for h in hours)

    def pick(self, preferred, department_id, is_free):
        for person in preferred:
            if person and is_free(person):
                return person
        for group in (self.by_department.get(department_id) or [], self.everyone):
            if not group:
                continue
            for person in self.rng.sample(group, min(12, len(group))):
                if is_free(person):
                    return person
        for person in self.rng.sample(self.everyone, len(self.everyone)):  # a busy day: look at everyone
            if is_free(person):
                return person
        self.conflicts += 1
        return next((p for p in preferred if p), None) or self.rng.choice(self.everyone)

    def take_whole(self, person, dates) -> None:
        for d in dates:
            self.whole[d].add(person)
            self.any[d].add(person)

    def take_item(self, person, day, hours) -> None:
        for h in hours:
            self.hours[(day, h)].add(person)
        self.any[day].add(person)


def item_hours(start: datetime, end: datetime) -> range:
    start, end = start.astimezone(LOCAL_TZ), end.astimezone(LOCAL_TZ)
    return range(start.hour, end.hour + (1 if end.minute else 0))


class PlanWriter:
    """Collects plans and their parts in memory, then writes them in foreign-key order."""

    def __init__(self, rng: random.Random, resources: Resources, *, today: date, now: datetime):
        self.rng, self.res, self.today, self.now = rng, resources, today, now
        self.ids = {model: next_id(model) for model in PLANNING_MODELS}
        self.counter = defaultdict(int)  # (date, kind) -> slots given that day
        self.cars = min(len(resources.vehicles), len(resources.drivers))  # car i always goes with driver i
        self.capacity = {
            BookingKind.VENUE: len(resources.venues) * len(HOURS),
            BookingKind.VEHICLE: self.cars * len(HOURS),
        }
        self.dropped = 0  # bookings that found no free slot on any day of their visit
        self.staffing = None
        logistics = users_with_role(Role.ADMINISTRATION).first()
        self.logistics_id = logistics.pk if logistics else None
        self.reset()

    def reset(self):
        self.rows = {model: [] for model in PLANNING_MODELS}

    def _add(self, model, **fields) -> int:
        fields["id"] = pk = self.ids[model]
        self.ids[model] = pk + 1
        self.rows[model].append(fields)
        return pk

    def _cap(self, moment: datetime) -> datetime:
        return min(moment, self.now - timedelta(minutes=1))

    # ---- slots
    def take_slot(self, day: date, kind: str) -> tuple[int, int] | None:
        """(resource index, hour) of a free 1-hour slot on `day`, or None when the day is full for this kind.
        Consecutive slots run through a resource's hours, then to the next resource (rotated by the day, so every
        resource gets its share of the bookings over time)."""
        key = (day, kind)
        taken = self.counter[key]
        if taken >= self.capacity[kind]:
            return None
        self.counter[key] = taken + 1
        count = len(self.res.venues) if kind == BookingKind.VENUE else self.cars
        resource = (taken // len(HOURS) + day.toordinal() * 37) % count
        return resource, HOURS[taken % len(HOURS)]

    def status_for(self, day: date, *, cancel: float = 0.05) -> str:
        r = self.rng.random()
        if day < self.today:
            return LogisticsStatus.CANCELLED if r < cancel else LogisticsStatus.DONE
        if r < cancel:
            return LogisticsStatus.CANCELLED
        return LogisticsStatus.REQUESTED if r < 0.5 else LogisticsStatus.CONFIRMED

    # ---- one plan
    def add_plan(
        self,
        visit: Visit,
        clients: list[int],
        *,
        bookings: float = 0.0,
        staff: bool = True,
        status: str | None = None,
        items: int | None = None,
    ) -> int:
        """The plan of an approved visit with its parts. `bookings`: the expected number (drawn around it)."""
        rng = self.rng
        dates = visit.dates
        first_day = dates[0]
        editor = visit.lead_id or visit.requester_id
        approved_at = visit.approved_at or visit.visit_start - timedelta(days=10)
        created = self._cap(approved_at + timedelta(hours=rng.randrange(1, 48)))
        if status is None:
            if first_day < self.today:
                status = PlanStatus.CONFIRMED if rng.random() < 0.97 else PlanStatus.DRAFT
            else:
                status = rng.choices(
                    [PlanStatus.DRAFT, PlanStatus.PENDING_REVIEW, PlanStatus.CONFIRMED, PlanStatus.RETURNED],
                    [55, 20, 20, 5],
                )[0]
        submitted = confirmed = None
        if status != PlanStatus.DRAFT:
            submitted = self._cap(created + timedelta(hours=rng.randrange(4, 5 * 24)))
        if status == PlanStatus.CONFIRMED:
            confirmed = self._cap(submitted + timedelta(hours=rng.randrange(2, 30)))
        plan_id = self._add(
            Plan,
            reception_id=visit.id,
            status=status,
            version=1,
            created_at=created,
            updated_at=confirmed or submitted or created,
            submitted_at=submitted,
            confirmed_at=confirmed,
        )
        plan = self.rows[Plan][-1]
        self._add(PlanHistory, plan_id=plan_id, at=created, actor_id=editor, action=PlanAction.CREATED)
        if submitted:
            self._add(PlanHistory, plan_id=plan_id, at=submitted, actor_id=editor, action=PlanAction.SUBMITTED)
        if confirmed:  # the plan reviews themselves (approval instances of the plan flow) are not seeded
            self._add(PlanHistory, plan_id=plan_id, at=confirmed, actor_id=None, action=PlanAction.CONFIRMED)
        if status == PlanStatus.RETURNED:
            at = self._cap(submitted + timedelta(hours=rng.randrange(2, 30)))
            self._add(PlanHistory, plan_id=plan_id, at=at, actor_id=None, action=PlanAction.RETURNED)

        # ---- itinerary (about six items: a day's programme, then the next day's)
        program = []
        for n, day in enumerate(dates):
            for entry in FIRST_DAY if n == 0 else OTHER_DAY:
                program.append((day, *entry))
        last_day = dates[-1]
        if len(dates) > 1:  # the farewell closes the last day
            farewell = next(p for p in program if p[1] == ItemKind.FAREWELL)
            program.remove(farewell)
            program.append((last_day, *farewell[1:]))
        count = items if items is not None else rng.choice([4, 5, 6, 6, 7, 8])
        if len(program) > count:
            keep = sorted(rng.sample(range(1, len(program) - 1), count - 2)) if count > 2 else []
            program = [program[0], *(program[i] for i in keep), program[-1]]
        item_ids = []
        meal_item = {}
        for day, kind, title, (h1, m1), (h2, m2), place in program:
            start, end = local_at(day, h1, m1), local_at(day, h2, m2)
            site_area = rng.choice(self.res.site_areas) if kind == ItemKind.SITE_VISIT and self.res.site_areas else None
            item_id = self._add(
                ItineraryItem,
                plan_id=plan_id,
                kind=kind,
                title=title,
                start=start,
                end=end,
                place=place,
                site_area_id=site_area,
                description="" if kind != ItemKind.MEETING else "双方介绍合作进展，讨论下一步计划。",
                internal_notes="",
            )
            item_ids.append((item_id, kind, day, start, end))
            if kind == ItemKind.MEAL:
                meal_item[day] = item_id
            if kind in (ItemKind.WELCOME, ItemKind.MEETING):
                for contact_id in clients:
                    self._add(ItemClients, itineraryitem_id=item_id, clientcontact_id=contact_id)

        # ---- staff (about three: the lead for the whole visit, a guide or an escort and a worker on items)
        changes = len(item_ids)
        if staff and self.staffing is not None:
            staffing = self.staffing
            lead = staffing.pick(
                [visit.lead_id, visit.requester_id], visit.department_id, lambda p: staffing.free_whole(p, dates)
            )
            staffing.take_whole(lead, dates)
            self._add(
                StaffAssignment,
                plan_id=plan_id,
                person_id=lead,
                role=StaffRole.LEAD,
                duty="全程负责接待安排",
                item_id=None,
                is_client_contact=True,
                span_start=visit.visit_start,
                span_end=visit.visit_end,
            )
            # The other duties are on items: at 100,000 requests some 80 visits run on a day for 200 people, and
            # a second whole-visit duty per visit would leave nobody free on the busiest days.
            duties = []
            welcome = next((i for i in item_ids if i[1] in (ItemKind.WELCOME, ItemKind.MEETING)), None)
            visit_item = next((i for i in item_ids if i[1] == ItemKind.SITE_VISIT), None)
            if visit_item and (rng.random() >= 0.35 or welcome is None):
                duties.append((StaffRole.GUIDE, "参观讲解", visit_item))
            elif welcome:
                duties.append((StaffRole.ESCORT, "陪同客户", welcome))
            meeting = next((i for i in reversed(item_ids) if i[1] == ItemKind.MEETING), None)
            if meeting:
                duties.append((StaffRole.WORKER, "会务保障", meeting))
            for role, duty, (item_id, _kind, day, start, end) in duties:
                hours = item_hours(start, end)
                person = staffing.pick(
                    [], visit.department_id, lambda p, day=day, hours=hours: staffing.free_item(p, day, hours)
                )
                staffing.take_item(person, day, hours)
                self._add(
                    StaffAssignment,
                    plan_id=plan_id,
                    person_id=person,
                    role=role,
                    duty=duty,
                    item_id=item_id,
                    is_client_contact=False,
                    span_start=start,
                    span_end=end,
                )
            changes += 1 + len(duties)

        # ---- bookings: rooms and cars with their drivers, one 1-hour slot each, on the visit's days
        count = int(bookings) + (1 if rng.random() < bookings - int(bookings) else 0)
        for j in range(count):
            kind = BookingKind.VENUE if rng.random() < VENUE_SHARE else BookingKind.VEHICLE
            found = None
            for k in range(len(dates)):
                day = dates[(j + k) % len(dates)]
                for try_kind in (kind, BookingKind.VEHICLE if kind == BookingKind.VENUE else BookingKind.VENUE):
                    slot = self.take_slot(day, try_kind)
                    if slot is not None:
                        found = (day, try_kind, *slot)
                        break
                if found:
                    break
            if found is None:
                self.dropped += 1
                continue
            day, kind, resource, hour = found
            self.add_booking(plan_id, visit, editor, created, day, kind, resource, hour)
        changes += count

        # ---- meals (a lunch a day) and hotel rooms (multi-day visits, and some one-day visits stay a night)
        for day in dates:
            restaurant = rng.choice(self.res.restaurants) if self.res.restaurants and rng.random() < 0.4 else None
            self._add(
                Meal,
                plan_id=plan_id,
                status=self.status_for(day, cancel=0.02),
                created_by_id=editor,
                created_at=created,
                updated_at=created,
                item_id=meal_item.get(day),
                restaurant_id=restaurant,
                place="" if restaurant else "员工餐厅贵宾间",
                start=local_at(day, 12),
                standard_per_head=rng.choice(MEAL_STANDARDS),
                headcount=visit.visitor_count + 2,
            )
        if self.res.hotels and (len(dates) > 1 or rng.random() < 0.25):
            check_out = last_day if len(dates) > 1 else last_day + timedelta(days=1)
            self._add(
                HotelStay,
                plan_id=plan_id,
                status=self.status_for(first_day, cancel=0.03),
                created_by_id=editor,
                created_at=created,
                updated_at=created,
                hotel_id=rng.choice(self.res.hotels),
                check_in=first_day,
                check_out=check_out,
                rooms=max(1, math.ceil(visit.visitor_count / 2)),
                room_type=rng.choice(ROOM_TYPES),
                guests="",
            )
        plan["version"] = 1 + changes
        return plan_id

    def add_booking(self, plan_id, visit, editor, created, day, kind, resource, hour) -> int:
        rng = self.rng
        start = local_at(day, hour)
        status = self.status_for(day, cancel=0.07 if day < self.today else 0.05)
        fields = dict(
            plan_id=plan_id,
            status=status,
            created_by_id=editor,
            created_at=self._cap(created + timedelta(hours=rng.randrange(1, 72))),
            kind=kind,
            start=start,
            end=start + timedelta(hours=1),
            headcount=visit.visitor_count,
        )
        fields["updated_at"] = fields["created_at"]
        if kind == BookingKind.VENUE:
            fields["venue_id"] = self.res.venues[resource]
        else:
            fields["vehicle_id"] = self.res.vehicles[resource]
            fields["driver_id"] = self.res.drivers[resource]
        booking_id = self._add(Booking, **fields)
        if kind == BookingKind.VENUE and day >= self.today - timedelta(days=SETUP_DAYS):
            done = {LogisticsStatus.DONE: len(SETUP_CHECKLIST_DEFAULT), LogisticsStatus.CONFIRMED: rng.randrange(0, 4)}
            ticked = done.get(status, 0)
            for position, label in enumerate(SETUP_CHECKLIST_DEFAULT):
                done_at = self._cap(start - timedelta(minutes=30 + 10 * position)) if position < ticked else None
                self._add(
                    SetupTask,
                    booking_id=booking_id,
                    label=label,
                    position=position,
                    done_at=done_at,
                    done_by_id=self.logistics_id if done_at else None,
                )
        return booking_id

    def flush(self) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            for model, rows in self.rows.items():
                if rows:
                    insert_rows(cursor, model, rows)
        self.reset()


def clients_of(visit_ids: list[int]) -> dict[int, list[int]]:
    found = defaultdict(list)
    if not visit_ids:
        return found
    rows = ReceptionClient.objects.filter(reception_id__gte=visit_ids[0], reception_id__lte=visit_ids[-1])
    wanted = set(visit_ids)
    for reception_id, contact_id in rows.order_by("reception_id", "position", "id").values_list(
        "reception_id", "contact_id"
    ):
        if reception_id in wanted:
            found[reception_id].append(contact_id)
    return found


def seed_plans(total_requests: int, rng: random.Random) -> dict:
    """Master data, then a plan with its parts for every approved request; returns what was written."""
    started = time.monotonic()
    now = timezone.now()
    today = now.astimezone(LOCAL_TZ).date()
    resources = ensure_resources(rng)
    writer = PlanWriter(rng, resources, today=today, now=now)
    writer.staffing = Staffing(rng)
    visits = approved_visits(Reception.objects.all())
    visit_days = sum(len(v.dates) for v in visits)
    per_day = BOOKINGS_PER_REQUEST * total_requests / max(visit_days, 1)
    log(
        f"  planning: {len(visits):,} approved visits over {visit_days:,} visit days, {per_day:.1f} bookings a visit"
        f" day; capacity {writer.capacity[BookingKind.VENUE]:,} room and {writer.capacity[BookingKind.VEHICLE]:,}"
        " car slots a day"
    )
    for start in range(0, len(visits), PLANS_PER_FLUSH):
        chunk = visits[start : start + PLANS_PER_FLUSH]
        clients = clients_of([v.id for v in chunk])
        for visit in chunk:
            writer.add_plan(visit, clients.get(visit.id, []), bookings=per_day * len(visit.dates))
        writer.flush()
        done = start + len(chunk)
        elapsed = time.monotonic() - started
        log(f"  planned {done:,}/{len(visits):,} visits ({elapsed:.1f} s)")
    by_day = defaultdict(int)
    for (day, _kind), taken in writer.counter.items():
        by_day[day] += taken
    busiest = max(by_day.items(), key=lambda kv: kv[1], default=(None, 0))
    full = sum(1 for (_d, kind), taken in writer.counter.items() if taken >= writer.capacity[kind])
    result = {
        "seconds": round(time.monotonic() - started, 1),
        "plans": len(visits),
        "bookings_per_visit_day": round(per_day, 2),
        "busiest_day": {"date": str(busiest[0]), "bookings": busiest[1]},
        "full_day_kinds": full,
        "dropped_bookings": writer.dropped,
        "staff_conflicts": writer.staffing.conflicts,
        "today": today.isoformat(),
    }
    log(f"  planning done: {result}")
    return result


# ---------------------------------------------------------------------------------------------------- book pool


def add_book_pool(jobs: int, planners: list[User], *, per_plan: int = 4) -> dict[str, list[list[list]]]:
    """Approved one-day visits requested by `planners` (who then edit their plans), on days after every seeded
    visit, each with a draft plan and `per_plan` free slots: rooms, or cars with their drivers, one hour each.
    Returns, per planner's username, groups (one per visit) of [reception id, booking body]: every POST books a
    different free slot, so none should clash."""
    from bench.seed import Builder, reset_sequences

    rng = random.Random(jobs)
    tune_connection()
    now = timezone.now()
    today = now.astimezone(LOCAL_TZ).date()
    resources = ensure_resources(rng)
    last_visit = Reception.objects.aggregate(m=Max("visit_end"))["m"]
    first_day = max(today + timedelta(days=60), (last_visit.astimezone(LOCAL_TZ).date() if last_visit else today))
    first_day += timedelta(days=1)
    cars = min(len(resources.vehicles), len(resources.drivers))
    taken = set()  # (kind, resource index, day, hour) already held (a pool made twice on one copy)
    index = {
        BookingKind.VENUE: {pk: i for i, pk in enumerate(resources.venues)},
        BookingKind.VEHICLE: {pk: i for i, pk in enumerate(resources.vehicles[:cars])},
        "driver": {pk: i for i, pk in enumerate(resources.drivers[:cars])},
    }
    existing = Booking.objects.filter(start__gte=local_at(first_day, 0)).exclude(status=LogisticsStatus.CANCELLED)
    for venue, vehicle, driver, start in existing.values_list("venue", "vehicle", "driver", "start"):
        start = start.astimezone(LOCAL_TZ)
        for key, pk in ((BookingKind.VENUE, venue), (BookingKind.VEHICLE, vehicle), ("driver", driver)):
            if pk in index[key]:
                resource_kind = BookingKind.VENUE if key == BookingKind.VENUE else BookingKind.VEHICLE
                taken.add((resource_kind, index[key][pk], start.date(), start.hour))

    builder = Builder(rng)
    groups = []  # (planner, day, [slots])
    day = first_day
    while len(groups) * per_plan < jobs:
        slots = [
            (kind, resource, hour)
            for kind, count in ((BookingKind.VENUE, len(resources.venues)), (BookingKind.VEHICLE, cars))
            for resource in range(count)
            for hour in HOURS
            if (kind, resource, day, hour) not in taken
        ]
        rng.shuffle(slots)
        for start in range(0, len(slots) - per_plan + 1, per_plan):
            groups.append((planners[len(groups) % len(planners)], day, slots[start : start + per_plan]))
            if len(groups) * per_plan >= jobs:
                break
        day += timedelta(days=1)
    first_reception = builder.ids[Reception]
    for n, (planner, visit_day, _slots) in enumerate(groups):
        builder.add_request(
            created=now - timedelta(days=20, seconds=len(groups) - n),
            status=ReceptionStatus.APPROVED,
            requester=planner,
            visit_day=visit_day,
            visit_days=1,
        )
        if len(builder.rows[Reception]) >= BATCH:
            builder.flush()
    builder.flush()
    visits = approved_visits(Reception.objects.filter(id__gte=first_reception))
    if len(visits) != len(groups):
        raise RuntimeError(f"book pool: {len(visits)} approved visits for {len(groups)} groups")
    writer = PlanWriter(rng, resources, today=today, now=now)
    clients = clients_of([v.id for v in visits])
    pool: dict[str, list[list[list]]] = {p.username: [] for p in planners}
    for visit, (planner, visit_day, slots) in zip(visits, groups, strict=True):
        if visit.requester_id != planner.pk or visit.dates != [visit_day]:
            raise RuntimeError(f"book pool: reception {visit.id} is not {planner.username}'s visit on {visit_day}")
        writer.add_plan(visit, clients.get(visit.id, []), staff=False, status=PlanStatus.DRAFT, items=4)
        group = []
        for kind, resource, hour in slots:
            start = local_at(visit_day, hour)
            body = {"kind": kind, "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}
            if kind == BookingKind.VENUE:
                body["venue"] = resources.venues[resource]
            else:
                body["vehicle"] = resources.vehicles[resource]
                body["driver"] = resources.drivers[resource]
            group.append([visit.id, body])
        pool[planner.username].append(group)
        if len(writer.rows[Plan]) >= PLANS_PER_FLUSH:
            writer.flush()
    writer.flush()
    reset_sequences()
    return pool
