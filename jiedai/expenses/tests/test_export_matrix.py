"""The background export's permission matrix (policy 5.3.2): asking for a workbook is the analytics' right (finance,
the GM and the superuser; a head or supervising leader for their departments); a job and its file are their
requester's alone (the superuser's too), so even the GM gets 404 on finance's job. Anonymous: the login page (web) or
401 (API). The core matrix's `test_every_route_is_in_the_matrix` counts the routes listed here."""

from http.cookies import SimpleCookie

import pytest
from django.db import transaction
from django.http import QueryDict
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from jiedai.core.tests.matrix_roles import ROLES, add_outsider, assert_answer
from jiedai.expenses.seeds import ensure_categories
from jiedai.expenses.services.exports import analytics_export_build, analytics_export_request
from jiedai.expenses.tests.test_analytics_matrix import ANALYSTS
from jiedai.org.models import ApiToken

OWNERS = {"finance", "sysadmin"}


def _rule(allowed: set[str], ok: str, *, api: bool) -> dict[str, str]:
    out = {}
    for role in ROLES:
        if role == "anonymous":
            out[role] = "401" if api else "login"
        else:
            out[role] = ok if role in allowed else "404"
    return out


WEB_CASES = {
    ("expenses:analytics_export_start", "POST"): _rule(ANALYSTS, "302", api=False),
    ("expenses:analytics_export_job", "GET"): _rule(OWNERS, "200", api=False),
    ("expenses:analytics_export_file", "GET"): _rule(OWNERS, "200", api=False),
}
API_CASES = {
    "POST /api/v1/finance/analytics/exports": _rule(ANALYSTS, "202", api=True),
    "GET /api/v1/finance/analytics/exports/{export_id}": _rule(OWNERS, "200", api=True),
    "GET /api/v1/finance/analytics/exports/{export_id}/file": _rule(OWNERS, "200", api=True),
}
WEB_ROUTES = {route for route, _method in WEB_CASES}
API_ROUTES = set(API_CASES)
CASES = [(case, role) for case in [*WEB_CASES, *API_CASES] for role in ROLES]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    from jiedai.approvals.seeds import ensure_seed_flows
    from jiedai.org.demo import ensure_demo_org

    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        with django_db_blocker.unblock(), transaction.atomic():
            ensure_seed_flows()
            people = ensure_demo_org()
            add_outsider(people)
            ensure_categories()
            users = {role: people[username] for role, username in ROLES.items() if username}
            tokens = {role: ApiToken.issue(user) for role, user in users.items()}
            job = analytics_export_request(by=users["finance"], query=QueryDict("start=2026-01-01&end=2026-12-31"))
            analytics_export_build(job.pk)
            yield users, tokens, job.pk
            transaction.set_rollback(True)


def _id(case, role) -> str:
    return f"{case if isinstance(case, str) else ' '.join(case)}-{role}"


@pytest.mark.django_db
@pytest.mark.parametrize(("case", "role"), CASES, ids=[_id(case, role) for case, role in CASES])
def test_role_gets_what_the_matrix_says(world, case, role):
    users, tokens, job = world
    client = Client()
    client.cookies = SimpleCookie()
    if isinstance(case, str):
        method, path = case.split(" ", 1)
        headers = {"Authorization": f"Bearer {tokens[role]}"} if ROLES[role] else {}
        path = path.replace("{export_id}", str(job))
        if method == "POST":
            response = client.post(f"{path}?start=2026-01-01&end=2026-12-31", headers=headers)
        else:
            response = client.get(path, headers=headers)
        expect = API_CASES[case][role]
    else:
        route, method = case
        if ROLES[role]:
            client.force_login(users[role])
        if method == "POST":
            response = client.post(reverse(route), {"query": "start=2026-01-01&end=2026-12-31"})
        else:
            response = client.get(reverse(route, args=[job]))
        expect = WEB_CASES[case][role]
    assert_answer(response, expect, (case, role))


def test_every_case_says_what_each_role_gets():
    for cases in (WEB_CASES, API_CASES):
        for case, expect in cases.items():
            assert set(expect) == set(ROLES), case
