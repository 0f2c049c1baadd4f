"""The finance analytics' permission matrix (policy 5.3.2): the page, its Excel export and its API, walked by every
role of jiedai/core/tests/matrix_roles.py. The core matrix's `test_every_route_is_in_the_matrix` counts the routes
listed here.

Who sees the analytics (expenses.access.analytics_departments_for): finance, the GM and the superuser all of it;
a department head (sales_head; tech_head, the coordinating department's head, heads tech) and a supervising
leader (vp_sales) their departments. The requester, administration, a coordinating department's member and the
outsider get 404 (they cannot tell the page exists); anonymous the login page (web) or 401 (API). Every call is a
read: nothing changes."""

from http.cookies import SimpleCookie

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from jiedai.core.tests.matrix_roles import ROLES, add_outsider, assert_answer
from jiedai.expenses.seeds import ensure_categories
from jiedai.org.models import ApiToken

ANALYSTS = {"head", "leader", "gm", "finance", "coord_head", "sysadmin"}


def _expect(api: bool) -> dict[str, str]:
    out = {}
    for role in ROLES:
        if role == "anonymous":
            out[role] = "401" if api else "login"
        else:
            out[role] = "200" if role in ANALYSTS else "404"
    return out


WEB_CASES = {"expenses:analytics": _expect(api=False), "expenses:analytics_export": _expect(api=False)}
API_CASES = {"GET /api/v1/finance/analytics": _expect(api=True)}
WEB_ROUTES = set(WEB_CASES)
API_ROUTES = set(API_CASES)
CASES = [(route, role) for route in [*WEB_CASES, *API_CASES] for role in ROLES]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    from jiedai.approvals.seeds import ensure_seed_flows
    from jiedai.org.demo import ensure_demo_org

    with django_db_blocker.unblock(), transaction.atomic():
        ensure_seed_flows()
        people = ensure_demo_org()
        add_outsider(people)
        ensure_categories()
        users = {role: people[username] for role, username in ROLES.items() if username}
        tokens = {role: ApiToken.issue(user) for role, user in users.items()}
        yield users, tokens
        transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "role"), CASES, ids=[f"{route}-{role}" for route, role in CASES])
def test_role_gets_what_the_matrix_says(world, route, role):
    users, tokens = world
    client = Client()
    client.cookies = SimpleCookie()
    if route.startswith("GET "):
        headers = {"Authorization": f"Bearer {tokens[role]}"} if ROLES[role] else {}
        response = client.get(route.split(" ", 1)[1], headers=headers)
        expect = API_CASES[route][role]
    else:
        if ROLES[role]:
            client.force_login(users[role])
        response = client.get(reverse(route))
        expect = WEB_CASES[route][role]
    assert_answer(response, expect, (route, role))


def test_every_case_says_what_each_role_gets():
    for cases in (WEB_CASES, API_CASES):
        for route, expect in cases.items():
            assert set(expect) == set(ROLES), route
