"""Demo plans in every state (draft, under review, confirmed, overdue), built through the services so their
histories and checks are real, plus the master data administration keeps and two visits competing for the same
room. Idempotent: runs only when no venue exists yet."""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from jiedai.planning.emergency_seeds import ensure_emergency_templates
from jiedai.planning.models import Driver, EmergencyTemplate, Hotel, Restaurant, SiteArea, Vehicle, Venue
from jiedai.planning.review import plan_submit
from jiedai.planning.services.bookings import BookingClash, booking_create, booking_set_status, setup_task_toggle
from jiedai.planning.services.coordination import (
    communication_create,
    meeting_create,
    need_create,
    task_create,
    task_set_status,
)
from jiedai.planning.services.deadlines import plans_flag_overdue
from jiedai.planning.services.emergency import plan_emergency_attach
from jiedai.planning.services.itinerary import item_create, staff_assign
from jiedai.planning.services.links import link_create
from jiedai.planning.services.meals_hotels import hotel_create, meal_create
from jiedai.planning.services.plan import plan_ensure
from jiedai.receptions.demo import decide_as, local_at, visit_data
from jiedai.receptions.models import LOCAL_TZ, Reception, ReceptionStatus
from jiedai.receptions.services import reception_create, reception_submit

VENUES = [
    ("一号会议室", "meeting_room", "行政楼 3 楼", 20, "投影仪、视频会议、音响"),
    ("二号会议室", "meeting_room", "行政楼 3 楼", 12, "大屏电视、白板"),
    ("贵宾洽谈室", "negotiation_room", "行政楼 5 楼", 6, "茶台、电视"),
    ("产品展厅", "showroom", "研发中心 1 楼", 40, "讲解音响、样机展台"),
]
VEHICLES = [("别克 GL8 商务车", "沪A·D1234", 6), ("丰田考斯特中巴", "沪A·B5678", 19), ("奥迪 A6L", "沪A·C9012", 3)]
DRIVERS = [("王建国", "13916000001"), ("李卫东", "13916000002"), ("陈志明", "13916000003")]
HOTELS = [("锦江国际大酒店", "延安东路 100 号", "021-63210000"), ("全季酒店（园区店）", "科苑路 88 号", "021-58880000")]
RESTAURANTS = [("员工餐厅贵宾厅", "综合楼 2 楼", "021-50001234"), ("老正兴本帮菜馆", "福州路 556 号", "021-63222624")]
SITE_AREAS = [
    ("总装车间", "参观通道全程有护栏，需佩戴安全帽", False),
    ("研发中心实验室", "核心工艺与在研样机，参观须专人陪同并事先告知客户", True),
    ("质检中心", "可参观来料检验与出厂检测流程", False),
]


def ensure_master_data() -> None:
    for name, kind, location, capacity, equipment in VENUES:
        Venue.objects.get_or_create(
            name=name, defaults={"kind": kind, "location": location, "capacity": capacity, "equipment": equipment}
        )
    for name, plate, seats in VEHICLES:
        Vehicle.objects.get_or_create(plate=plate, defaults={"name": name, "seats": seats})
    for name, phone in DRIVERS:
        Driver.objects.get_or_create(name=name, defaults={"phone": phone})
    for name, address, phone in HOTELS:
        Hotel.objects.get_or_create(name=name, defaults={"address": address, "phone": phone})
    for name, address, phone in RESTAURANTS:
        Restaurant.objects.get_or_create(name=name, defaults={"address": address, "phone": phone})
    for name, description, sensitive in SITE_AREAS:
        SiteArea.objects.get_or_create(name=name, defaults={"description": description, "sensitive": sensitive})
    ensure_emergency_templates()


def _approved(people, data, chain=("sales_head", "vp_sales")) -> Reception:
    rep = people["sales_rep"]
    reception = reception_submit(reception_id=reception_create(by=rep, data=data).pk, by=rep)
    for username in chain:
        decide_as(people, reception, username, comment="同意")
    reception.refresh_from_db()
    return reception


def _item(people, reception, kind, title, day, start, end, place="", **extra):
    data = {
        "kind": kind,
        "title": title,
        "start": local_at(day, *start),
        "end": local_at(day, *end),
        "place": place,
        **extra,
    }
    return item_create(reception_id=reception.pk, by=people["sales_rep"], data=data)


def build_full_plan(people, reception, day: int):
    """A complete plan: itinerary, staff, bookings, meals, hotel, coordination, emergency plans, a client link."""
    by = people["sales_rep"]
    rid = reception.pk
    clients = [link.contact for link in reception.client_links.select_related("contact")]
    room, lab = Venue.objects.get(name="一号会议室"), SiteArea.objects.get(name="研发中心实验室")
    pickup = _item(
        people, reception, "transfer", "浦东机场接机", day, (9, 0), (9, 50), "浦东国际机场 T2", clients=clients
    )
    _item(
        people,
        reception,
        "welcome",
        "欢迎会及公司介绍",
        day,
        (10, 0),
        (11, 0),
        "一号会议室",
        description="总经理致欢迎辞",
    )
    talks = _item(
        people,
        reception,
        "meeting",
        "年度框架协议洽谈",
        day,
        (11, 0),
        (12, 0),
        "一号会议室",
        internal_notes="价格底线见销售部内部资料，勿外传",
    )
    lunch = _item(people, reception, "meal", "欢迎午宴", day, (12, 0), (13, 30), "员工餐厅贵宾厅")
    tour = _item(
        people,
        reception,
        "site_visit",
        "研发中心参观",
        day,
        (14, 0),
        (15, 30),
        "研发中心",
        site_area=lab,
        description="参观新品实验线，请勿拍照",
    )
    _item(people, reception, "lodging", "入住酒店", day, (16, 0), (16, 30), "锦江国际大酒店")
    _item(people, reception, "farewell", "送机", day + 2, (15, 30), (17, 0), "浦东国际机场 T2")
    staff = [
        (people["sales_rep"], "lead", "全程负责、客户联络", None, True),
        (people["sales_head"], "escort", "全程陪同", None, True),
        (people["tech_eng"], "guide", "研发中心讲解", tour, False),
        (people["tech_head"], "escort", "参观陪同", tour, False),
    ]
    for person, role, duty, item, contact in staff:
        data = {"person": person, "role": role, "duty": duty, "item": item, "is_client_contact": contact}
        staff_assign(reception_id=rid, by=by, data=data)
    held = booking_create(
        reception_id=rid,
        by=by,
        data={
            "kind": "venue",
            "venue": room,
            "start": local_at(day, 9, 30),
            "end": local_at(day, 12, 0),
            "item": talks,
            "notes": "会标：热烈欢迎 Rheinland Automation 一行",
        },
    )
    car = {
        "kind": "vehicle",
        "vehicle": Vehicle.objects.get(plate="沪A·D1234"),
        "driver": Driver.objects.get(name="王建国"),
    }
    booking_create(
        reception_id=rid, by=by, data={**car, "start": local_at(day, 9, 0), "end": local_at(day, 10, 0), "item": pickup}
    )
    booking_set_status(reception_id=rid, booking_id=held.pk, by=people["admin_clerk"], status="confirmed")
    for task in held.setup_tasks.all()[:3]:
        setup_task_toggle(reception_id=rid, task_id=task.pk, by=people["admin_clerk"], done=True)
    meal_create(
        reception_id=rid,
        by=by,
        data={
            "item": lunch,
            "restaurant": Restaurant.objects.get(name="员工餐厅贵宾厅"),
            "start": local_at(day, 12, 0),
            "standard_per_head": Decimal("180.00"),
            "headcount": 8,
            "notes": "清淡口味",
        },
    )
    check_in = local_at(day, 16).date()
    hotel_create(
        reception_id=rid,
        by=by,
        data={
            "hotel": Hotel.objects.get(name="锦江国际大酒店"),
            "check_in": check_in,
            "check_out": check_in + timedelta(days=2),
            "rooms": 2,
            "room_type": "行政大床房",
            "guests": "、".join(c.name for c in clients),
        },
    )
    need_create(
        reception_id=rid,
        by=by,
        data={"kind": "diet", "contact": clients[0], "description": "素食，不吃蛋类", "items": [lunch]},
    )
    communication_create(
        reception_id=rid,
        by=by,
        data={
            "at": timezone.now() - timedelta(days=2),
            "channel": "email",
            "staff": by,
            "contact": clients[0],
            "content": "确认到达航班及参观人数",
            "agreed": "航班 LH728 08:05 抵达，共 3 人，需素食午餐",
            "items": [pickup],
        },
    )
    meeting = meeting_create(
        reception_id=rid,
        by=by,
        data={
            "start": timezone.now() - timedelta(days=1),
            "place": "二号会议室",
            "attendees": [people["sales_head"], people["tech_head"], people["admin_clerk"]],
            "minutes": "明确各部门分工：技术部负责实验室讲解与样机准备，行政部负责会场与车辆。",
        },
    )
    task_create(
        reception_id=rid,
        by=by,
        data={
            "title": "准备实验室讲解样机与讲解词",
            "department": people["tech_head"].department,
            "assignee": people["tech_eng"],
            "due_date": local_at(day - 2, 9).date(),
            "meeting": meeting,
        },
    )
    done = task_create(
        reception_id=rid,
        by=by,
        data={
            "title": "制作欢迎会会标与桌牌",
            "department": people["admin_clerk"].department,
            "assignee": people["admin_clerk"],
            "due_date": local_at(day - 1, 9).date(),
            "meeting": meeting,
        },
    )
    task_set_status(reception_id=rid, task_id=done.pk, by=people["admin_clerk"], status="done")
    for template in EmergencyTemplate.objects.filter(
        scenario__in=["itinerary_change", "bad_weather", "health_incident"]
    ):
        plan_emergency_attach(reception_id=rid, by=by, data={"template": template, "with_contacts": True})
    link_create(reception_id=rid, by=by)
    return held


MASTER_DATA = (Venue, Vehicle, Driver, Hotel, Restaurant, SiteArea)


def ensure_logistics_staff(people) -> None:
    """policy 3.2.3: administration keeps the master data (rooms, cars, drivers, hotels, restaurants, site areas)
    in the admin site: the demo's administration clerk gets a staff login and a group with exactly those rights."""
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    group, _created = Group.objects.get_or_create(name="行政部·接待后勤")
    types = ContentType.objects.get_for_models(*MASTER_DATA).values()
    group.permissions.set(Permission.objects.filter(content_type__in=types))
    clerk = people["admin_clerk"]
    if not clerk.is_staff:
        clerk.is_staff = True
        clerk.save(update_fields=["is_staff"])
    clerk.groups.add(group)


@transaction.atomic
def ensure_demo(people) -> int:
    ensure_logistics_staff(people)
    if Venue.objects.exists():
        return 0
    ensure_master_data()
    rep = people["sales_rep"]
    approved = Reception.objects.filter(requester=rep, status=ReceptionStatus.APPROVED)
    # Confirmed: the important visit, reviewed by the host head, tech's head (coordinating) and the leader.
    important = approved.filter(importance="important").order_by("visit_start").first()
    day = (important.visit_start.astimezone(LOCAL_TZ).date() - timezone.now().astimezone(LOCAL_TZ).date()).days
    held = build_full_plan(people, important, day)
    plan_submit(reception_id=important.pk, by=rep)
    for username in ("sales_head", "tech_head", "vp_sales"):
        _decide_plan(people, important, username)
    # Under review: the normal visit, waiting for the host head.
    normal = approved.filter(importance="normal").order_by("visit_start").first()
    nday = (normal.visit_start.astimezone(LOCAL_TZ).date() - timezone.now().astimezone(LOCAL_TZ).date()).days
    _item(people, normal, "meeting", "回访座谈会", nday, (9, 30), (11, 30), "贵宾洽谈室")
    _item(people, normal, "meal", "工作午餐", nday, (12, 0), (13, 0), "员工餐厅贵宾厅")
    staff_assign(
        reception_id=normal.pk,
        by=rep,
        data={"person": rep, "role": "lead", "duty": "座谈主持", "is_client_contact": True},
    )
    weather = EmergencyTemplate.objects.get(scenario="bad_weather")
    plan_emergency_attach(reception_id=normal.pk, by=rep, data={"template": weather, "with_contacts": True})
    plan_submit(reception_id=normal.pk, by=rep)
    # Competing for the same room: a second visit the same morning wants 一号会议室, is refused, takes the offer.
    rival = _approved(people, visit_data("深圳智联新品技术交流", day, clients=(3,)))
    _item(people, rival, "meeting", "新品技术交流", day, (10, 0), (11, 30), "会议室待定")
    wanted = {"kind": "venue", "venue": held.venue, "start": local_at(day, 10, 0), "end": local_at(day, 11, 30)}
    try:
        booking_create(reception_id=rival.pk, by=rep, data=wanted)
    except BookingClash as clash:
        booking_create(
            reception_id=rival.pk,
            by=rep,
            data={
                **wanted,
                "venue": clash.alternatives.venues[0],
                "notes": f"一号会议室已被 {important.number} 占用，改订",
            },
        )
    # Overdue: a visit in two days whose plan was never submitted (its due date has passed).
    late = _approved(people, visit_data("华东精密紧急质量复核", 2, clients=(0,), cost="2000.00"))
    plan_ensure(late, by=rep)
    plans_flag_overdue()
    return 4


def _decide_plan(people, reception, username):
    from jiedai.approvals.models import ApprovalTask, TaskStatus
    from jiedai.approvals.services import approval_task_decide

    task = ApprovalTask.objects.get(
        document_type="reception_plan",
        document_id=reception.plan.pk,
        status=TaskStatus.PENDING,
        assignee=people[username],
    )
    approval_task_decide(task_id=task.pk, by=people[username], decision="approve", comment="方案可行，同意")
