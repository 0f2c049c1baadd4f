"""policy 5.1 over the API: GET/PUT /api/v1/receptions/{id}/budget, POST …/submit and …/withdraw — the same
error shape as the rest of /api/v1, bad amounts refused per line with nothing saved, frozen once approved."""

import json
from decimal import Decimal

import pytest
from django.test import Client

from jiedai.approvals.models import ApprovalTask, TaskStatus
from jiedai.approvals.services import approval_task_decide
from jiedai.expenses.models import Budget, CostStandard, ExpenseCategory, MoneyStatus
from jiedai.expenses.seeds import ensure_categories
from jiedai.org.models import ApiToken
from jiedai.planning.tests.factories import approved_reception

pytestmark = pytest.mark.django_db


@pytest.fixture
def categories(db):
    ensure_categories()
    return {c.code: c for c in ExpenseCategory.objects.all()}


def _client(user) -> Client:
    return Client(headers={"Authorization": f"Bearer {ApiToken.issue(user)}"})


def _url(reception, suffix=""):
    return f"/api/v1/receptions/{reception.pk}/budget{suffix}"


def _put(client, reception, body):
    return client.put(_url(reception), json.dumps(body), content_type="application/json")


def _lines(categories):
    return [
        {"category": categories["catering"].pk, "description": "欢迎午宴", "quantity": "8", "unit_price": "150.00"},
        {"category": categories["transport"].pk, "description": "机场接送", "amount": "600.00", "basis": "两趟"},
    ]


def test_an_empty_draft_before_any_line_and_nothing_is_created(people, categories):
    reception = approved_reception(people)
    response = _client(people["fin_clerk"]).get(_url(reception))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "draft" and body["total"] == "0.00" and body["lines"] == [] and not body["can_edit"]
    assert not Budget.objects.filter(reception=reception).exists()


def test_put_computes_amounts_and_flags_lines_above_the_standard(people, categories):
    """policy 5.1.1; 1.3.4: the standard is shown with the line, not refused."""
    reception = approved_reception(people, importance="normal")
    CostStandard.objects.create(category=categories["catering"], unit="per_head_meal", limit=Decimal("120.00"))
    client = _client(people["sales_rep"])
    version = client.get(_url(reception)).json()["version"]
    response = _put(client, reception, {"lines": _lines(categories), "expected_version": version})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total"] == "1800.00" and body["version"] == version + 1 and body["can_edit"]
    assert [line["amount"] for line in body["lines"]] == ["1200.00", "600.00"]
    (breach,) = body["breaches"]
    assert breach["line"] == body["lines"][0]["id"] and breach["limit"] == "120.00" and breach["value"] == "150.00"
    stale = _put(client, reception, {"lines": [], "expected_version": version})
    assert stale.status_code == 409 and stale.json()["detail"]


@pytest.mark.parametrize(
    "bad",
    [{"unit_price": "150.005"}, {"quantity": "-1"}, {"quantity": "八"}, {"amount": "1"}, {"description": " "}],
)
def test_bad_amounts_are_refused_per_line_and_nothing_is_saved(people, categories, bad):
    reception = approved_reception(people)
    lines = _lines(categories)
    lines[0].update(bad)
    response = _put(_client(people["sales_rep"]), reception, {"lines": lines})
    assert response.status_code == 422
    assert set(response.json()) == {"detail", "errors"} and "lines.0" in response.json()["errors"]
    assert not Budget.objects.filter(reception=reception, lines__isnull=False).exists()


@pytest.mark.parametrize(
    "body",
    [
        {"lines": [{"category": 1, "description": "x", "amount": 1.5}]},  # money is a string, not a float
        {"lines": [{"category": "1", "description": "x", "amount": "1"}]},  # ids are integers
        {"lines": [], "surprise": True},  # extra="forbid"
        {"lines": "none"},
    ],
)
def test_a_body_of_the_wrong_shape_is_a_422(people, categories, body):
    reception = approved_reception(people)
    response = _put(_client(people["sales_rep"]), reception, body)
    assert response.status_code == 422 and response.json()["errors"]


def _decide(people, budget_id, username):
    task = ApprovalTask.objects.get(
        document_type="budget", document_id=budget_id, status=TaskStatus.PENDING, assignee=people[username]
    )
    approval_task_decide(task_id=task.pk, by=people[username], decision="approve", comment="")


def test_submit_approval_steps_then_frozen(people, categories):
    """policy 5.1.2–5.1.3."""
    reception = approved_reception(people)
    client = _client(people["sales_rep"])
    assert client.post(_url(reception, "/submit")).status_code == 422  # no lines yet
    _put(client, reception, {"lines": _lines(categories)})
    body = client.post(_url(reception, "/submit")).json()
    assert body["status"] == MoneyStatus.PENDING_APPROVAL and not body["can_edit"]
    assert [step["approver"] for step in body["approval"]["steps"]][:1] == ["sales_head"]
    assert _put(client, reception, {"lines": []}).status_code == 409
    budget_id = Budget.objects.get(reception=reception).pk
    for who in ("sales_head", "fin_clerk", "vp_sales"):
        _decide(people, budget_id, who)
    body = client.get(_url(reception)).json()
    assert body["status"] == "approved" and body["approved_at"] and body["approval"]["status"] == "approved"
    assert _put(client, reception, {"lines": []}).status_code == 409
    assert client.post(_url(reception, "/withdraw")).status_code == 409


def test_withdraw_returns_the_budget_to_draft(people, categories):
    reception = approved_reception(people)
    client = _client(people["sales_rep"])
    _put(client, reception, {"lines": _lines(categories)})
    client.post(_url(reception, "/submit"))
    response = client.post(_url(reception, "/withdraw"))
    assert response.status_code == 200 and response.json()["status"] == "draft"


def test_who_may_do_what(people, categories):
    reception = approved_reception(people)
    assert _client(people["tech_eng"]).get(_url(reception)).status_code == 404
    assert _put(_client(people["tech_eng"]), reception, {"lines": []}).status_code == 404
    assert _put(_client(people["sales_head"]), reception, {"lines": []}).status_code == 403
    assert Client().get(_url(reception)).status_code == 401
    assert _client(people["sales_rep"]).get("/api/v1/receptions/999999/budget").status_code == 404
