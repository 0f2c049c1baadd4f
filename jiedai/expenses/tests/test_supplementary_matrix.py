"""The supplementary budgets' permission matrix (policy 5.3.1): every page, action and API operation, walked by
every role of jiedai/core/tests/matrix_roles.py. Same people and rules as the budget's matrix (its world is
reused): the requester alone writes; the host head and leader, the GM, finance and the superuser read; the
coordinating department, administration and the outsider get 404; anonymous the login page (401 on the API)."""

from __future__ import annotations

import json
from http.cookies import SimpleCookie

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse

from jiedai.expenses.models import MoneyStatus, SupplementaryBudget, SupplementaryHistory, SupplementaryLine
from jiedai.expenses.services.supplementary import supplementary_create, supplementary_submit, supplementary_withdraw
from jiedai.expenses.tests.test_permission_matrix import (
    ALLOWED,
    API_EDIT,
    API_READ,
    EDIT,
    LOGIN,
    OK,
    READ,
    ROLES,
    Case,
    _rule,
    build_world,
    state_of_the_world,
)

EDIT_FORM = _rule({"requester"}, ok=OK)  # the new form is for its editors only

WEB_CASES = [
    Case("expenses:supplementary_new", "GET", EDIT_FORM),
    Case("expenses:supplementary_new", "POST", EDIT),
    Case("expenses:supplementary", "GET", READ, "draft"),
    Case("expenses:supplementary", "POST", EDIT, "draft"),
    Case("expenses:supplementary_submit", "POST", EDIT, "draft"),
    Case("expenses:supplementary_withdraw", "POST", EDIT, "pending"),
]
LIST = "/api/v1/receptions/{reception_id}/supplementary-budgets"
ONE = "/api/v1/supplementary-budgets/{supplementary_id}"
API_CASES = [
    Case(f"GET {LIST}", "GET", API_READ),
    Case(f"POST {LIST}", "POST", API_EDIT),
    Case(f"GET {ONE}", "GET", API_READ, "draft"),
    Case(f"PUT {ONE}", "PUT", API_EDIT, "draft"),
    Case(f"POST {ONE}/submit", "POST", API_EDIT, "draft"),
    Case(f"POST {ONE}/withdraw", "POST", API_EDIT, "pending"),
]
CASES = WEB_CASES + API_CASES
WEB_ROUTES = {case.route for case in WEB_CASES}
API_ROUTES = {case.route for case in API_CASES}


def _lines(world) -> list[dict]:
    return [{"category": world.category, "amount": "800.00", "reason": "矩阵：加餐"}]


def _prepare(case: Case, world) -> int:
    """The supplementary budget the case works on, in the state its allowed call needs."""
    editor = world.people["sales_rep"]
    current = SupplementaryBudget.objects.filter(reception_id=world.claim_reception).order_by("-id").first()
    if current is None or current.status not in (MoneyStatus.DRAFT, MoneyStatus.PENDING_APPROVAL):
        current = supplementary_create(
            reception_id=world.claim_reception, by=editor, reason="矩阵：人数增加", lines=_lines(world)
        )
    if case.needs == "draft" and current.status == MoneyStatus.PENDING_APPROVAL:
        supplementary_withdraw(supplementary_id=current.pk, by=editor)
    elif case.needs == "pending" and current.status != MoneyStatus.PENDING_APPROVAL:
        supplementary_submit(supplementary_id=current.pk, by=editor)
    return current.pk


def _state() -> dict:
    return {
        **state_of_the_world(),
        "supplementary": sorted(SupplementaryBudget.objects.values_list("pk", "status", "version", "total")),
        "supplementary_lines": SupplementaryLine.objects.count(),
        "supplementary_history": SupplementaryHistory.objects.count(),
    }


@pytest.fixture(scope="class")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")), django_db_blocker.unblock():
        with transaction.atomic():
            yield build_world()
            transaction.set_rollback(True)


@pytest.mark.django_db
class TestSupplementaryMatrix:
    @pytest.mark.parametrize("role", list(ROLES))
    @pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
    def test_role_gets_what_the_matrix_says(self, world, case, role):
        expect = case.expect[role]
        browser = Client()
        browser.cookies = SimpleCookie()
        sid = _prepare(case, world)
        before = _state()
        if case.route.startswith(("GET ", "POST ", "PUT ")):
            path = case.route.split(" ", 1)[1]
            path = path.replace("{reception_id}", str(world.claim_reception)).replace("{supplementary_id}", str(sid))
            headers = {"Authorization": f"Bearer {world.tokens[role]}"} if ROLES[role] else {}
            body = None
            if case.method == "PUT":
                body = {"lines": _lines(world)}
            elif case.method == "POST" and path.endswith("supplementary-budgets"):
                body = {"reason": "矩阵：API", "lines": _lines(world)}
            data = json.dumps(body) if body is not None else ""
            response = browser.generic(case.method, path, data, content_type="application/json", headers=headers)
            status = response.status_code
            if expect == ALLOWED:
                assert status in (200, 201), (status, path, response.content[:300])
            else:
                assert status == int(expect), (status, path)
        else:
            kwargs = {"pk": world.claim_reception}
            if case.route != "expenses:supplementary_new":
                kwargs["sid"] = sid
            path = reverse(case.route, kwargs=kwargs)
            if ROLES[role]:
                browser.force_login(world.users[role])
            response = browser.get(path) if case.method == "GET" else browser.post(path, {})
            status = response.status_code
            if expect == LOGIN:
                assert status == 302 and response["Location"].startswith(reverse("login")), (status, path)
            elif expect == ALLOWED:
                assert status in (200, 302), (status, path)
            else:
                assert status == int(expect), (status, path)
        if expect != ALLOWED:
            assert _state() == before, f"{role} changed something with {case.id}"


def test_every_case_says_what_each_role_gets():
    for case in CASES:
        assert set(case.expect) == set(ROLES), case.id
