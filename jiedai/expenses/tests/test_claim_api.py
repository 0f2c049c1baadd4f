"""policy 5.2 over the API: GET/POST /api/v1/receptions/{id}/claims, GET/PUT /api/v1/claims/{id}, POST …/submit,
…/withdraw and …/pay — the same error shape as the rest of /api/v1, bad invoices refused per invoice with nothing
saved, a duplicate invoice named, locked once submitted, paid only by finance once approved."""

import json
from datetime import timedelta

import pytest
from django.test import Client

from jiedai.approvals.models import ApprovalTask, TaskStatus
from jiedai.approvals.services import approval_task_decide
from jiedai.expenses.models import Claim, ClaimStatus, ExpenseCategory, Invoice
from jiedai.expenses.seeds import ensure_categories
from jiedai.expenses.services.claims import line_approve_amount
from jiedai.expenses.tests.test_supplementary import approved_budget
from jiedai.org.models import ApiToken
from jiedai.planning.tests.factories import approved_reception
from jiedai.receptions.models import LOCAL_TZ

pytestmark = pytest.mark.django_db


@pytest.fixture
def categories(db):
    ensure_categories()
    return {c.code: c for c in ExpenseCategory.objects.all()}


def _client(user) -> Client:
    return Client(headers={"Authorization": f"Bearer {ApiToken.issue(user)}"})


def _day(reception, days=0) -> str:
    return (reception.visit_start.astimezone(LOCAL_TZ).date() + timedelta(days=days)).isoformat()


def _invoice(reception, number="12345678", **overrides) -> dict:
    data = {
        "code": "3100231130",
        "number": number,
        "date": _day(reception),
        "amount_before_tax": "100.00",
        "tax": "6.00",
        "total": "106.00",
        "seller_name": "上海某某酒店有限公司",
        "seller_tax_id": "91310000MA1FL0000X",
    }
    data.update(overrides)
    return data


def _lines(categories, reception, **invoice) -> list[dict]:
    return [
        {
            "category": categories["catering"].pk,
            "description": "欢迎午宴",
            "amount_claimed": "106.00",
            "invoices": [_invoice(reception, **invoice)],
        },
        {
            "category": categories["transport"].pk,
            "description": "机场接送",
            "amount_claimed": "106.00",
            "invoices": [_invoice(reception, number="12345679")],
        },
    ]


def _put(client, claim_id, body):
    return client.put(f"/api/v1/claims/{claim_id}", json.dumps(body), content_type="application/json")


def _decide(people, claim_id, username):
    task = ApprovalTask.objects.get(
        document_type="reimbursement", document_id=claim_id, status=TaskStatus.PENDING, assignee=people[username]
    )
    approval_task_decide(task_id=task.pk, by=people[username], decision="approve", comment="")


def _new(client, reception) -> int:
    response = client.post(f"/api/v1/receptions/{reception.pk}/claims")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_create_put_submit_approve_and_pay(people, categories):
    """policy 5.2.1–5.2.3: head → finance (one line lower) → leader → GM, then finance pays."""
    reception = approved_reception(people)
    approved_budget(people, reception, {"catering": "1000.00", "transport": "1000.00"})
    rep = _client(people["sales_rep"])
    claim_id = _new(rep, reception)
    body = rep.get(f"/api/v1/claims/{claim_id}").json()
    response = _put(rep, claim_id, {"lines": _lines(categories, reception), "expected_version": body["version"]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total_claimed"] == "212.00" and body["lines"][0]["invoices"][0]["number"] == "12345678"
    assert _put(rep, claim_id, {"lines": [], "expected_version": 1}).status_code == 409  # stale
    listing = rep.get(f"/api/v1/receptions/{reception.pk}/claims").json()
    assert [c["id"] for c in listing] == [claim_id]
    assert rep.post(f"/api/v1/claims/{claim_id}/submit").status_code == 200
    assert _put(rep, claim_id, {"lines": []}).status_code == 409  # locked once submitted
    _decide(people, claim_id, "sales_head")
    line = Claim.objects.get(pk=claim_id).lines.get(description="机场接送")
    line_approve_amount(line_id=line.pk, by=people["fin_clerk"], amount="100.00", reason="超出标准")
    for who in ("fin_clerk", "vp_sales", "gm"):
        _decide(people, claim_id, who)
    pay = {"date": _day(reception, 5), "method": "银行转账", "reference": "PZ-1"}
    assert (
        rep.post(f"/api/v1/claims/{claim_id}/pay", json.dumps(pay), content_type="application/json").status_code == 403
    )
    response = _client(people["fin_clerk"]).post(
        f"/api/v1/claims/{claim_id}/pay", json.dumps(pay), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == ClaimStatus.PAID and body["total_approved"] == "206.00"
    assert body["payment"]["method"] == "银行转账"
    assert body["approval"]["status"] == "approved"


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"amount_before_tax": "100.001", "total": "106.001"}, "两位小数"),
        ({"number": "1234567890123456789A", "code": ""}, "20 位"),
    ],
)
def test_bad_invoices_are_a_422_per_invoice_and_nothing_is_saved(people, categories, bad, message):
    reception = approved_reception(people)
    rep = _client(people["sales_rep"])
    claim_id = _new(rep, reception)
    response = _put(rep, claim_id, {"lines": _lines(categories, reception, **bad)})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(response.json()) == {"detail", "errors"} and message in " ".join(errors["lines.0.invoices.0"])
    assert not Invoice.objects.exists()


def test_a_duplicate_invoice_is_named(people, categories):
    """policy 5.2.2: never the same invoice twice."""
    reception = approved_reception(people)
    rep = _client(people["sales_rep"])
    first = _new(rep, reception)
    assert _put(rep, first, {"lines": _lines(categories, reception)}).status_code == 200
    second = _new(rep, reception)
    response = _put(rep, second, {"lines": _lines(categories, reception)})
    assert response.status_code == 422 and "不能重复报销" in json.dumps(response.json(), ensure_ascii=False)
    assert not Claim.objects.get(pk=second).lines.exists()


@pytest.mark.parametrize("body", [{"lines": [{"category": 1}]}, {"lines": "x"}, {"lines": [], "extra": 1}])
def test_a_body_of_the_wrong_shape_is_a_422(people, categories, body):
    reception = approved_reception(people)
    rep = _client(people["sales_rep"])
    claim_id = _new(rep, reception)
    response = _put(rep, claim_id, body)
    assert response.status_code == 422 and response.json()["errors"]


def test_withdraw_and_access(people, categories):
    reception = approved_reception(people)
    approved_budget(people, reception, {"catering": "1000.00", "transport": "1000.00"})
    rep = _client(people["sales_rep"])
    claim_id = _new(rep, reception)
    _put(rep, claim_id, {"lines": _lines(categories, reception)})
    assert _client(people["fin_clerk"]).post(f"/api/v1/claims/{claim_id}/submit").status_code == 403
    assert _client(people["tech_eng"]).get(f"/api/v1/claims/{claim_id}").status_code == 404
    assert _client(people["tech_eng"]).get(f"/api/v1/receptions/{reception.pk}/claims").status_code == 404
    assert Client().get(f"/api/v1/claims/{claim_id}").status_code == 401
    assert rep.post(f"/api/v1/claims/{claim_id}/withdraw").status_code == 409  # not under approval
    assert rep.post(f"/api/v1/claims/{claim_id}/submit").status_code == 200
    response = rep.post(f"/api/v1/claims/{claim_id}/withdraw")
    assert response.status_code == 200 and response.json()["status"] == ClaimStatus.WITHDRAWN
    assert _client(people["sales_rep"]).get("/api/v1/claims/999999").status_code == 404
