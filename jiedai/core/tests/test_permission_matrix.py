"""The permission matrix: every role walks every page and every API operation and is allowed or denied exactly as
the table below says. The table is the documentation of who may do what; a new route that is not in it fails
`test_every_route_is_in_the_matrix`, so nobody adds a page without deciding who may open it.

Roles (the demo company, jiedai.org.demo, plus an outsider):

    requester       sales_rep     files the requests (sales)
    head            sales_head    head of sales: the first approver (policy 2.2.1)
    leader          vp_sales      supervising leader (分管领导) of sales: the second approver
    gm              gm            general manager: sees every submitted request, approves important ones (2.2.2)
    finance         fin_clerk     finance role: copied on approval (2.2.3)
    administration  admin_clerk   administration role: copied on approval (2.2.3)
    coord_head      tech_head     head of tech, a coordinating department of the important requests: copied
    coord_member    tech_eng      a member of tech: sees what was copied to their department
    outsider        qa_inspector  a new department "qa", no roles, no link to any request
    sysadmin        sysadmin      superuser: sees everything (the access layer's documented bypass) and the admin
    anonymous       —             not logged in: web pages redirect to the login page, the API answers 401

The requests, built once (for the class TestMatrix) through the services (every test runs in a savepoint of
that transaction and is rolled back, so a POST that succeeds in one case is invisible to the next):

    draft      sales_rep's draft (normal importance), never submitted
    pending    an important request (tech coordinating) waiting at the head's step
    approved   an important request (tech coordinating) approved by head, leader and GM; copied to tech_head,
               fin_clerk, admin_clerk
    returned   an important request the head returned to the requester

Expectations are written as `Expect(status, to=...)`; `to` names where a redirect goes ("login", "home", "detail"
of the request, "inbox", "link" of the notification). `changes=True` marks the cases where the action is allowed
and changes state; every other case must leave the state untouched (statuses, versions, history, approval
events, tasks, notifications' read state, API tokens), which is checked after each request.
"""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import dataclass
from datetime import timedelta
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from jiedai.api import api
from jiedai.approvals.models import ApprovalEvent, ApprovalInstance, ApprovalTask, TaskStatus
from jiedai.approvals.services import approval_task_decide
from jiedai.core.tests.bulk import clone_reception
from jiedai.core.tests.matrix_roles import ROLES, add_outsider
from jiedai.notify.models import Notification
from jiedai.org.demo import DEMO_PASSWORD
from jiedai.org.models import ApiToken, Delegation, User
from jiedai.org.services import delegation_create
from jiedai.receptions.models import LOCAL_TZ, Reception, ReceptionHistory
from jiedai.receptions.services import reception_create, reception_submit
from jiedai.receptions.tests.factories import important_data, request_data

# ---------------------------------------------------------------------------------------------------- the roles

LOGGED_IN = [role for role, username in ROLES.items() if username]
STATES = ("draft", "pending", "approved", "returned")
EDITABLE = {"draft", "returned"}  # policy 2.2: the requester edits and (re)submits a draft or a returned request

# Who may read which request (access.receptions_visible_to): the heart of the matrix. Detail, print, the list
# page and the list endpoint are all checked against this one table.
VISIBLE = {
    "requester": {"draft", "pending", "approved", "returned"},
    "head": {"pending", "approved", "returned"},  # submitted requests of the department they head
    "leader": {"pending", "approved", "returned"},  # submitted requests of the department they supervise
    "gm": {"pending", "approved", "returned"},  # every submitted request
    "finance": {"approved"},  # copied once approved (2.2.3), not before
    "administration": {"approved"},
    "coord_head": {"approved"},  # copied as head of a coordinating department
    "coord_member": {"approved"},  # copied to someone of their department
    "outsider": set(),
    "sysadmin": set(STATES),  # superuser: everything, drafts included
    "anonymous": set(),
}

# Whose to-do list holds which task: only the head's task on the pending request is open.
OPEN_TASKS = {role: set() for role in ROLES} | {"head": {"pending"}}

# Each role's inbox once the requests were built (kinds, sorted).
INBOX = {role: [] for role in ROLES} | {
    "requester": ["approved", "returned"],
    "head": ["approval_task", "approval_task", "approval_task"],
    "leader": ["approval_task"],
    "gm": ["approval_task"],
    "finance": ["cc"],
    "administration": ["cc"],
    "coord_head": ["cc"],
}


# ---------------------------------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class Expect:
    status: int
    # Where a redirect goes: "login" (with ?next=), "login page" (without), "home", "detail" (of the case's request),
    # "inbox", "delegations", "link" (the notification's own link).
    to: str | None = None
    changes: bool = False

    def __str__(self):
        return f"{self.status}{'>' + self.to if self.to else ''}{' (changes)' if self.changes else ''}"


OK = Expect(200)
CREATED = Expect(201)
NO_CONTENT = Expect(204)
TO_LOGIN = Expect(302, "login")
TO_HOME = Expect(302, "home")
LOGGED_OUT = Expect(302, "login page")  # the login page itself, no ?next=
TO_DETAIL = Expect(302, "detail")
TO_INBOX = Expect(302, "inbox")
TO_DELEGATIONS = Expect(302, "delegations")
UNAUTHORIZED = Expect(401)
FORBIDDEN = Expect(403)
NOT_FOUND = Expect(404)
NOT_ALLOWED = Expect(405)
CONFLICT = Expect(409)


def changes(expect: Expect) -> Expect:
    return Expect(expect.status, expect.to, changes=True)


@dataclass(frozen=True)
class Case:
    route: str  # a URL name ("receptions:detail") or an API operation ("GET /api/v1/receptions/{reception_id}")
    method: str
    variant: str  # which object: a request's state, "pending"/"decided" task, "own" notification, "" for none
    expect: dict[str, Expect]
    check: str = ""  # an extra check of the body: "receptions", "tasks", "inbox", "delegations", "me"
    data: dict | None = None  # the body or query (completed per role in _send)

    @property
    def id(self) -> str:
        method = "" if self.method == "GET" or self.route.split(" ")[0] == self.method else f"{self.method} "
        return f"{method}{self.route}" + (f"[{self.variant}]" if self.variant else "")


def everyone(expect: Expect, anonymous: Expect = TO_LOGIN, **overrides: Expect) -> dict[str, Expect]:
    return {role: overrides.get(role, anonymous if role == "anonymous" else expect) for role in ROLES}


def readable(state: str, ok: Expect, anonymous: Expect = TO_LOGIN) -> dict[str, Expect]:
    """Who may see the request: `ok`; anyone else: 404 (someone else's request is as good as missing)."""
    return {role: anonymous if role == "anonymous" else (ok if state in VISIBLE[role] else NOT_FOUND) for role in ROLES}


def requester_only(
    state: str, *, ok: Expect | None, wrong_state: Expect, others: Expect = FORBIDDEN, anonymous: Expect = TO_LOGIN
) -> dict[str, Expect]:
    """An action of the requester: `ok` in the right state (None: this is not the right state), else `wrong_state`;
    anyone else who may see the request gets `others` (403), anyone who may not, 404."""
    expect = readable(state, others, anonymous)
    expect["requester"] = ok if ok is not None else wrong_state
    return expect


def assignee_only(ok: Expect, anonymous: Expect = TO_LOGIN) -> dict[str, Expect]:
    """Approval tasks: the assignee (the head) only; someone else's task is a 404."""
    return everyone(NOT_FOUND, anonymous, head=ok)


def form_data(version: int | None = None) -> dict:
    """What the browser posts for a complete, ordinary request (Shanghai wall-clock times)."""
    start = (timezone.now() + timedelta(days=40)).astimezone(LOCAL_TZ).replace(hour=9, minute=0, microsecond=0)
    return {
        "purpose": "权限矩阵：修改后的来访目的",
        "visit_start": start.strftime("%Y-%m-%dT%H:%M"),
        "visit_end": (start + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"),
        "visitor_count": "2",
        "escort_needs": "",
        "importance": "normal",
        "estimated_cost": "3000.00",
        "expected_version": "" if version is None else str(version),
        "action": "save",
        "client_name": ["林海"],
        "client_organization": ["华东精密机械有限公司"],
        "client_title": [""],
        "client_phone": [""],
        "client_email": [""],
    }


def _web_cases() -> list[Case]:
    cases = [
        # The login page is public; someone logged in is sent home. Logout is POST-only (Django 5+).
        Case("login", "GET", "", everyone(TO_HOME, anonymous=OK)),
        Case("login", "POST", "", everyone(TO_HOME, anonymous=TO_HOME)),  # each posts their own password
        Case("logout", "GET", "", everyone(NOT_ALLOWED, anonymous=NOT_ALLOWED)),
        Case("logout", "POST", "", everyone(LOGGED_OUT, anonymous=LOGGED_OUT)),
        Case("healthz", "GET", "", everyone(OK, anonymous=OK)),  # public: the proxy's liveness probe
        Case("home", "GET", "", everyone(OK)),
        Case("receptions:list", "GET", "", everyone(OK), check="receptions"),
        Case("receptions:create", "GET", "", everyone(OK)),
        # Anyone with a department may file a request; the superuser has none (403).
        Case("receptions:create", "POST", "", everyone(changes(TO_DETAIL), sysadmin=FORBIDDEN), data=form_data()),
        # The client directory (policy 2.1.1: kept for reuse) is open to every member of staff.
        Case("receptions:client_search", "GET", "", everyone(OK)),
        Case("receptions:submit", "GET", "draft", everyone(NOT_ALLOWED)),
        Case("approvals:tasks", "GET", "", everyone(OK), check="tasks"),
        Case("notify:inbox", "GET", "", everyone(OK), check="inbox"),
        Case("notify:read_all", "GET", "", everyone(NOT_ALLOWED)),
        # Marks the caller's own notifications read, nobody else's (the state check proves it).
        Case(
            "notify:read_all",
            "POST",
            "",
            {role: changes(TO_INBOX) if INBOX[role] else TO_INBOX for role in LOGGED_IN} | {"anonymous": TO_LOGIN},
        ),
        Case("notify:open", "GET", "own", everyone(NOT_FOUND, requester=changes(Expect(302, "link")))),
        Case("notify:read", "GET", "own", everyone(NOT_ALLOWED)),
        Case("notify:read", "POST", "own", everyone(NOT_FOUND, requester=changes(TO_INBOX))),
        Case("workdays:calendar", "GET", "", everyone(OK)),
        # Delegation while away: one's own, given or received; only the delegator revokes (the delegate: 404).
        Case("org:delegations", "GET", "", everyone(OK), check="delegations"),
        Case("org:delegations", "POST", "", everyone(changes(TO_DELEGATIONS)), data={"delegate": "admin_head"}),
        Case("org:delegation_revoke", "GET", "own", everyone(NOT_ALLOWED)),
        Case("org:delegation_revoke", "POST", "own", everyone(NOT_FOUND, requester=changes(TO_DELEGATIONS))),
        # The API's schema and docs are public on purpose: they describe the API, they hold no data.
        Case("api:openapi-json", "GET", "", everyone(OK, anonymous=OK)),
        Case("api:openapi-view", "GET", "", everyone(OK, anonymous=OK)),
        # /api/v1/ itself and any unknown path under it: a JSON 404, whoever asks.
        Case("api:api-root", "GET", "", everyone(NOT_FOUND, anonymous=NOT_FOUND)),
        Case("api:unknown", "GET", "", everyone(NOT_FOUND, anonymous=NOT_FOUND)),
    ]
    for state in STATES:
        editable = state in EDITABLE
        cases += [
            Case("receptions:detail", "GET", state, readable(state, OK)),
            Case("receptions:print", "GET", state, readable(state, OK)),
            # The edit page: the requester while editable; anyone else who may see it 403; the rest 404.
            Case(
                "receptions:edit",
                "GET",
                state,
                requester_only(state, ok=OK if editable else None, wrong_state=FORBIDDEN),
            ),
            Case(
                "receptions:edit",
                "POST",
                state,
                requester_only(state, ok=changes(TO_DETAIL) if editable else None, wrong_state=FORBIDDEN),
                data={"version_of": state},
            ),
            # Submitting in the wrong state is a conflict: a message and back to the request, nothing changes.
            Case(
                "receptions:submit",
                "POST",
                state,
                requester_only(state, ok=changes(TO_DETAIL) if editable else None, wrong_state=TO_DETAIL),
            ),
            # Withdraw (GET asks for confirmation): the requester while pending; anyone else who may see the
            # request is sent back to it on GET and refused (403) on POST.
            Case(
                "receptions:withdraw",
                "GET",
                state,
                requester_only(state, ok=OK if state == "pending" else None, wrong_state=TO_DETAIL, others=TO_DETAIL),
            ),
            Case(
                "receptions:withdraw",
                "POST",
                state,
                requester_only(state, ok=changes(TO_DETAIL) if state == "pending" else None, wrong_state=TO_DETAIL),
                data={"comment": "客户改期"},
            ),
        ]
    cases += [
        # The task page sends the assignee to the request's decision panel; a decided task back to the request.
        Case("approvals:task", "GET", "pending", assignee_only(TO_DETAIL)),
        Case("approvals:task", "GET", "decided", assignee_only(TO_DETAIL)),
        Case("approvals:task", "POST", "pending", assignee_only(changes(TO_DETAIL)), data={"decision": "approve"}),
        Case("approvals:task", "POST", "decided", assignee_only(TO_DETAIL), data={"decision": "approve"}),
    ]
    return cases


def _api_cases() -> list[Case]:
    v1 = "/api/v1"
    denied = {"anonymous": UNAUTHORIZED}
    cases = [
        # Public (auth=None): each role exchanges its own password for a token (anonymous: sales_rep's).
        Case(f"POST {v1}/auth/token", "POST", "", everyone(changes(OK), anonymous=changes(OK))),
        Case(f"DELETE {v1}/auth/token", "DELETE", "", everyone(changes(NO_CONTENT), **denied)),
        Case(f"GET {v1}/me", "GET", "", everyone(OK, **denied), check="me"),
        Case(f"GET {v1}/receptions", "GET", "", everyone(OK, **denied), check="receptions"),
        Case(
            f"POST {v1}/receptions",
            "POST",
            "",
            everyone(changes(CREATED), sysadmin=FORBIDDEN, **denied),
            data={"purpose": "权限矩阵：新的草稿"},
        ),
        Case(f"GET {v1}/approvals/tasks", "GET", "", everyone(OK, **denied), check="tasks"),
        Case(f"GET {v1}/notifications", "GET", "", everyone(OK, **denied), check="inbox"),
        Case(
            f"POST {v1}/notifications/read-all",
            "POST",
            "",
            {role: changes(OK) if INBOX[role] else OK for role in LOGGED_IN} | denied,
        ),
        Case(
            f"POST {v1}/notifications/{{notification_id}}/read",
            "POST",
            "own",
            everyone(NOT_FOUND, requester=changes(OK), **denied),
        ),
        Case(f"GET {v1}/workdays/shift", "GET", "", everyone(OK, **denied), data={"date": "2026-09-30", "days": 3}),
        Case(
            f"POST {v1}/approvals/tasks/{{task_id}}/decide",
            "POST",
            "pending",
            assignee_only(changes(OK), UNAUTHORIZED),
            data={"decision": "approve"},
        ),
        Case(
            f"POST {v1}/approvals/tasks/{{task_id}}/decide",
            "POST",
            "decided",
            assignee_only(CONFLICT, UNAUTHORIZED),
            data={"decision": "approve"},
        ),
    ]
    for state in STATES:
        editable = state in EDITABLE
        one = f"{v1}/receptions/{{reception_id}}"
        cases += [
            Case(f"GET {one}", "GET", state, readable(state, OK, UNAUTHORIZED)),
            Case(
                f"PATCH {one}",
                "PATCH",
                state,
                requester_only(
                    state, ok=changes(OK) if editable else None, wrong_state=CONFLICT, anonymous=UNAUTHORIZED
                ),
                data={"purpose": "权限矩阵：改过的目的"},
            ),
            Case(
                f"POST {one}/submit",
                "POST",
                state,
                requester_only(
                    state, ok=changes(OK) if editable else None, wrong_state=CONFLICT, anonymous=UNAUTHORIZED
                ),
            ),
            Case(
                f"POST {one}/withdraw",
                "POST",
                state,
                requester_only(
                    state,
                    ok=changes(OK) if state == "pending" else None,
                    wrong_state=CONFLICT,
                    anonymous=UNAUTHORIZED,
                ),
                data={"comment": "客户改期"},
            ),
        ]
    return cases


WEB_CASES = _web_cases()
API_CASES = _api_cases()
CASES = WEB_CASES + API_CASES


# ---------------------------------------------------------------------------------------------------- discovery

# Not part of the matrix: Django's language switch (public by design, it only sets a cookie) and the admin,
# which `test_admin_is_for_staff_only` covers as a whole.
NOT_IN_MATRIX = {"set_language"}
# The apps' own matrices: each module lists its pages (WEB_ROUTES, URL names) and API operations (API_ROUTES).
SUB_MATRICES = [
    "jiedai.planning.tests.test_permission_matrix",
    "jiedai.expenses.tests.test_permission_matrix",
    "jiedai.expenses.tests.test_supplementary_matrix",
    "jiedai.expenses.tests.test_analytics_matrix",
    "jiedai.expenses.tests.test_export_matrix",
    "jiedai.expenses.tests.test_oversight_matrix",
]


def _sub_matrix_routes(kind: str) -> set[str]:
    routes = set()
    for name in SUB_MATRICES:
        routes |= getattr(importlib.import_module(name), kind)
    return routes


def _routes(resolver=None, namespace=(), prefix="") -> tuple[dict[str, str], list[str]]:
    """Every named URL of the project (`ns:name` -> its route) and the routes that have no name (admin aside)."""
    named, unnamed = {}, []
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            ns = (*namespace, pattern.namespace) if pattern.namespace else namespace
            if ns[:1] == ("admin",):
                continue
            sub_named, sub_unnamed = _routes(pattern, ns, route)
            named |= sub_named
            unnamed += sub_unnamed
        elif pattern.name:
            named[":".join((*namespace, pattern.name))] = route
        else:
            unnamed.append(route)
    return named, unnamed


def _api_operations() -> set[str]:
    """Every operation of the ninja API, as "METHOD /api/v1/path" (from its OpenAPI schema)."""
    schema = api.get_openapi_schema()
    return {f"{method.upper()} {path}" for path, methods in schema["paths"].items() for method in methods}


def _as_openapi_path(route: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def test_every_route_is_in_the_matrix():
    named, unnamed = _routes()
    operations = _api_operations()
    assert not unnamed, f"routes without a name cannot be listed in the matrix: {unnamed}"
    # The API's operations are listed by method and path (below); their URL names are ninja's business.
    operation_paths = {operation.split(" ", 1)[1] for operation in operations}
    pages = {name for name, route in named.items() if _as_openapi_path(route) not in operation_paths}
    listed = {c.route for c in WEB_CASES} | _sub_matrix_routes("WEB_ROUTES")
    assert pages - NOT_IN_MATRIX == listed, "a page changed: update the permission matrix"
    listed = {c.route for c in API_CASES} | _sub_matrix_routes("API_ROUTES")
    assert operations == listed, "an API operation changed: update the permission matrix"


def test_every_case_says_what_each_role_gets():
    for case in CASES:
        assert set(case.expect) == set(ROLES), case.id
    assert len({(c.id, c.method) for c in CASES}) == len(CASES)


# ---------------------------------------------------------------------------------------------------- the world


@dataclass
class World:
    users: dict[str, User]  # by role
    receptions: dict[str, int]  # by state
    tasks: dict[str, int]  # "pending": the head's open task; "decided": the head's approved task
    notification: int  # the requester's "approved" notification
    delegation: int  # the requester's delegation to coord_member (tech_eng), from tomorrow for a week
    tokens: dict[str, str]  # by role

    def version(self, state: str) -> int:
        return Reception.objects.values_list("version", flat=True).get(pk=self.receptions[state])


def _decide(users, reception, username, decision="approve", comment=""):
    task = ApprovalTask.objects.get(
        instance__document_type="reception",
        instance__document_id=reception.pk,
        status=TaskStatus.PENDING,
        assignee=users[username],
    )
    approval_task_decide(task_id=task.pk, by=users[username], decision=decision, comment=comment)
    return task


def build_world() -> World:
    from jiedai.approvals.seeds import ensure_seed_flows
    from jiedai.org.demo import ensure_demo_org

    ensure_seed_flows()
    people = ensure_demo_org()
    add_outsider(people)

    def submitted(**overrides):
        reception = reception_create(by=people["sales_rep"], data=important_data(people, **overrides))
        return reception_submit(reception_id=reception.pk, by=people["sales_rep"])

    draft = reception_create(by=people["sales_rep"], data=request_data(purpose="权限矩阵：草稿"))
    pending = submitted(purpose="权限矩阵：审批中")
    approved = submitted(purpose="权限矩阵：已通过")
    decided = _decide(people, approved, "sales_head")
    _decide(people, approved, "vp_sales")
    _decide(people, approved, "gm")
    returned = submitted(purpose="权限矩阵：已退回")
    _decide(people, returned, "sales_head", "return", "请补充预算明细")

    pending_task = ApprovalTask.objects.get(
        instance__document_id=pending.pk, instance__document_type="reception", status=TaskStatus.PENDING
    )
    users = {role: people[username] for role, username in ROLES.items() if username}
    world = World(
        users=users,
        receptions={"draft": draft.pk, "pending": pending.pk, "approved": approved.pk, "returned": returned.pk},
        tasks={"pending": pending_task.pk, "decided": decided.pk},
        notification=Notification.objects.get(recipient=people["sales_rep"], kind="approved").pk,
        tokens={role: ApiToken.issue(user) for role, user in users.items()},
        delegation=delegation_create(
            by=users["requester"],
            delegate=users["coord_member"],
            starts_at=timezone.now() + timedelta(days=1),
            ends_at=timezone.now() + timedelta(days=8),
            reason="出差",
        ).pk,
    )
    statuses = dict(Reception.objects.filter(pk__in=world.receptions.values()).values_list("pk", "status"))
    assert [statuses[world.receptions[s]] for s in STATES] == ["draft", "pending_approval", "approved", "returned"]
    return world


@pytest.fixture(scope="class")
def world(django_db_setup, django_db_blocker):
    """The requests, built once for TestMatrix in a transaction that is rolled back when the class is done (so
    the query-count test after it starts from an empty database). Each test's own `db` fixture opens a savepoint
    inside it, so whatever a test changes is undone before the next."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


# ---------------------------------------------------------------------------------------------------- requests


@pytest.fixture(scope="module")
def browser() -> Client:
    """One test client for the module: a new Client builds a new handler, and loading the middleware (whitenoise
    indexes every static file) would cost more than the request itself. Each case starts with no cookies."""
    return Client()


def _path(case: Case, world: World) -> str:
    if " " in case.route:  # an API operation
        path = case.route.split(" ", 1)[1]
        kwargs = {
            "reception_id": world.receptions.get(case.variant),
            "task_id": world.tasks.get(case.variant),
            "notification_id": world.notification,
        }
        return re.sub(r"\{(\w+)\}", lambda m: str(kwargs[m.group(1)]), path)
    if case.route == "api:unknown":
        return "/api/v1/no-such-thing"
    if case.route.startswith("receptions:") and case.variant:
        return reverse(case.route, args=[world.receptions[case.variant]])
    if case.route == "approvals:task":
        return reverse(case.route, args=[world.tasks[case.variant]])
    if case.route in {"notify:open", "notify:read"}:
        return reverse(case.route, args=[world.notification])
    if case.route == "org:delegation_revoke":
        return reverse(case.route, args=[world.delegation])
    return reverse(case.route)


def _send(client: Client, case: Case, role: str, world: World):
    path = _path(case, world)
    api = " " in case.route
    username = ROLES[role]
    client.cookies = SimpleCookie()  # a fresh browser: no session, no CSRF cookie
    headers = {}
    if api and username:
        headers["Authorization"] = f"Bearer {world.tokens[role]}"
    elif username:
        client.force_login(world.users[role])
    data = dict(case.data or {})
    if case.route == "receptions:edit" and case.method == "POST":
        data = form_data(world.version(data["version_of"]))
    if case.route == "login" and case.method == "POST":
        data = {"username": username or "sales_rep", "password": DEMO_PASSWORD}
    if case.route.endswith("/auth/token") and case.method == "POST":
        data = {"username": username or "sales_rep", "password": DEMO_PASSWORD}
    if case.route == "org:delegations" and case.method == "POST":
        starts = timezone.now().astimezone(LOCAL_TZ) + timedelta(days=2)
        data = {
            "delegate": User.objects.get(username=data["delegate"]).pk,
            "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (starts + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
            "reason": "休假",
        }
    if case.route == "receptions:client_search":
        data = {"q": "华东"}
    if case.method == "GET":
        return client.get(path, data, headers=headers)
    if api:
        body, content_type = (json.dumps(data) if data else ""), "application/json"
    else:
        body, content_type = urlencode(data, doseq=True), "application/x-www-form-urlencoded"
    return client.generic(case.method, path, body, content_type=content_type, headers=headers)


def state_of_the_world() -> dict:
    """Everything a request could change that the matrix cares about (GETs marking a copy as read excepted)."""
    return {
        "receptions": sorted(Reception.objects.values_list("pk", "status", "version")),
        "history": ReceptionHistory.objects.count(),
        "instances": sorted(ApprovalInstance.objects.values_list("pk", "status", "round")),
        "tasks": sorted(ApprovalTask.objects.values_list("pk", "status")),
        "events": ApprovalEvent.objects.count(),
        "notifications": sorted(
            (pk, recipient, read_at is None)
            for pk, recipient, read_at in Notification.objects.values_list("pk", "recipient_id", "read_at")
        ),
        "tokens": ApiToken.objects.count(),
        "delegations": sorted(Delegation.objects.values_list("pk", "revoked")),
    }


def _where(response, expect: Expect, case: Case, world: World) -> None:
    location = response["Location"]
    path = urlsplit(location).path
    match expect.to:
        case "login":
            assert path == reverse("login"), location
            assert parse_qs(urlsplit(location).query)["next"][0].startswith(response.request["PATH_INFO"]), location
        case "login page":
            assert location == reverse("login"), location
        case "home":
            assert path == reverse("home"), location
        case "inbox":
            assert path == reverse("notify:inbox"), location
        case "delegations":
            assert path == reverse("org:delegations"), location
        case "link":
            assert location == Notification.objects.get(pk=world.notification).url
        case "detail":
            # A task's page leads to its request: the open task is on the pending one, the decided on the approved.
            state = {"pending": "pending", "decided": "approved"} if case.route == "approvals:task" else {}
            state = state.get(case.variant, case.variant)
            if state:
                assert path == reverse("receptions:detail", args=[world.receptions[state]]), location
            else:  # a new request
                new = re.fullmatch(r"/receptions/(\d+)/", path)
                assert new and int(new[1]) not in world.receptions.values(), location
        case _:
            raise AssertionError(f"unknown redirect target {expect.to}")


def _listed_receptions(response, api: bool) -> set[int]:
    if api:
        body = response.json()
        assert body["count"] == len(body["items"])
        return {item["id"] for item in body["items"]}
    ids = {r.pk for r in response.context["receptions"]}
    assert response.context["page_obj"].paginator.count == len(ids)
    html = response.content.decode()
    assert {int(pk) for pk in re.findall(r'href="/receptions/(\d+)/"', html)} == ids  # the rows shown
    return ids


def _check_body(case: Case, role: str, world: World, response) -> None:
    api = " " in case.route
    user = world.users.get(role)
    match case.check:
        case "receptions":
            expected = {world.receptions[s] for s in VISIBLE[role]}
            assert _listed_receptions(response, api) == expected
        case "tasks":
            expected = {world.tasks[v] for v in OPEN_TASKS[role]}
            if api:
                assert {t["id"] for t in response.json()["items"]} == expected
            else:
                assert {t.pk for t in response.context["tasks"]} == expected
                html = response.content.decode()
                for pk in expected:
                    assert reverse("approvals:task", args=[pk]) in html
        case "inbox":
            own = Notification.objects.filter(recipient=user)
            if api:
                items = response.json()["items"]
                assert {n["id"] for n in items} == set(own.values_list("pk", flat=True))
                kinds = [n["kind"] for n in items]
            else:
                shown = response.context["notifications"]
                assert all(n.recipient_id == user.pk for n in shown)
                kinds = [n.kind for n in shown]
            assert sorted(kinds) == INBOX[role]
        case "delegations":
            shown = {d.pk for d in response.context["delegations"]}
            assert shown == ({world.delegation} if role in {"requester", "coord_member"} else set())
        case "me":
            assert response.json()["username"] == user.username
        case "":
            pass
        case _:
            raise AssertionError(case.check)


class TestMatrix:
    """Everything that runs against the requests (built once for the class, see `world`)."""

    @pytest.mark.parametrize(
        ("role", "case"),
        [pytest.param(role, case, id=f"{role}-{case.id}") for case in CASES for role in ROLES],
    )
    def test_permission_matrix(self, world, browser, db, role, case):
        expect = case.expect[role]
        before = state_of_the_world()
        response = _send(browser, case, role, world)
        assert response.status_code == expect.status, (
            f"{role} {case.method} {case.route}[{case.variant}]: expected {expect}, got {response.status_code} "
            f"{response.get('Location', '')}"
        )
        if expect.to:
            _where(response, expect, case, world)
        if " " in case.route or case.route.startswith("api:"):
            assert response["Content-Type"].startswith("application/json") or case.route == "api:openapi-view"
            if expect.status == 401:
                assert response["WWW-Authenticate"] == "Bearer"
            if expect.status >= 400:
                assert set(response.json()) == {"detail", "errors"}
        if expect.status == 200:
            _check_body(case, role, world, response)
        after = state_of_the_world()
        if expect.changes:
            assert after != before, "the action was allowed but changed nothing"
            # Whatever changed, nobody else's notifications were marked read.
            read_before = {pk: unread for pk, _r, unread in before["notifications"]}
            for pk, recipient, unread in after["notifications"]:
                if pk in read_before and read_before[pk] != unread:
                    assert recipient == world.users[role].pk
        else:
            # Opening a request reads the caller's own notifications about it; nothing else may change.
            me = world.users[role].pk if ROLES[role] else None

            def ignoring_my_reads(state):
                mine = [(pk, r, None if r == me else unread) for pk, r, unread in state["notifications"]]
                return {**state, "notifications": mine}

            assert ignoring_my_reads(after) == ignoring_my_reads(before), (
                "a denied (or read-only) request changed the state"
            )

    @pytest.mark.parametrize("role", list(ROLES))
    def test_admin_is_for_staff_only(self, world, db, role):
        """Only staff (the superuser) gets the admin; everyone else is sent to the admin's own login page."""
        client = Client()
        if ROLES[role]:
            client.force_login(world.users[role])
        for path in (
            "/admin/",
            "/admin/receptions/reception/",
            f"/admin/receptions/reception/{world.receptions['draft']}/change/",
        ):
            response = client.get(path)
            if role == "sysadmin":
                assert response.status_code == 200, path
            else:
                assert response.status_code == 302, path
                assert urlsplit(response["Location"]).path == "/admin/login/", path

    def test_csrf_is_enforced_on_web_posts(self, world, db):
        client = Client(enforce_csrf_checks=True)
        client.force_login(world.users["requester"])
        url = reverse("receptions:submit", args=[world.receptions["draft"]])
        before = state_of_the_world()
        assert client.post(url).status_code == 403
        assert state_of_the_world() == before
        # With the token from a page, the same POST goes through (so the 403 above was the CSRF check).
        client.get(reverse("receptions:detail", args=[world.receptions["draft"]]))
        token = client.cookies["csrftoken"].value
        response = client.post(url, {"csrfmiddlewaretoken": token})
        assert response.status_code == 302
        assert Reception.objects.get(pk=world.receptions["draft"]).status == "pending_approval"

    def test_the_api_does_not_take_the_session(self, world, db):
        """A logged-in browser session is not an API credential: without a Bearer token the API answers 401 (so a
        cross-site form cannot use the session against the CSRF-exempt API)."""
        client = Client()
        client.force_login(world.users["requester"])
        before = state_of_the_world()
        for method, path, body in (
            ("GET", "/api/v1/receptions", None),
            ("GET", "/api/v1/me", None),
            ("POST", "/api/v1/receptions", {"purpose": "会话不能调用 API"}),
            ("POST", f"/api/v1/receptions/{world.receptions['draft']}/submit", None),
        ):
            response = client.generic(method, path, json.dumps(body) if body else "", content_type="application/json")
            assert response.status_code == 401, (method, path)
            assert response["WWW-Authenticate"] == "Bearer"
        assert state_of_the_world() == before

    def test_a_bad_or_revoked_token_is_401(self, world, db):
        token = world.tokens["requester"]
        assert Client(headers={"Authorization": "Bearer not-a-token"}).get("/api/v1/me").status_code == 401
        assert Client(headers={"Authorization": f"Token {token}"}).get("/api/v1/me").status_code == 401
        client = Client(headers={"Authorization": f"Bearer {token}"})
        assert client.delete("/api/v1/auth/token").status_code == 204
        assert client.get("/api/v1/me").status_code == 401

    def test_a_deactivated_person_is_shut_out(self, world, db):
        """Leaving the company ends access at once: the session no longer logs in, the token no longer works."""
        client = Client()
        client.force_login(world.users["requester"])
        User.objects.filter(pk=world.users["requester"].pk).update(is_active=False)
        response = client.get(reverse("receptions:detail", args=[world.receptions["draft"]]))
        assert response.status_code == 302 and urlsplit(response["Location"]).path == reverse("login")
        token = world.tokens["requester"]
        assert Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/receptions").status_code == 401


# ---------------------------------------------------------------------------------------------------- query counts

# What each list costs, the same at 1 and at 500 rows of each kind (DESIGN: list pages pin their query count).
# The viewer is sales_head, who has a pending task on each of sales_rep's requests, files requests of their own
# and is copied on tech's.
PINNED_QUERIES = {
    # session, user, GM role check (access layer), the count cache's stamp, count (a cache miss), page, clients
    # prefetch, 2 navigation counts (pending tasks, unread notifications), the user's department in the menu
    "/receptions/": 10,
    # session, user, count, page (tasks with instance, applicant, department, step), 2 navigation counts,
    # the user's roles (the navigation's logistics link), the user's department
    "/approvals/tasks/": 8,
    # session, user, the user's company roles (once); pending tasks: count + first 5; my requests: pending count +
    # first 5 + their clients; copied: unread count + first 5; unread notifications: count + first 5; upcoming:
    # first 5; my preparation tasks; the plans I have to write (policy 3.1.2, 3.2.2); 2 navigation counts; the
    # user's department
    "/": 18,
    # session, user, count, page, unread count (the page's), 2 navigation counts, the user's roles, the user's
    # department
    "/notifications/": 9,
    # token (with its user), GM role check, the count cache's stamp, count (a cache miss), page, coordinating
    # departments, clients, history, approval instances, their current tasks, their CC records
    "/api/v1/receptions": 11,
    # token (with its user), count, one page of pending tasks with instance, step and delegator
    "/api/v1/approvals/tasks": 3,
    # token (with its user), the newest 100 notifications
    "/api/v1/notifications": 2,
}


def _request_rows(people) -> list[Reception]:
    """One of each kind of row sales_head sees, through the services."""
    soon = (timezone.now() + timedelta(days=7)).replace(hour=9, minute=0, second=0, microsecond=0)
    visit = {"visit_start": soon, "visit_end": soon + timedelta(hours=8)}
    # sales_rep's request waiting for sales_head (a pending task, a notification, a row in the lists)
    pending = reception_create(by=people["sales_rep"], data=important_data(people, purpose="待审批"))
    pending = reception_submit(reception_id=pending.pk, by=people["sales_rep"])
    # sales_head's own request, approved (the head step skips its own requester): my requests, upcoming
    mine = reception_create(
        by=people["sales_head"],
        data=important_data(people, purpose="我的申请", **visit) | {"lead": people["sales_head"]},
    )
    mine = reception_submit(reception_id=mine.pk, by=people["sales_head"])
    _decide(people, mine, "vp_sales")
    _decide(people, mine, "gm")
    # tech's request with sales coordinating, approved: copied to sales_head
    copied = reception_create(
        by=people["tech_eng"],
        data=important_data(people, purpose="抄送给我", **visit)
        | {"lead": people["tech_eng"], "coordinating_departments": ["sales"]},
    )
    copied = reception_submit(reception_id=copied.pk, by=people["tech_eng"])
    for approver in ("tech_head", "vp_ops", "gm"):
        _decide(people, copied, approver)
    return [pending, mine, copied]


def _measure(web: Client, token: str) -> tuple[dict[str, int], dict[str, object]]:
    counts, seen = {}, {}
    for url in PINNED_QUERIES:
        api = url.startswith("/api/")
        headers = {"Authorization": f"Bearer {token}"} if api else {}
        cache.clear()  # the worst case: list totals not cached yet
        with CaptureQueriesContext(connection) as queries:
            response = web.get(url, headers=headers)
        assert response.status_code == 200, url
        counts[url] = len(queries)
        if api:
            body = response.json()
            seen[url] = (body.get("count"), len(body["items"]))
        elif url == "/":
            home = response.context["home"]
            seen[url] = (
                home.pending_count,
                home.cc_unread_count,
                home.unread_count,
                [
                    len(x)
                    for x in (home.pending_tasks, home.my_requests, home.copied, home.notifications, home.upcoming)
                ],
            )
        else:
            page = response.context["page_obj"]
            seen[url] = (page.paginator.count, len(page.object_list))
    return counts, seen


def test_list_query_counts_are_pinned_at_1_and_500_rows(people):
    viewer = people["sales_head"]
    web = Client()
    web.force_login(viewer)
    token = ApiToken.issue(viewer)
    templates = _request_rows(people)
    web.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})  # the token's first use records it
    one, seen_one = _measure(web, token)
    assert seen_one == {
        "/receptions/": (3, 3),
        "/approvals/tasks/": (1, 1),
        "/": (1, 1, 3, [1, 1, 1, 3, 2]),
        "/notifications/": (3, 3),
        "/api/v1/receptions": (3, 3),
        "/api/v1/approvals/tasks": (1, 1),
        "/api/v1/notifications": (None, 3),
    }
    for template in templates:
        clone_reception(template, 499)
    many, seen_many = _measure(web, token)
    assert seen_many == {
        "/receptions/": (1500, 20),
        "/approvals/tasks/": (500, 20),
        "/": (500, 500, 1500, [5, 5, 5, 5, 5]),
        "/notifications/": (1500, 25),
        "/api/v1/receptions": (1500, 20),
        "/api/v1/approvals/tasks": (500, 50),
        "/api/v1/notifications": (None, 100),
    }
    assert one == many == PINNED_QUERIES
