"""The oversight permission matrix (policy 5.3.2): the anomaly pages, the investigation, the entertainment-tax page
and their API operations, walked by every role of jiedai/core/tests/matrix_roles.py. The core matrix's
`test_every_route_is_in_the_matrix` counts the routes listed here.

Who is who (expenses.access): finance and the superuser read and write everything (investigations, the year's
revenue); the GM reads everything and writes nothing (403). A department's head and supervising leader read the
anomalies of its visits (sales_head, vp_sales: the world's anomaly is on a sales visit) and write nothing (403);
tech_head heads another department: the list opens (empty), the sales anomaly is 404. The tax summary is the
company's: 404 for everyone below the GM. The requester, administration, a coordinating member and the outsider
get 404; anonymous the login page (web) or 401 (API). Every refused call leaves everything as it was."""

from dataclasses import dataclass
from decimal import Decimal
from http.cookies import SimpleCookie

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from jiedai.core.tests.matrix_roles import ROLES, add_outsider
from jiedai.expenses.models import (
    Anomaly,
    CostStandard,
    ExpenseCategory,
    Investigation,
    InvestigationHistory,
    YearRevenue,
    YearRevenueHistory,
)
from jiedai.expenses.seeds import ensure_categories
from jiedai.org.models import ApiToken

OK, ALLOWED, LOGIN, FORBIDDEN, NOT_FOUND = "200", "allowed", "login", "403", "404"
WRITERS = {"finance", "sysadmin"}


def _rule(readers: set[str], writers: set[str] = frozenset(), *, ok=OK) -> dict[str, str]:
    """`writers` get `ok`, the other `readers` 403 (200 if nothing is written), everyone else 404."""
    out = {}
    for role in ROLES:
        if role == "anonymous":
            out[role] = LOGIN
        elif role in writers or (not writers and role in readers):
            out[role] = ok
        elif role in readers:
            out[role] = FORBIDDEN
        else:
            out[role] = NOT_FOUND
    return out


def _api(rule: dict[str, str]) -> dict[str, str]:
    return {role: ("401" if role == "anonymous" else expect) for role, expect in rule.items()}


ALL_MONEY = {"finance", "gm", "sysadmin"}
LIST = _rule({*ALL_MONEY, "head", "leader", "coord_head"})
DETAIL = _rule({*ALL_MONEY, "head", "leader"})
INVESTIGATE = _rule({*ALL_MONEY, "head", "leader"}, WRITERS, ok=ALLOWED)
TAX = _rule(ALL_MONEY)
REVENUE = _rule(ALL_MONEY, WRITERS, ok=ALLOWED)


@dataclass(frozen=True)
class Case:
    route: str
    method: str
    expect: dict[str, str]

    @property
    def id(self) -> str:
        return f"{self.method} {self.route}"


WEB_CASES = [
    Case("expenses:anomalies", "GET", LIST),
    Case("expenses:anomaly", "GET", DETAIL),
    Case("expenses:anomaly", "POST", INVESTIGATE),
    Case("expenses:entertainment_tax", "GET", TAX),
    Case("expenses:entertainment_tax", "POST", REVENUE),
]
API_CASES = [
    Case("GET /api/v1/finance/anomalies", "GET", _api(LIST)),
    Case("GET /api/v1/finance/anomalies/{anomaly_id}", "GET", _api(DETAIL)),
    Case("POST /api/v1/finance/anomalies/{anomaly_id}/investigation", "POST", _api(INVESTIGATE)),
    Case("GET /api/v1/finance/entertainment-tax", "GET", _api(TAX)),
    Case("PUT /api/v1/finance/revenue/{year}", "PUT", _api(REVENUE)),
]
CASES = WEB_CASES + API_CASES
WEB_ROUTES = {case.route for case in WEB_CASES}
API_ROUTES = {case.route for case in API_CASES}
YEAR = 2026


@dataclass
class World:
    users: dict
    tokens: dict
    anomaly: int


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    from jiedai.approvals.seeds import ensure_seed_flows
    from jiedai.expenses.services.anomalies import anomalies_scan
    from jiedai.expenses.tests.oversight_factories import spent_visit
    from jiedai.org.demo import ensure_demo_org

    with django_db_blocker.unblock(), transaction.atomic():
        ensure_seed_flows()
        people = ensure_demo_org()
        add_outsider(people)
        ensure_categories()
        venue = ExpenseCategory.objects.get(code="venue")
        CostStandard.objects.create(category=venue, unit="per_line", limit=Decimal("3000.00"))
        spent_visit(people, [("venue", "3500.00")])  # a sales visit, a line above its standard
        anomalies_scan()
        users = {role: people[username] for role, username in ROLES.items() if username}
        tokens = {role: ApiToken.issue(user) for role, user in users.items()}
        yield World(users, tokens, Anomaly.objects.get().pk)
        transaction.set_rollback(True)


def state_of_the_world():
    return {
        "anomalies": sorted(Anomaly.objects.values_list("pk", "status")),
        "investigations": sorted(Investigation.objects.values_list("pk", "version", "findings", "closed_at")),
        "history": InvestigationHistory.objects.count(),
        "revenue": sorted(YearRevenue.objects.values_list("year", "revenue", "version")),
        "revenue_history": YearRevenueHistory.objects.count(),
    }


def _path(case: Case, world: World) -> str:
    if " " in case.route:
        return case.route.split(" ", 1)[1].replace("{anomaly_id}", str(world.anomaly)).replace("{year}", str(YEAR))
    kwargs = {"pk": world.anomaly} if case.route == "expenses:anomaly" else {}
    return reverse(case.route, kwargs=kwargs)


def _body(case: Case) -> dict:
    if "revenue" in case.route or case.route == "expenses:entertainment_tax":
        return {"year": str(YEAR), "revenue": "1000000.00"}
    return {"findings": "矩阵：核查中"}


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_role_gets_what_the_matrix_says(world, case, role):
    import json

    expect = case.expect[role]
    client = Client()
    client.cookies = SimpleCookie()
    path = _path(case, world)
    before = state_of_the_world()
    if path.startswith("/api/"):
        headers = {"Authorization": f"Bearer {world.tokens[role]}"} if ROLES[role] else {}
        body = _body(case) if case.method != "GET" else None
        if body is not None and "revenue" in case.route:
            body = {"revenue": body["revenue"]}
        data = json.dumps(body) if body is not None else ""
        response = client.generic(case.method, path, data, content_type="application/json", headers=headers)
        if expect == ALLOWED:
            assert response.status_code in (200, 201), (response.status_code, path, response.content[:300])
    else:
        if ROLES[role]:
            client.force_login(world.users[role])
        response = client.get(path) if case.method == "GET" else client.post(path, _body(case))
    status = response.status_code
    if expect == LOGIN:
        assert status == 302 and response["Location"].startswith(reverse("login")), (status, path)
    elif expect == ALLOWED:
        assert status in (200, 201, 302), (status, path)
        assert state_of_the_world() != before, f"{role}: {case.id} should have changed something"
    else:
        assert status == int(expect), (status, path, role)
    if expect != ALLOWED:
        assert state_of_the_world() == before, f"{role} changed something with {case.id}"


def test_every_case_says_what_each_role_gets():
    for case in CASES:
        assert set(case.expect) == set(ROLES), case.id
