"""The budget's permission matrix (policy 5.1): every budget page, action and API operation, walked by every role
(the roles of jiedai/core/tests/matrix_roles.py), allowed or denied as the table says. The core matrix's
`test_every_route_is_in_the_matrix` counts the routes listed here.

Who is who on the money (expenses.access): the requester (sales_rep, also the lead) is the only editor. Readers:
the host head and supervising leader, the GM, finance and the superuser. Administration and the coordinating
department (tech: its head and members) see the plan but not the money: 404, like the outsider (qa)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from http.cookies import SimpleCookie

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from jiedai.approvals.models import ApprovalTask
from jiedai.core.tests.matrix_roles import ROLES, add_outsider
from jiedai.expenses.models import Budget, BudgetHistory, BudgetLine, ExpenseCategory, MoneyStatus
from jiedai.expenses.seeds import ensure_categories
from jiedai.expenses.services.budgets import budget_save_lines, budget_submit, budget_withdraw
from jiedai.org.models import ApiToken, User
from jiedai.planning.tests.factories import approved_reception

READERS = {"requester", "head", "leader", "gm", "finance", "sysadmin"}

OK, ALLOWED, LOGIN, FORBIDDEN, NOT_FOUND = "200", "allowed", "login", "403", "404"


def _rule(allowed: set[str], *, ok=ALLOWED) -> dict[str, str]:
    """`allowed` roles get `ok`; the other money readers 403; everyone else 404; anonymous the login page."""
    out = {}
    for role in ROLES:
        if role == "anonymous":
            out[role] = LOGIN
        elif role in allowed:
            out[role] = ok
        elif role in READERS:
            out[role] = FORBIDDEN
        else:
            out[role] = NOT_FOUND
    return out


READ = _rule(READERS, ok=OK)
EDIT = _rule({"requester"})


def _api(rule: dict[str, str]) -> dict[str, str]:
    """The same rule over the API: anonymous gets 401; an allowed call (with a valid body) succeeds (2xx)."""
    return {role: ("401" if role == "anonymous" else expect) for role, expect in rule.items()}


API_READ, API_EDIT = _api(READ), _api(EDIT)


@dataclass(frozen=True)
class Case:
    route: str
    method: str
    expect: dict[str, str]
    needs: str = ""  # the budget's state an allowed call needs: "draft" or "pending"

    @property
    def id(self) -> str:
        return f"{self.method} {self.route}"


WEB_CASES = [
    Case("expenses:budget", "GET", READ),
    Case("expenses:budget", "POST", EDIT, "draft"),
    Case("expenses:budget_submit", "POST", EDIT, "draft"),
    Case("expenses:budget_withdraw", "POST", EDIT, "pending"),
]
BUDGET_API = "/api/v1/receptions/{reception_id}/budget"
API_CASES = [
    Case(f"GET {BUDGET_API}", "GET", API_READ),
    Case(f"PUT {BUDGET_API}", "PUT", API_EDIT, "draft"),
    Case(f"POST {BUDGET_API}/submit", "POST", API_EDIT, "draft"),
    Case(f"POST {BUDGET_API}/withdraw", "POST", API_EDIT, "pending"),
]
CASES = WEB_CASES + API_CASES
WEB_ROUTES = {case.route for case in WEB_CASES}
API_ROUTES = {case.route for case in API_CASES}


@dataclass
class World:
    users: dict[str, User]
    people: dict[str, User]
    reception: int
    category: int
    tokens: dict[str, str]


def _line(category: int) -> dict:
    return {"category": category, "description": "矩阵：欢迎午宴", "quantity": "8", "unit_price": "150.00"}


def build_world() -> World:
    from jiedai.approvals.seeds import ensure_seed_flows
    from jiedai.org.demo import ensure_demo_org

    ensure_seed_flows()
    people = ensure_demo_org()
    add_outsider(people)
    ensure_categories()
    category = ExpenseCategory.objects.get(code="catering").pk
    # Important: a coordinating department (tech), whose head and members see the plan, not the money.
    reception = approved_reception(people, important=True)
    budget_save_lines(reception_id=reception.pk, by=people["sales_rep"], lines=[_line(category)])
    users = {role: people[username] for role, username in ROLES.items() if username}
    tokens = {role: ApiToken.issue(user) for role, user in users.items()}
    return World(users=users, people=people, reception=reception.pk, category=category, tokens=tokens)


def _prepare(case: Case, world: World) -> None:
    """Put the budget in the state the case's allowed call needs, whatever the cases before it did."""
    budget = Budget.objects.get(reception_id=world.reception)
    editor = world.people["sales_rep"]
    if case.needs == "draft" and budget.status == MoneyStatus.PENDING_APPROVAL:
        budget_withdraw(reception_id=world.reception, by=editor)
    elif case.needs == "pending" and budget.status != MoneyStatus.PENDING_APPROVAL:
        budget_submit(reception_id=world.reception, by=editor)


def _path(case: Case, world: World) -> str:
    if case.route.startswith(("GET ", "POST ", "PUT ")):
        return re.sub(r"\{reception_id\}", str(world.reception), case.route.split(" ", 1)[1])
    return reverse(case.route, kwargs={"pk": world.reception})


def _api_body(case: Case, world: World) -> dict | None:
    if case.method == "PUT":
        return {"lines": [_line(world.category)]}
    return None


def state_of_the_world() -> dict:
    return {
        "budgets": sorted(Budget.objects.values_list("pk", "status", "version", "total")),
        "lines": BudgetLine.objects.count(),
        "history": BudgetHistory.objects.count(),
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
class TestBudgetMatrix:
    @pytest.mark.parametrize("role", list(ROLES))
    @pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
    def test_role_gets_what_the_matrix_says(self, world, browser, case, role):
        expect = case.expect[role]
        browser.cookies = SimpleCookie()
        _prepare(case, world)
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


def test_every_case_says_what_each_role_gets():
    for case in CASES:
        assert set(case.expect) == set(ROLES), case.id
