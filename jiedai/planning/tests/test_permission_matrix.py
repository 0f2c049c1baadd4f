"""The plan's permission matrix: every planning page and action, walked by every role (the same roles as the
request's matrix in jiedai/core/tests/test_permission_matrix.py), allowed or denied as the table says. The core
matrix's `test_every_route_is_in_the_matrix` counts the routes listed here, so a planning page added without an
entry fails there.

Who is who on the plan (policy 3.1–3.3): the requester (sales_rep) is also the lead: the only editor. Readers:
the host head and leader, the GM, the copied finance and administration role holders, the coordinating department
(tech: its head was copied, its members read department-wide) and the superuser. The outsider (qa) sees nothing.
Administration carries out logistics (3.2.3); a preparation task assigned to tech_eng (department tech) may be
reported done by tech_eng and tech's head (3.2.2); administration keeps the emergency templates (3.3)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from http.cookies import SimpleCookie

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse

from jiedai.approvals.models import ApprovalTask
from jiedai.core.tests.matrix_roles import ROLES, add_outsider
from jiedai.org.models import ApiToken, User
from jiedai.planning.demo import build_full_plan, ensure_master_data
from jiedai.planning.models import Booking, EmergencyTemplate, ItineraryLink, Plan, PlanHistory, PrepTask, Venue
from jiedai.planning.services.materials import material_upload
from jiedai.planning.tests.factories import approved_reception
from jiedai.receptions.demo import local_at
from jiedai.receptions.services import reception_create, reception_submit
from jiedai.receptions.tests.factories import request_data

READERS = {"requester", "head", "leader", "gm", "finance", "administration", "coord_head", "coord_member", "sysadmin"}
LOGGED_IN = set(ROLES) - {"anonymous"}

OK, ALLOWED, LOGIN, FORBIDDEN, NOT_FOUND = "200", "allowed", "login", "403", "404"


def _rule(allowed: set[str], *, denied=FORBIDDEN, ok=ALLOWED, anonymous=LOGIN) -> dict[str, str]:
    """`allowed` roles get `ok`; the other plan readers `denied`; the outsider 404; anonymous the login page."""
    out = {}
    for role in ROLES:
        if role == "anonymous":
            out[role] = anonymous
        elif role in allowed:
            out[role] = ok
        elif role in READERS:
            out[role] = denied
        else:
            out[role] = NOT_FOUND
    return out


READ = _rule(READERS, ok=OK)
EDIT = _rule({"requester"})
EDIT_PAGE = _rule({"requester"}, ok=OK)
LOGISTICS = _rule({"requester", "administration", "sysadmin"})
TASK_DONE = _rule({"requester", "coord_member", "coord_head"})
COMPANY_PAGE = {role: (LOGIN if role == "anonymous" else OK) for role in ROLES}  # any staff member
ADMINISTRATION_PAGE = {
    role: LOGIN if role == "anonymous" else (OK if role in {"administration", "sysadmin"} else FORBIDDEN)
    for role in ROLES
}
ADMINISTRATION_ACTION = {r: (ALLOWED if e == OK else e) for r, e in ADMINISTRATION_PAGE.items()}
PUBLIC = dict.fromkeys(ROLES, OK)
NOBODY = _rule(set(), denied=NOT_FOUND)  # a request that is not approved has no plan


def _api(rule: dict[str, str]) -> dict[str, str]:
    """The same rule over the API: anonymous gets 401; an allowed call (with a valid body) succeeds (2xx)."""
    return {role: ("401" if role == "anonymous" else expect) for role, expect in rule.items()}


API_READ, API_EDIT, API_TASK_DONE = map(_api, (READ, EDIT, TASK_DONE))
API_STAFF = _api(COMPANY_PAGE)
API_CONFIRM = _api(_rule({"administration", "sysadmin"}))  # confirming a booking is administration's (3.2.3)


@dataclass(frozen=True)
class Case:
    route: str
    method: str
    expect: dict[str, str]
    variant: str = ""  # "pending": the plan routes of a request still in approval

    @property
    def id(self) -> str:
        return f"{self.method} {self.route}" + (f"[{self.variant}]" if self.variant else "")


def _cases() -> list[Case]:
    cases = []

    def add(route, *methods_and_rules):
        for method, rule in methods_and_rules:
            cases.append(Case(f"planning:{route}", method, rule))

    # The plan and its review (policy 3.1.2)
    add("overview", ("GET", READ))
    cases.append(Case("planning:overview", "GET", NOBODY, "pending"))
    add("submit", ("POST", EDIT))
    add("withdraw", ("POST", EDIT))
    add("print", ("GET", READ))
    # Itinerary and staffing (3.1.1)
    add("itinerary", ("GET", READ))
    for route in ("item_create", "item_edit", "staff_create", "staff_edit"):
        add(route, ("GET", EDIT_PAGE), ("POST", EDIT))
    add("item_delete", ("POST", EDIT))
    add("staff_delete", ("POST", EDIT))
    # Materials, the client link (3.1.1)
    add("materials", ("GET", READ))
    add("material_upload", ("GET", EDIT_PAGE), ("POST", EDIT))
    add("material_edit", ("GET", EDIT_PAGE), ("POST", EDIT))
    add("material_delete", ("POST", EDIT))
    add("material_download", ("GET", READ))
    add("links", ("POST", EDIT))
    add("link_revoke", ("POST", EDIT))
    # Venues, vehicles, meals, hotels (3.1.1, 3.2.3)
    add("logistics", ("GET", READ))
    for route in ("booking_create", "booking_edit", "meal_create", "meal_edit", "hotel_create", "hotel_edit"):
        add(route, ("GET", EDIT_PAGE), ("POST", EDIT))
    for route in ("booking_status", "meal_status", "hotel_status", "setup_toggle", "setup_checklist"):
        add(route, ("POST", LOGISTICS))
    # Communication and coordination (3.2.1–3.2.2)
    add("coordination", ("GET", READ))
    for route in ("communication_create", "need_create", "meeting_create", "task_create"):
        add(route, ("POST", EDIT))  # the forms are on the tab
    for route in ("communication_edit", "need_edit", "meeting_edit", "task_edit"):
        add(route, ("GET", EDIT_PAGE), ("POST", EDIT))
    add("communication_delete", ("POST", EDIT))
    add("need_delete", ("POST", EDIT))
    add("task_status", ("POST", TASK_DONE))
    # Emergency plans (3.3)
    add("emergency", ("GET", READ))
    add("emergency_attach", ("POST", EDIT))
    add("emergency_edit", ("GET", EDIT_PAGE), ("POST", EDIT))
    add("emergency_remove", ("POST", EDIT))
    add("emergency_templates", ("GET", COMPANY_PAGE))
    add("emergency_template", ("GET", COMPANY_PAGE))
    for route in ("emergency_template_create", "emergency_template_revise", "emergency_drill_create"):
        add(route, ("GET", ADMINISTRATION_PAGE), ("POST", ADMINISTRATION_ACTION))
    # Company-wide pages: administration's queue, free/busy, calendars, the client's link
    add("queue", ("GET", ADMINISTRATION_PAGE))
    add("resources", ("GET", COMPANY_PAGE))
    add("my_calendar", ("GET", COMPANY_PAGE))
    add("public_itinerary", ("GET", PUBLIC))
    add("public_itinerary_ics", ("GET", PUBLIC))
    return cases


PLAN_API = "/api/v1/receptions/{reception_id}/plan"


def _api_cases() -> list[Case]:
    """API operations as "METHOD /path"; the body of each allowed call is a valid one (see _api_body)."""
    table = [
        ("GET", "", API_READ),
        ("PUT", "", API_EDIT),
        ("POST", "/submit", API_EDIT),
        ("POST", "/items", API_EDIT),
        ("PATCH", "/items/{item_id}", API_EDIT),
        ("DELETE", "/items/{item_id}", API_EDIT),
        ("POST", "/staff", API_EDIT),
        ("DELETE", "/staff/{staff_id}", API_EDIT),
        ("POST", "/bookings", API_EDIT),
        ("PATCH", "/bookings/{booking_id}", API_EDIT),
        ("POST", "/bookings/{booking_id}/status", API_CONFIRM),
        ("POST", "/tasks", API_EDIT),
        ("PATCH", "/tasks/{task_id}", API_EDIT),
        ("POST", "/tasks/{task_id}/status", API_TASK_DONE),
        ("POST", "/emergencies", API_EDIT),
    ]
    cases = [Case(f"{method} {PLAN_API}{suffix}", method, rule) for method, suffix, rule in table]
    cases.append(Case(f"GET {PLAN_API}", "GET", _api(NOBODY), "pending"))
    cases += [Case(f"GET /api/v1/{name}", "GET", API_STAFF) for name in ("venues", "vehicles", "drivers")]
    return cases


WEB_CASES = _cases()
API_CASES = _api_cases()
CASES = WEB_CASES + API_CASES
WEB_ROUTES = {case.route for case in WEB_CASES}
API_ROUTES = {case.route for case in API_CASES}


@dataclass
class World:
    users: dict[str, User]
    reception: int
    pending: int
    ids: dict[str, int | str]
    tokens: dict[str, str]
    day: int


def build_world() -> World:
    from jiedai.approvals.seeds import ensure_seed_flows
    from jiedai.org.demo import ensure_demo_org
    from jiedai.planning.emergency_seeds import ensure_emergency_templates

    ensure_seed_flows()
    ensure_emergency_templates()
    people = ensure_demo_org()
    add_outsider(people)
    ensure_master_data()
    day = 30
    reception = approved_reception(
        people, important=True, visit_start=local_at(day, 9), visit_end=local_at(day + 2, 17), visitor_count=3
    )
    build_full_plan(people, reception, day)
    plan = Plan.objects.get(reception=reception)
    pdf = SimpleUploadedFile("公司简介.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    material = material_upload(
        reception_id=reception.pk, by=people["sales_rep"], data={"confidentiality": "public"}, file=pdf
    )
    pending = reception_create(by=people["sales_rep"], data=request_data(purpose="矩阵：审批中"))
    pending = reception_submit(reception_id=pending.pk, by=people["sales_rep"])
    booking = Booking.objects.filter(plan=plan, kind="venue").first()
    ids = {
        "item_id": plan.items.order_by("id").first().pk,
        "staff_id": plan.staff.order_by("id").first().pk,
        "material_id": material.pk,
        "link_id": ItineraryLink.objects.get(plan=plan).pk,
        "token": ItineraryLink.objects.get(plan=plan).token,
        "booking_id": booking.pk,
        "setup_task_id": booking.setup_tasks.first().pk,
        "meal_id": plan.meals.first().pk,
        "stay_id": plan.hotelstays.first().pk,
        "communication_id": plan.communications.first().pk,
        "need_id": plan.needs.first().pk,
        "meeting_id": plan.meetings.first().pk,
        "prep_task_id": PrepTask.objects.get(plan=plan, assignee=people["tech_eng"]).pk,
        "emergency_id": plan.emergencies.first().pk,
        "template_id": EmergencyTemplate.objects.order_by("id").first().pk,
    }
    attached = plan.emergencies.values_list("template", flat=True)
    ids["spare_template_id"] = EmergencyTemplate.objects.exclude(pk__in=attached).order_by("id").first().pk
    ids["free_venue_id"] = Venue.objects.get(name="产品展厅").pk
    users = {role: people[username] for role, username in ROLES.items() if username}
    tokens = {role: ApiToken.issue(user) for role, user in users.items()}
    return World(users=users, reception=reception.pk, pending=pending.pk, ids=ids, tokens=tokens, day=day)


# Which id an `<int:item_id>`-style URL argument means, by route (the coordination routes share `item_id`).
ITEM_ID_OF = {
    "communication_edit": "communication_id",
    "communication_delete": "communication_id",
    "need_edit": "need_id",
    "need_delete": "need_id",
    "meeting_edit": "meeting_id",
    "task_edit": "prep_task_id",
    "task_status": "prep_task_id",
}


def _api_path(case: Case, world: World) -> str:
    path = case.route.split(" ", 1)[1]
    values = {
        "reception_id": world.pending if case.variant == "pending" else world.reception,
        "item_id": world.ids["item_id"],
        "staff_id": world.ids["staff_id"],
        "booking_id": world.ids["booking_id"],
        "task_id": world.ids["prep_task_id"],
    }
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)


def _api_body(case: Case, world: World) -> dict | None:
    """A valid body for each writing operation, so an allowed role's call succeeds."""
    suffix = case.route.split("/plan", 1)[1] if "/plan" in case.route else ""
    at = lambda hour: local_at(world.day + 1, hour).isoformat()  # noqa: E731 - the visit's second day
    bodies = {
        ("PUT", ""): {"summary": "矩阵：方案概述"},
        ("POST", "/items"): {"kind": "meeting", "title": "矩阵：洽谈", "start": at(14), "end": at(15)},
        ("PATCH", "/items/{item_id}"): {"title": "矩阵：改名"},
        ("POST", "/staff"): {"person": "tech_eng", "role": "escort"},
        ("POST", "/bookings"): {"kind": "venue", "venue": world.ids["free_venue_id"], "start": at(14), "end": at(15)},
        ("PATCH", "/bookings/{booking_id}"): {"notes": "矩阵：备注"},
        ("POST", "/bookings/{booking_id}/status"): {"status": "confirmed"},
        ("POST", "/tasks"): {
            "title": "矩阵：任务",
            "assignee": "tech_eng",
            "due_date": local_at(world.day - 1, 9).date().isoformat(),
        },
        ("PATCH", "/tasks/{task_id}"): {"title": "矩阵：任务改名"},
        ("POST", "/tasks/{task_id}/status"): {"status": "done"},
        ("POST", "/emergencies"): {"template": world.ids["spare_template_id"]},
    }
    return bodies.get((case.method, suffix))


def _path(case: Case, world: World) -> str:
    if case.route.startswith(("GET ", "POST ", "PUT ", "PATCH ", "DELETE ")):
        return _api_path(case, world)
    name = case.route.split(":", 1)[1]
    kwargs = {}
    params = _params(case.route)
    for param in params:
        if param == "pk":
            kwargs["pk"] = world.pending if case.variant == "pending" else world.reception
        elif param == "item_id":
            kwargs[param] = world.ids[ITEM_ID_OF.get(name, "item_id")]
        elif param == "task_id":
            kwargs[param] = world.ids["setup_task_id"]
        else:
            kwargs[param] = world.ids[param]
    return reverse(case.route, kwargs=kwargs)


def _params(route: str) -> list[str]:
    from django.urls import get_resolver

    resolver = get_resolver()
    ns, name = route.split(":")
    possibilities = resolver.namespace_dict[ns][1].reverse_dict.getlist(name)
    return list(possibilities[0][0][0][1])


def state_of_the_world() -> dict:
    return {
        "plans": sorted(Plan.objects.values_list("pk", "status", "version")),
        "history": PlanHistory.objects.count(),
        "bookings": sorted(Booking.objects.values_list("pk", "status", "start")),
        "tasks": sorted(PrepTask.objects.values_list("pk", "status")),
        "links": sorted(ItineraryLink.objects.values_list("pk", "revoked_at")),
        "templates": sorted(EmergencyTemplate.objects.values_list("pk", "revision")),
        "approvals": ApprovalTask.objects.count(),
    }


@pytest.fixture(scope="class")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def browser() -> Client:
    return Client()


@pytest.mark.django_db
class TestPlanMatrix:
    @pytest.mark.parametrize("role", list(ROLES))
    @pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
    def test_role_gets_what_the_matrix_says(self, world, browser, case, role):
        expect = case.expect[role]
        browser.cookies = SimpleCookie()
        path = _path(case, world)
        api = path.startswith("/api/")
        before = state_of_the_world()
        if api:
            headers = {"Authorization": f"Bearer {world.tokens[role]}"} if ROLES[role] else {}
            body = _api_body(case, world)
            data = json.dumps(body) if body is not None else ""
            response = browser.generic(case.method, path, data, content_type="application/json", headers=headers)
        else:
            if ROLES[role]:
                browser.force_login(world.users[role])
            response = browser.get(path) if case.method == "GET" else browser.post(path, {})
        status = response.status_code
        if api and expect == ALLOWED:
            assert status in (200, 201, 204), (status, path, response.content[:300])
        elif expect == LOGIN:
            assert status == 302 and response["Location"].startswith(reverse("login")), (status, path)
        elif expect == ALLOWED:
            assert status in (200, 302), (status, path)
        else:
            assert status == int(expect), (status, path)
        if expect != ALLOWED:
            assert state_of_the_world() == before, f"{role} changed something with {case.id}"
