"""policy 3.1.1–3.3.1: the whole plan on paper for the reception folder — the request, the itinerary by day, the
staffing, the material (confidential entries only for those cleared), bookings, meals and hotels, the coordination
tasks, the emergency plans adapted for this visit and the review record; a fixed number of queries."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiedai.approvals.models import ApprovalTask, TaskStatus
from jiedai.approvals.services import approval_task_decide
from jiedai.planning.emergency_seeds import ensure_emergency_templates
from jiedai.planning.models import EmergencyTemplate, Hotel, StaffRole, Venue
from jiedai.planning.review import plan_submit
from jiedai.planning.services.bookings import booking_create
from jiedai.planning.services.coordination import meeting_create, need_create, task_create
from jiedai.planning.services.emergency import plan_emergency_attach, plan_emergency_update
from jiedai.planning.services.itinerary import item_create, staff_assign
from jiedai.planning.services.materials import material_upload
from jiedai.planning.services.meals_hotels import hotel_create, meal_create
from jiedai.planning.tests.factories import plan_for
from jiedai.receptions.models import LOCAL_TZ

pytestmark = pytest.mark.django_db

INTERNAL_NOTE = "客户对价格敏感，勿主动提折扣"
SECRET = "核心工艺参数表"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _material(people, plan, title, confidentiality, cleared=()):
    return material_upload(
        reception_id=plan.reception_id,
        by=people["sales_rep"],
        data={"title": title, "kind": "product", "confidentiality": confidentiality, "cleared": list(cleared)},
        file=SimpleUploadedFile("file.pdf", b"%PDF-1.7\n%%EOF\n"),
    )


def _item(people, plan, title, hours, **extra):
    start = plan.reception.visit_start + timedelta(hours=hours)
    data = {"kind": "meeting", "title": title, "start": start, "end": start + timedelta(hours=1), **extra}
    return item_create(reception_id=plan.reception_id, by=people["sales_rep"], data=data)


def _staff(people, plan, person, role, **extra):
    data = {"person": people[person], "role": role, **extra}
    return staff_assign(reception_id=plan.reception_id, by=people["sales_rep"], data=data)


def full_plan(people):
    plan = plan_for(people)
    rep, rid = people["sales_rep"], plan.reception_id
    welcome = _item(people, plan, "欢迎会", 0, kind="welcome", place="一号会议室", internal_notes=INTERNAL_NOTE)
    _item(people, plan, "参观生产线", 24, kind="site_visit", place="二号厂房")
    _staff(people, plan, "sales_rep", StaffRole.LEAD, duty="全程负责", is_client_contact=True)
    _staff(people, plan, "admin_clerk", StaffRole.WORKER, item=welcome)
    _material(people, plan, "公司简介", "public")
    _material(people, plan, SECRET, "confidential", cleared=[people["fin_clerk"]])
    start = plan.reception.visit_start
    venue = Venue.objects.create(name="一号会议室", capacity=20)  # master data (administration keeps it)
    booking = {"kind": "venue", "venue": venue, "start": start, "end": start + timedelta(hours=1), "item": welcome}
    booking_create(reception_id=rid, by=rep, data=booking)
    meal = {"start": start + timedelta(hours=3), "place": "员工餐厅包间", "standard_per_head": Decimal("388.00")}
    meal_create(reception_id=rid, by=rep, data={**meal, "headcount": 5})
    first_day = start.astimezone(LOCAL_TZ).date()
    hotel = Hotel.objects.create(name="滨江酒店", phone="021-5555")
    stay = {"hotel": hotel, "check_in": first_day, "check_out": first_day + timedelta(days=1), "rooms": 3}
    hotel_create(reception_id=rid, by=rep, data=stay)
    need_create(reception_id=rid, by=rep, data={"kind": "diet", "description": "一位客人清真饮食"})
    meeting = {"start": start - timedelta(days=3), "place": "三楼", "attendees": [rep, people["admin_clerk"]]}
    meeting_create(reception_id=rid, by=rep, data=meeting)
    task = {"title": "准备欢迎屏", "department": people["admin_clerk"].department, "due_date": first_day}
    task_create(reception_id=rid, by=rep, data=task)
    ensure_emergency_templates()  # transactional tests flush what the data migration seeded
    template = EmergencyTemplate.objects.order_by("id").first()
    emergency = plan_emergency_attach(reception_id=rid, by=rep, data={"template": template})
    adapted = {"procedure": "改为展厅参观", "responsibilities": "王小明负责", "contacts": "王小明 13912345678"}
    plan_emergency_update(reception_id=rid, emergency_id=emergency.pk, by=rep, data=adapted)
    return plan


def print_url(plan):
    return reverse("planning:print", args=[plan.reception_id])


def test_the_editor_prints_the_whole_plan_with_its_review(client, people):
    plan = full_plan(people)
    plan_submit(reception_id=plan.reception_id, by=people["sales_rep"])
    task = ApprovalTask.objects.get(document_type="reception_plan", document_id=plan.pk, status=TaskStatus.PENDING)
    approval_task_decide(task_id=task.pk, by=people["sales_head"], decision="approve", comment="同意")
    client.force_login(people["sales_rep"])
    response = client.get(print_url(plan))
    assert response.status_code == 200
    html = response.content.decode()
    for expected in (
        "客户接待方案",
        "华东精密机械有限公司",  # the request's summary
        "考察生产线并洽谈年度采购",
        "第 1 天",  # the itinerary by day
        "第 2 天",
        "欢迎会",
        "二号厂房",
        INTERNAL_NOTE,  # internal: the folder is ours
        "全程负责",  # staffing
        people["admin_clerk"].display_name,
        "公司简介",  # material, confidential included for the editor
        SECRET,
        "一号会议室",  # bookings with their setup checklist
        "桌椅摆放",
        "员工餐厅包间",  # meals, with their cost
        "388.00",
        "滨江酒店",  # hotels
        "一位客人清真饮食",  # the client's needs
        "准备欢迎屏",  # coordination tasks
        "三楼",
        "改为展厅参观",  # the emergency plan as adapted for this visit
        people["sales_head"].display_name,  # the review record
        "同意",
        "planning/print.css",
        "data-print",
    ):
        assert expected in html, expected
    template = EmergencyTemplate.objects.order_by("id").first()
    assert template.name in html and template.procedure not in html  # this visit's text, not the template's


def test_confidential_material_is_printed_only_for_those_cleared(client, people):
    plan = full_plan(people)
    client.force_login(people["sales_head"])  # reads the plan, not cleared
    html = client.get(print_url(plan)).content.decode()
    assert "公司简介" in html and SECRET not in html
    client.force_login(people["fin_clerk"])  # cleared
    assert SECRET in client.get(print_url(plan)).content.decode()


def test_print_access(client, people):
    plan = plan_for(people)
    assert client.get(print_url(plan)).status_code == 302  # login first
    client.force_login(people["tech_eng"])
    assert client.get(print_url(plan)).status_code == 404  # an outsider
    client.force_login(people["admin_clerk"])
    assert client.get(print_url(plan)).status_code == 200  # administration was copied on the request


def _queries(client, plan):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(print_url(plan)).status_code == 200
    return len(captured)


def test_print_query_count_does_not_grow_with_the_plan(client, people):
    plan = full_plan(people)
    client.force_login(people["sales_rep"])
    one = _queries(client, plan)
    for i in range(10):
        item = _item(people, plan, f"会谈{i}", 2 + i)
        _staff(people, plan, "sales_head", StaffRole.ESCORT, item=item)
        _material(people, plan, f"资料{i}", "confidential", cleared=[people["fin_clerk"]])
        task = {
            "title": f"任务{i}",
            "assignee": people["admin_clerk"],
            "due_date": item.start.astimezone(LOCAL_TZ).date(),
        }
        task_create(reception_id=plan.reception_id, by=people["sales_rep"], data=task)
    assert _queries(client, plan) == one
