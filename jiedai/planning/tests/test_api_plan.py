"""The reception plan over /api/v1/receptions/{id}/plan (policy 3.1–3.2): reading the whole plan (confidential
material only for who may see it, a fixed number of queries), writing its summary, items, staff, bookings and
tasks through the services, submitting it for review; outsiders 404, readers 403 on writes, anonymous 401, a
booking clash 409 with the holder and the alternatives, bad input 422 — and nothing changes on any error."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jiedai.approvals.models import ApprovalTask
from jiedai.approvals.services import approval_task_decide
from jiedai.org.models import ApiToken, Department, User
from jiedai.planning.emergency_seeds import ensure_emergency_templates
from jiedai.planning.models import (
    SETUP_CHECKLIST_DEFAULT,
    Booking,
    Driver,
    EmergencyTemplate,
    Hotel,
    ItineraryItem,
    Plan,
    PlanAction,
    PlanHistory,
    PrepTask,
    Restaurant,
    SetupTask,
    SiteArea,
    StaffAssignment,
    Vehicle,
    Venue,
)
from jiedai.planning.review import plan_submit
from jiedai.planning.services.bookings import booking_create
from jiedai.planning.services.coordination import task_create
from jiedai.planning.services.emergency import plan_emergency_attach
from jiedai.planning.services.itinerary import item_create, staff_assign
from jiedai.planning.services.materials import material_upload
from jiedai.planning.services.meals_hotels import hotel_create, meal_create
from jiedai.planning.tests.factories import approved_reception, plan_for, ready_plan
from jiedai.receptions.models import LOCAL_TZ

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def client_for(user) -> Client:
    return Client(headers={"Authorization": f"Bearer {ApiToken.issue(user)}"})


def url(reception, tail: str = "") -> str:
    return f"/api/v1/receptions/{reception.pk}/plan{tail}"


def send(client, method: str, path: str, body=None):
    if method in ("get", "delete"):
        return getattr(client, method)(path)
    return getattr(client, method)(path, body if body is not None else {}, content_type="application/json")


def is_error(response, status: int) -> bool:
    body = response.json()
    shape = set(body) == {"detail", "errors"} and isinstance(body["detail"], str) and isinstance(body["errors"], dict)
    return shape and response.status_code == status


def iso(value) -> str:
    return value.astimezone(LOCAL_TZ).isoformat()


def _state(reception) -> dict:
    """Everything a write could change: compared before and after a refused request."""
    plan = Plan.objects.filter(reception=reception).first()
    return {
        "plan": (plan.status, plan.version, plan.summary, plan.submitted_at) if plan else None,
        "history": PlanHistory.objects.count(),
        "items": list(ItineraryItem.objects.order_by("id").values_list("id", "title", "start", "end")),
        "staff": list(StaffAssignment.objects.order_by("id").values_list("id", "person_id", "role", "item_id")),
        "bookings": list(Booking.objects.order_by("id").values_list("id", "status", "start", "end", "headcount")),
        "setup": SetupTask.objects.count(),
        "tasks": list(PrepTask.objects.order_by("id").values_list("id", "title", "status", "due_date")),
    }


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def reception(people):
    """sales_rep's approved request (requester: the plan's editor); sales_head, vp_sales, finance and
    administration read it (approvers and copied)."""
    return approved_reception(people)


@pytest.fixture
def rep(people):
    return client_for(people["sales_rep"])


@pytest.fixture
def head(people):
    return client_for(people["sales_head"])


@pytest.fixture
def outsider(people):
    """Someone from another department with no link to sales' visits."""
    qa = Department.objects.create(code="qa", name="质量部")
    return User.objects.create_user(username="qa_eng", password="unused-pass-98765", department=qa)


@pytest.fixture
def resources(db):
    return {
        "big": Venue.objects.create(name="一号会议室", capacity=20),
        "small": Venue.objects.create(name="小洽谈室", capacity=4),
        "van": Vehicle.objects.create(name="商务车", plate="沪A12345", seats=6),
        "wang": Driver.objects.create(name="王师傅", phone="13900000001"),
        "hall": SiteArea.objects.create(name="总装车间"),
        "hotel": Hotel.objects.create(name="锦江宾馆"),
        "restaurant": Restaurant.objects.create(name="职工食堂"),
    }


def _item_body(reception, hours=(1, 2), **extra) -> dict:
    start = reception.visit_start
    return {
        "kind": "meeting",
        "title": "产品介绍会",
        "start": iso(start + timedelta(hours=hours[0])),
        "end": iso(start + timedelta(hours=hours[1])),
        **extra,
    }


def _venue_body(reception, venue, hours=(1, 3)) -> dict:
    start = reception.visit_start
    return {
        "kind": "venue",
        "venue": venue.pk,
        "start": iso(start + timedelta(hours=hours[0])),
        "end": iso(start + timedelta(hours=hours[1])),
    }


def _ready(people, reception):
    """What a plan needs to be submitted (an item, a lead, an emergency plan), through the services."""
    return ready_plan(people, reception)


def _fill(people, reception, resources, n: int) -> None:
    """n of every part of a plan, through the services."""
    by = people["sales_rep"]
    rid = reception.pk
    start = reception.visit_start
    contact = reception.client_links.first().contact
    ensure_emergency_templates()
    templates = list(EmergencyTemplate.objects.filter(is_active=True).order_by("id"))
    for i in range(n):
        slot = start + timedelta(hours=2 * i)
        item = item_create(
            reception_id=rid,
            by=by,
            data={
                "kind": "site_visit",
                "title": f"参观 {i}",
                "start": slot,
                "end": slot + timedelta(hours=1),
                "site_area": resources["hall"],
                "clients": [contact],
            },
        )
        staff_assign(reception_id=rid, by=by, data={"person": people["tech_eng"], "role": "guide", "item": item})
        venue = Venue.objects.create(name=f"会议室 {n}-{i}", capacity=10)
        booking_create(
            reception_id=rid,
            by=by,
            data={"kind": "venue", "venue": venue, "item": item, "start": slot, "end": slot + timedelta(hours=1)},
        )
        van = Vehicle.objects.create(name=f"车 {n}-{i}", plate=f"沪B{n}{i:04d}", seats=2)
        driver = Driver.objects.create(name=f"司机 {n}-{i}")
        booking_create(
            reception_id=rid,
            by=by,
            data={"kind": "vehicle", "vehicle": van, "driver": driver, "start": slot, "end": slot + timedelta(hours=1)},
        )
        meal_create(
            reception_id=rid,
            by=by,
            data={"restaurant": resources["restaurant"], "start": slot, "standard_per_head": "120", "headcount": 4},
        )
        first_day = start.astimezone(LOCAL_TZ).date()
        hotel_create(
            reception_id=rid,
            by=by,
            data={"hotel": resources["hotel"], "check_in": first_day, "check_out": first_day + timedelta(days=1)}
            | {"rooms": i + 1},
        )
        task_create(
            reception_id=rid,
            by=by,
            data={"title": f"任务 {i}", "due_date": timezone.localdate() + timedelta(days=1), "department": None}
            | {"assignee": people["tech_eng"]},
        )
        plan_emergency_attach(reception_id=rid, by=by, data={"template": templates[i]})
        material_upload(
            reception_id=rid,
            by=by,
            data={"kind": "profile", "confidentiality": "confidential" if i % 2 else "internal"},
            file=SimpleUploadedFile(f"资料{i}.pdf", PDF),
        )
    staff_assign(reception_id=rid, by=by, data={"person": by, "role": "lead"})


# ---------------------------------------------------------------------------------------------------- reading


def test_the_plan_shows_every_part_and_confidential_material_only_to_who_may_see_it(
    people, reception, rep, head, resources
):
    """policy 3.1.1: itinerary, staff, bookings with their setup checklist, meals, hotels, tasks, emergency plans,
    materials; the deadline (3.1.2)."""
    _fill(people, reception, resources, 2)
    body = rep.get(url(reception)).json()
    assert body["reception"] == reception.pk and body["number"] == reception.number
    assert body["status"] == "draft" and body["review"] is None and body["can_edit"] is True
    assert body["due_date"] == reception.plan_due_date.isoformat() and body["overdue"] is False
    assert body["workdays_left"] > 0 and body["submitted_at"] is None

    item = body["items"][0]
    assert item["kind"] == "site_visit" and item["site_area"]["name"] == "总装车间"
    assert item["start"].endswith("+08:00") and item["clients"][0]["name"] == "林海"
    assert [s["role"] for s in body["staff"]] == ["lead", "guide", "guide"]
    assert body["staff"][1]["person"] == "tech_eng" and body["staff"][1]["item"] == item["id"]

    venues = [b for b in body["bookings"] if b["kind"] == "venue"]
    cars = [b for b in body["bookings"] if b["kind"] == "vehicle"]
    assert len(venues) == len(cars) == 2
    assert [t["label"] for t in venues[0]["setup"]] == SETUP_CHECKLIST_DEFAULT
    assert venues[0]["setup"][0]["done"] is False and cars[0]["setup"] == []
    assert cars[0]["driver"]["name"].startswith("司机") and "座位" in cars[0]["seat_warning"]  # 2 seats, 3 visitors
    assert body["meals"][0]["standard_per_head"] == "120.00" and body["meals"][0]["total"] == "480.00"
    assert body["hotels"][1]["rooms"] == 2 and body["hotels"][0]["nights"] == 1
    assert body["tasks"][0]["assignee"] == "tech_eng" and body["tasks"][0]["overdue"] is False
    assert len(body["emergencies"]) == 2 and body["emergencies"][0]["procedure"]
    assert [m["confidentiality"] for m in body["materials"]] == ["internal", "confidential"]
    assert set(body["materials"][0]) >= {"title", "original_name", "size", "uploaded_by", "uploaded_at"}

    # A reader (the host department's head) sees the plan but not the confidential material, and may not edit.
    seen = head.get(url(reception)).json()
    assert [m["confidentiality"] for m in seen["materials"]] == ["internal"]
    assert seen["can_edit"] is False and seen["items"] == body["items"]


# token (with its user), the GM role check and the request (access layer), the plan, the calendar's overrides (the
# deadline), bookings + their setup checklists, meals, hotel stays, diet needs (plan_logistics), items + their
# clients, staff + the same people's other duties (clashes), tasks, emergency plans, materials, the review's approval
# instance (+ its tasks once submitted)
PLAN_QUERIES = 18


def test_reading_the_plan_costs_the_same_queries_at_1_and_many_rows(people, resources):
    one, many = approved_reception(people), approved_reception(people, purpose="第二批客户来访")
    _fill(people, one, resources, 1)
    _fill(people, many, resources, 4)
    rep = client_for(people["sales_rep"])
    rep.get(url(one))  # the token's first use records it (one write); not part of the plan's cost
    counts = []
    for reception in (one, many):
        with CaptureQueriesContext(connection) as queries:
            response = rep.get(url(reception))
        assert response.status_code == 200
        counts.append(len(queries))
    body = response.json()
    assert len(body["items"]) == 4 and len(body["bookings"]) == 8 and len(body["tasks"]) == 4
    assert counts == [PLAN_QUERIES, PLAN_QUERIES], counts


def test_the_first_read_creates_the_draft_plan(people, reception, rep):
    assert not Plan.objects.exists()
    body = rep.get(url(reception)).json()
    assert body["status"] == "draft" and body["version"] == 1 and body["items"] == []
    assert Plan.objects.get().history.get().action == PlanAction.CREATED


def test_a_request_not_yet_approved_has_no_plan(people, rep):
    from jiedai.receptions.tests.factories import submitted_request

    pending = submitted_request(people)
    response = rep.get(url(pending))
    assert is_error(response, 404) and not Plan.objects.exists()


def test_openapi_schema_still_builds(people, rep):
    response = rep.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/receptions/{reception_id}/plan",
        "/api/v1/receptions/{reception_id}/plan/items/{item_id}",
        "/api/v1/receptions/{reception_id}/plan/bookings/{booking_id}/status",
        "/api/v1/receptions/{reception_id}/plan/tasks/{task_id}/status",
        "/api/v1/receptions/{reception_id}/plan/submit",
        "/api/v1/venues",
        "/api/v1/vehicles",
        "/api/v1/drivers",
    ):
        assert path in paths, path
    assert set(paths["/api/v1/receptions/{reception_id}/plan"]) == {"get", "put"}


# ---------------------------------------------------------------------------------------------------- access

WRITES = [
    ("put", "", {"summary": "概述"}),
    ("post", "/items", None),
    ("patch", "/items/{item}", {"title": "改名"}),
    ("delete", "/items/{item}", None),
    ("post", "/staff", {"person": "tech_eng", "role": "escort"}),
    ("delete", "/staff/{staff}", None),
    ("post", "/bookings", None),
    ("patch", "/bookings/{booking}", {"notes": "备注"}),
    ("post", "/bookings/{booking}/status", {"status": "confirmed"}),
    ("post", "/tasks", {"title": "准备样品", "assignee": "tech_eng", "due_date": "2099-01-01"}),
    ("patch", "/tasks/{task}", {"title": "改名"}),
    ("post", "/tasks/{task}/status", {"status": "done"}),
    ("post", "/submit", None),
]


def _targets(people, reception, resources) -> dict:
    """One of each row for the write endpoints to aim at, and the bodies that need the reception's times."""
    _ready(people, reception)
    by = people["sales_rep"]
    booking = booking_create(
        reception_id=reception.pk,
        by=by,
        data={"kind": "venue", "venue": resources["big"], "start": reception.visit_start}
        | {"end": reception.visit_start + timedelta(hours=1)},
    )
    tomorrow = timezone.now().astimezone(LOCAL_TZ).date() + timedelta(days=1)
    task = task_create(
        reception_id=reception.pk, by=by, data={"title": "布置展台", "due_date": tomorrow, "assignee": by}
    )
    return {
        "item": ItineraryItem.objects.get().pk,
        "staff": StaffAssignment.objects.get().pk,
        "booking": booking.pk,
        "task": task.pk,
    }


def _write_requests(reception, resources, ids):
    for method, tail, body in WRITES:
        if tail == "/items" and method == "post":
            body = _item_body(reception)
        elif tail == "/bookings" and method == "post":
            body = _venue_body(reception, resources["small"])
        yield method, url(reception, tail.format(**ids)), body


def test_an_outsider_gets_404_for_every_endpoint_and_nothing_changes(people, reception, resources, outsider):
    ids = _targets(people, reception, resources)
    client = client_for(outsider)
    before = _state(reception)
    assert is_error(client.get(url(reception)), 404)
    for method, path, body in _write_requests(reception, resources, ids):
        response = send(client, method, path, body)
        assert is_error(response, 404), (method, path, response.content)
    assert _state(reception) == before


def test_a_reader_who_is_not_an_editor_gets_403_on_every_write(people, reception, resources, head):
    """policy 3.1.1: the host department leads the plan — its requester and lead write it; the head reads it."""
    ids = _targets(people, reception, resources)
    before = _state(reception)
    assert head.get(url(reception)).status_code == 200
    for method, path, body in _write_requests(reception, resources, ids):
        response = send(head, method, path, body)
        assert is_error(response, 403), (method, path, response.content)
    assert _state(reception) == before


def test_anonymous_callers_get_401(people, reception, resources):
    ids = _targets(people, reception, resources)
    before = _state(reception)
    anonymous = Client()
    assert is_error(anonymous.get(url(reception)), 401)
    for method, path, body in _write_requests(reception, resources, ids):
        response = send(anonymous, method, path, body)
        assert is_error(response, 401), (method, path)
        assert response["WWW-Authenticate"] == "Bearer"
    assert _state(reception) == before


# ---------------------------------------------------------------------------------------------------- the plan


def test_put_changes_the_summary_bumps_the_version_and_records_it(people, reception, rep):
    first = send(rep, "put", url(reception), {"summary": "  两天行程：参观、洽谈、签约  "})
    assert first.status_code == 200, first.content
    assert first.json()["summary"] == "两天行程：参观、洽谈、签约" and first.json()["version"] == 2
    plan = Plan.objects.get()
    assert plan.history.filter(action=PlanAction.CHANGED).count() == 1
    # The same text again changes nothing.
    assert send(rep, "put", url(reception), {"summary": "两天行程：参观、洽谈、签约"}).json()["version"] == 2
    assert plan.history.filter(action=PlanAction.CHANGED).count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "summary"),  # PUT sends the whole resource
        ({"summary": "x", "status": "confirmed"}, "status"),  # not a field one may set
        ({"summary": 5}, "summary"),
        ({"summary": "x" * 5001}, "summary"),
        ({"summary": "a\x00b"}, "summary"),
    ],
)
def test_put_with_bad_input_is_422_and_changes_nothing(people, reception, rep, body, field):
    plan_for(people, reception)
    before = _state(reception)
    response = send(rep, "put", url(reception), body)
    assert is_error(response, 422) and field in response.json()["errors"], response.content
    assert _state(reception) == before


# ---------------------------------------------------------------------------------------------------- items


def test_items_are_created_changed_and_deleted(people, reception, rep, resources):
    contact = reception.client_links.first().contact
    naive = (reception.visit_start.astimezone(LOCAL_TZ) + timedelta(hours=2)).replace(tzinfo=None)
    created = send(
        rep,
        "post",
        url(reception, "/items"),
        {
            "kind": "site_visit",
            "title": "参观总装车间",
            "start": naive.isoformat(),  # no offset: Shanghai time
            "end": (naive + timedelta(hours=1)).isoformat(),
            "site_area": resources["hall"].pk,
            "clients": [contact.pk],
            "internal_notes": "安全帽 5 顶",
        },
    )
    assert created.status_code == 201, created.content
    item = created.json()
    assert item["start"] == naive.isoformat() + "+08:00" and item["clients"] == [{"id": contact.pk, "name": "林海"}]
    assert item["site_area"]["id"] == resources["hall"].pk and item["staff_conflicts"] == []
    assert Plan.objects.get().version == 2

    # tech_eng guides this item and is also on another visit at 4-5 h: moving the item there warns.
    staff_assign(
        reception_id=reception.pk,
        by=people["sales_rep"],
        data={"person": people["tech_eng"], "role": "guide", "item": ItineraryItem.objects.get(pk=item["id"])},
    )
    other = approved_reception(people, purpose="另一批客户")
    other_item = item_create(
        reception_id=other.pk,
        by=people["sales_rep"],
        data={"kind": "meeting", "title": "技术交流", "start": other.visit_start + timedelta(hours=4)}
        | {"end": other.visit_start + timedelta(hours=5)},
    )
    staff_assign(
        reception_id=other.pk,
        by=people["sales_rep"],
        data={"person": people["tech_eng"], "role": "guide", "item": other_item},
    )
    moved = send(
        rep,
        "patch",
        url(reception, f"/items/{item['id']}"),
        {
            "start": iso(reception.visit_start + timedelta(hours=4)),
            "end": iso(reception.visit_start + timedelta(hours=5)),
        },
    )
    assert moved.status_code == 200, moved.content
    body = moved.json()
    assert body["title"] == "参观总装车间" and body["internal_notes"] == "安全帽 5 顶"  # only the fields sent change
    [conflict] = body["staff_conflicts"]
    assert conflict["person"] == "tech_eng" and conflict["reception"] == other.number
    assert conflict["item_title"] == "技术交流" and conflict["start"].endswith("+08:00")

    assert send(rep, "delete", url(reception, f"/items/{item['id']}")).status_code == 204
    assert not ItineraryItem.objects.filter(pk=item["id"]).exists()
    assert is_error(send(rep, "delete", url(reception, f"/items/{item['id']}")), 404)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"end": "START-1h"}, "end"),  # policy 3.1.1: an item ends after it starts
        ({"start": "VISIT-2h"}, "start"),  # and lies inside the approved visit
        ({"colour": "red"}, "colour"),  # unknown field
        ({"title": 5}, "title"),
        ({"start": 1767225600}, "start"),  # a Unix timestamp is not ISO 8601
        ({"start": "tomorrow"}, "start"),
        ({"kind": "party"}, "kind"),
        ({"clients": ["1"]}, "clients.0"),
        ({"clients": "1"}, "clients"),
        ({"site_area": 999999}, "site_area"),
        ({"clients": [999999]}, "clients"),
        ({"title": ""}, "title"),
        ({"title": "x" * 121}, "title"),
    ],
)
def test_bad_items_are_422_and_change_nothing(people, reception, rep, change, field):
    plan_for(people, reception)
    body = _item_body(reception)
    start = reception.visit_start + timedelta(hours=1)
    for key, value in change.items():
        if value == "START-1h":
            value = iso(start - timedelta(hours=1))
        elif value == "VISIT-2h":
            value = iso(reception.visit_start - timedelta(hours=2))
        body[key] = value
    before = _state(reception)
    response = send(rep, "post", url(reception, "/items"), body)
    assert is_error(response, 422) and field in response.json()["errors"], response.content
    assert _state(reception) == before


def test_an_item_of_another_plan_is_not_found(people, reception, rep):
    other = approved_reception(people, purpose="另一批客户")
    foreign = item_create(
        reception_id=other.pk,
        by=people["sales_rep"],
        data={"kind": "meeting", "title": "会谈", "start": other.visit_start}
        | {"end": other.visit_start + timedelta(hours=1)},
    )
    plan_for(people, reception)
    before = _state(reception)
    assert is_error(send(rep, "patch", url(reception, f"/items/{foreign.pk}"), {"title": "x"}), 404)
    assert is_error(send(rep, "delete", url(reception, f"/items/{foreign.pk}")), 404)
    # Staff on another plan's item: the item is unknown here.
    response = send(rep, "post", url(reception, "/staff"), {"person": "tech_eng", "role": "guide", "item": foreign.pk})
    assert is_error(response, 422) and "item" in response.json()["errors"]
    assert _state(reception) == before


# ---------------------------------------------------------------------------------------------------- staff


def test_staff_are_assigned_with_their_clashes_and_removed(people, reception, rep):
    """policy 3.1.1: a person in two places at once is a warning on the response, not a refusal."""
    other = approved_reception(people, purpose="同期另一批客户")  # same days
    staff_assign(reception_id=other.pk, by=people["sales_rep"], data={"person": people["tech_eng"], "role": "escort"})
    response = send(rep, "post", url(reception, "/staff"), {"person": "tech_eng", "role": "escort", "duty": "全程陪同"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["person"] == "tech_eng" and body["person_name"] == "张伟" and body["item"] is None
    [conflict] = body["conflicts"]
    assert conflict["reception"] == other.number and conflict["same_visit"] is False and conflict["message"]
    assert StaffAssignment.objects.filter(plan__reception=reception).count() == 1

    assert send(rep, "delete", url(reception, f"/staff/{body['id']}")).status_code == 204
    assert not StaffAssignment.objects.filter(pk=body["id"]).exists()
    assert is_error(send(rep, "delete", url(reception, f"/staff/{body['id']}")), 404)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"person": "nobody", "role": "escort"}, "person"),
        ({"person": "tech_eng", "role": "boss"}, "role"),
        ({"person": "tech_eng", "role": "escort", "is_client_contact": "yes"}, "is_client_contact"),
        ({"person": "tech_eng", "role": "escort", "item": 999999}, "item"),
        ({"person": "tech_eng"}, "role"),
        ({"person": "tech_eng", "role": "escort", "phone": "1"}, "phone"),
    ],
)
def test_bad_staff_is_422_and_changes_nothing(people, reception, rep, body, field):
    plan_for(people, reception)
    before = _state(reception)
    response = send(rep, "post", url(reception, "/staff"), body)
    assert is_error(response, 422) and field in response.json()["errors"], response.content
    assert _state(reception) == before


# ---------------------------------------------------------------------------------------------------- bookings


def test_a_booking_is_made_changed_and_confirmed_by_administration(people, reception, rep, resources):
    created = send(rep, "post", url(reception, "/bookings"), _venue_body(reception, resources["big"]))
    assert created.status_code == 201, created.content
    booking = created.json()
    assert booking["venue"] == {"id": resources["big"].pk, "name": "一号会议室"} and booking["status"] == "requested"
    assert booking["headcount"] == 3  # the visitors, by default
    assert [t["label"] for t in booking["setup"]] == SETUP_CHECKLIST_DEFAULT

    path = url(reception, f"/bookings/{booking['id']}")
    changed = send(rep, "patch", path, {"headcount": 5, "notes": "需要同传设备"})
    assert changed.status_code == 200 and changed.json()["headcount"] == 5 and changed.json()["notes"] == "需要同传设备"
    assert changed.json()["start"] == booking["start"]  # only the fields sent change

    # policy 3.2.3: administration (a copied reader) confirms; the host department's head may not.
    admin = client_for(people["admin_clerk"])
    confirmed = send(admin, "post", f"{path}/status", {"status": "confirmed"})
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["status"] == "confirmed"
    assert is_error(send(client_for(people["sales_head"]), "post", f"{path}/status", {"status": "done"}), 403)
    assert Booking.objects.get().status == "confirmed"


def test_a_vehicle_with_its_driver(people, reception, rep, resources):
    start = reception.visit_start
    body = {
        "kind": "vehicle",
        "vehicle": resources["van"].pk,
        "driver": resources["wang"].pk,
        "start": iso(start),
        "end": iso(start + timedelta(hours=1)),
    }
    response = send(rep, "post", url(reception, "/bookings"), body)
    assert response.status_code == 201, response.content
    booking = response.json()
    assert booking["vehicle"]["plate"] == "沪A12345" and booking["driver"]["name"] == "王师傅"
    assert booking["setup"] == [] and booking["seat_warning"] == ""


def test_a_clash_is_409_with_the_holder_and_the_alternatives_and_books_nothing(people, reception, rep, resources):
    """policy 3.1.1: a room is never booked twice for overlapping times."""
    first = approved_reception(people, purpose="先订的来访")
    booking_create(
        reception_id=first.pk,
        by=people["sales_rep"],
        data={"kind": "venue", "venue": resources["big"], "start": first.visit_start + timedelta(hours=1)}
        | {"end": first.visit_start + timedelta(hours=3)},
    )
    plan_for(people, reception)
    before = _state(reception)
    response = send(rep, "post", url(reception, "/bookings"), _venue_body(reception, resources["big"], (2, 4)))
    assert response.status_code == 409, response.content
    body = response.json()
    assert set(body) == {"detail", "errors", "clash", "alternatives"}
    assert first.number in body["detail"]
    assert body["clash"]["reception"] == first.number and body["clash"]["venue"] == resources["big"].pk
    assert [v["name"] for v in body["alternatives"]["venues"]] == ["小洽谈室"]  # seats the 3 visitors, free
    assert _state(reception) == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"start": "VISIT-2h"}, "start"),  # a booking outside the visit
        ({"end": "START"}, "end"),
        ({"venue": None}, "venue"),
        ({"venue": 999999}, "venue"),
        ({"venue": "1"}, "venue"),
        ({"kind": "boat"}, "kind"),
        ({"headcount": 0}, "headcount"),
        ({"headcount": "3"}, "headcount"),
        ({"price": 10}, "price"),
    ],
)
def test_bad_bookings_are_422_and_book_nothing(people, reception, rep, resources, change, field):
    plan_for(people, reception)
    body = _venue_body(reception, resources["big"])
    for key, value in change.items():
        if value == "VISIT-2h":
            value = iso(reception.visit_start - timedelta(hours=2))
        elif value == "START":
            value = body["start"]
        body[key] = value
    before = _state(reception)
    response = send(rep, "post", url(reception, "/bookings"), body)
    assert is_error(response, 422) and field in response.json()["errors"], response.content
    assert _state(reception) == before


def test_bad_booking_changes_are_422_and_change_nothing(people, reception, rep, resources):
    created = send(rep, "post", url(reception, "/bookings"), _venue_body(reception, resources["big"])).json()
    path = url(reception, f"/bookings/{created['id']}")
    before = _state(reception)
    for body, field in [
        ({"kind": "vehicle"}, "kind"),  # the kind does not change
        ({"end": iso(reception.visit_end + timedelta(hours=1))}, "start"),
        ({"start": "2026-02-30T09:00"}, "start"),
    ]:
        response = send(rep, "patch", path, body)
        assert is_error(response, 422) and field in response.json()["errors"], (body, response.content)
    response = send(rep, "post", f"{path}/status", {"status": "lost"})
    assert is_error(response, 422) and "status" in response.json()["errors"]
    assert is_error(send(rep, "patch", url(reception, "/bookings/999999"), {"notes": "x"}), 404)
    assert _state(reception) == before


# ---------------------------------------------------------------------------------------------------- tasks


def test_tasks_are_given_changed_and_reported_done_by_their_owner(people, reception, rep):
    """policy 3.2.2: a preparation task with an owner and a deadline; the owner reports it done."""
    due = (timezone.now().astimezone(LOCAL_TZ).date() + timedelta(days=2)).isoformat()
    created = send(
        rep,
        "post",
        url(reception, "/tasks"),
        {"title": "准备样品", "department": "tech", "assignee": "tech_eng", "due_date": due},
    )
    assert created.status_code == 201, created.content
    task = created.json()
    assert (task["department"], task["assignee"], task["due_date"], task["status"]) == ("tech", "tech_eng", due, "open")

    path = url(reception, f"/tasks/{task['id']}")
    changed = send(rep, "patch", path, {"title": "准备样品和说明书"})
    assert changed.status_code == 200 and changed.json()["title"] == "准备样品和说明书"
    assert changed.json()["assignee"] == "tech_eng"

    # The owner (who reads the plan through the task) reports it done, but may not cancel it.
    owner = client_for(people["tech_eng"])
    assert owner.get(url(reception)).status_code == 200
    assert is_error(send(owner, "post", f"{path}/status", {"status": "cancelled"}), 403)
    done = send(owner, "post", f"{path}/status", {"status": "done"})
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "done" and done.json()["completed_by"] == "tech_eng"
    # A done task is not changed (reopened first).
    assert is_error(send(rep, "patch", path, {"title": "x"}), 409)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"department": "nowhere"}, "department"),
        ({"assignee": "nobody"}, "assignee"),
        ({"assignee": None}, "assignee"),  # nobody owns it
        ({"due_date": 20261201}, "due_date"),
        ({"due_date": "2026-13-01"}, "due_date"),
        ({"due_date": "2000-01-01"}, "due_date"),  # not before today
        ({"meeting": 999999}, "meeting"),
        ({"title": ""}, "title"),
        ({"priority": "high"}, "priority"),
    ],
)
def test_bad_tasks_are_422_and_change_nothing(people, reception, rep, change, field):
    plan_for(people, reception)
    tomorrow = timezone.now().astimezone(LOCAL_TZ).date() + timedelta(days=1)
    body = {"title": "准备样品", "assignee": "tech_eng", "due_date": tomorrow.isoformat(), **change}
    before = _state(reception)
    response = send(rep, "post", url(reception, "/tasks"), body)
    assert is_error(response, 422) and field in response.json()["errors"], response.content
    assert _state(reception) == before


# ---------------------------------------------------------------------------------------------------- submit


def test_submit_needs_a_complete_plan_then_goes_to_review_once(people, reception, rep):
    """policy 3.1.2: the plan goes to review; it needs an itinerary and a lead first."""
    plan_for(people, reception)
    before = _state(reception)
    incomplete = send(rep, "post", url(reception, "/submit"))
    assert is_error(incomplete, 422) and {"items", "staff"} <= set(incomplete.json()["errors"])
    assert _state(reception) == before

    _ready(people, reception)
    submitted = send(rep, "post", url(reception, "/submit"))
    assert submitted.status_code == 200, submitted.content
    body = submitted.json()
    assert body["status"] == "pending_review" and body["submitted_at"].endswith("+08:00")
    assert body["can_edit"] is False
    assert body["review"]["status"] == "pending" and body["review"]["round"] == 1
    assert [(s["approver"], s["decision"]) for s in body["review"]["steps"]] == [("sales_head", "pending")]

    before = _state(reception)
    assert is_error(send(rep, "post", url(reception, "/submit")), 409)
    assert is_error(send(rep, "put", url(reception), {"summary": "审核中不能改"}), 409)
    assert is_error(send(rep, "post", url(reception, "/items"), _item_body(reception)), 409)
    assert _state(reception) == before


def test_a_confirmed_plan_cannot_be_submitted_again(people, reception, rep):
    _ready(people, reception)
    plan = plan_submit(reception_id=reception.pk, by=people["sales_rep"])
    task = ApprovalTask.objects.get(
        instance__document_type="reception_plan", instance__document_id=plan.pk, status="pending"
    )
    approval_task_decide(task_id=task.pk, by=task.assignee, decision="approve", comment="同意")
    body = rep.get(url(reception)).json()
    assert body["status"] == "confirmed" and body["confirmed_at"].endswith("+08:00")
    assert body["review"]["status"] == "approved" and body["review"]["steps"][0]["comment"] == "同意"
    before = _state(reception)
    assert is_error(send(rep, "post", url(reception, "/submit")), 409)
    assert _state(reception) == before


def test_an_api_only_integration_can_attach_an_emergency_plan_and_submit(people):
    """policy 3.3.1: the emergency plan is part of the plan; through the API alone a plan becomes submittable."""
    from datetime import timedelta

    from django.test import Client

    from jiedai.org.models import ApiToken
    from jiedai.planning.emergency_seeds import ensure_emergency_templates
    from jiedai.planning.models import EmergencyTemplate
    from jiedai.planning.tests.factories import plan_for

    ensure_emergency_templates()
    plan = plan_for(people)
    client = Client(headers={"authorization": f"Bearer {ApiToken.issue(people['sales_rep'])}"})
    base = f"/api/v1/receptions/{plan.reception_id}/plan"
    start = plan.reception.visit_start
    item = {
        "kind": "welcome",
        "title": "欢迎会",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(),
    }
    assert client.post(f"{base}/items", item, content_type="application/json").status_code == 201
    lead = {"person": "sales_rep", "role": "lead", "is_client_contact": True}
    assert client.post(f"{base}/staff", lead, content_type="application/json").status_code == 201
    assert client.post(f"{base}/submit").status_code == 422  # no emergency plan yet
    template = EmergencyTemplate.objects.order_by("id").first()
    response = client.post(f"{base}/emergencies", {"template": template.pk}, content_type="application/json")
    assert response.status_code == 201 and response.json()["template"]["id"] == template.pk
    unknown = client.post(f"{base}/emergencies", {"template": 999999}, content_type="application/json")
    assert unknown.status_code == 422
    assert client.post(f"{base}/submit").json()["status"] == "pending_review"
