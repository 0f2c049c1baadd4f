"""policy 5.3.1 on the web and the API: a claim over the approved budget offers a supplementary budget for its
gap; the form starts with the gap per category; the head, finance and the leader approve it from its page; only
then can the claim be submitted. Bad lines are refused with nothing saved."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from jiedai.approvals.models import ApprovalTask, TaskStatus
from jiedai.core.errors import ValidationFailed
from jiedai.expenses.models import ClaimStatus, MoneyStatus, SupplementaryBudget
from jiedai.expenses.tests.test_overrun import _claim, _submit, categories  # noqa: F401 (fixture)
from jiedai.expenses.tests.test_supplementary import approved_budget, supplementary
from jiedai.org.models import ApiToken
from jiedai.planning.tests.factories import approved_reception

pytestmark = pytest.mark.django_db

# The supplementary page as an approver sees it (session, roles, visit, the document and its lines, the allowance,
# the approval, the history...), whatever the number of lines.
QUERIES = 23


def _url(reception, extra=None, name="supplementary"):
    kwargs = {"pk": reception.pk}
    if extra is not None:
        kwargs["sid"] = extra.pk
    return reverse(f"expenses:{name}", kwargs=kwargs)


def _form(rows, *, reason="客户临时增加两位随行人员", version="") -> dict:
    data = {
        "lines-TOTAL_FORMS": str(len(rows)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "200",
        "reason": reason,
        "version": version,
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"lines-{i}-{key}"] = value
    return data


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) + response.content.decode()


def _approve_on_page(client, people, reception, extra, who):
    client.force_login(people[who])
    page = client.get(_url(reception, extra))
    task = page.context["approval"].my_task
    assert task is not None, who
    client.post(reverse("approvals:task", kwargs={"pk": task.pk}), {"decision": "approve", "comment": ""})
    assert ApprovalTask.objects.get(pk=task.pk).status == TaskStatus.APPROVED


def test_an_overrun_claim_offers_the_gap_and_is_submitted_once_it_is_approved(client, people, categories):  # noqa: F811
    """policy 5.3.1: overrun → supplementary budget for the gap, approved in advance → the claim goes in."""
    reception = approved_reception(people)
    approved_budget(people, reception, {"catering": "1000.00", "transport": "500.00"})
    claim = _claim(people, reception, categories, {"catering": "1300.00", "transport": "400.00"})
    with pytest.raises(ValidationFailed):
        _submit(people, claim)

    client.force_login(people["sales_rep"])
    claim_page = client.get(reverse("expenses:claim", kwargs={"pk": reception.pk, "claim_id": claim.pk}))
    offer = f"{_url(reception, name='supplementary_new')}?claim={claim.pk}"
    assert offer in claim_page.content.decode()

    form = client.get(offer)
    formset = form.context["formset"]
    assert [f.initial["category"] for f in formset.forms if f.initial] == [str(categories["catering"].pk)]
    assert formset.forms[0].initial["amount"] == "300.00"  # catering only; transport and the total fit
    assert f"#{claim.pk}" in form.context["reason_form"].initial["reason"]

    row = {"category": str(categories["catering"].pk), "amount": "300.00", "reason": "多两位随行"}
    response = client.post(_url(reception, name="supplementary_new"), _form([row]))
    extra = SupplementaryBudget.objects.get(reception=reception)
    assert response.status_code == 302 and response["Location"] == _url(reception, extra)
    assert extra.total == Decimal("300.00") and extra.status == MoneyStatus.DRAFT

    client.post(_url(reception, extra, "supplementary_submit"))
    extra.refresh_from_db()
    assert extra.status == MoneyStatus.PENDING_APPROVAL
    with pytest.raises(ValidationFailed):  # pending does not count: approval in advance
        _submit(people, claim)
    for who in ("sales_head", "fin_clerk", "vp_sales"):
        _approve_on_page(client, people, reception, extra, who)
    extra.refresh_from_db()
    assert extra.status == MoneyStatus.APPROVED
    assert _submit(people, claim).status == ClaimStatus.PENDING_APPROVAL

    budget_page = client.get(reverse("expenses:budget", kwargs={"pk": reception.pk})).content.decode()
    assert _url(reception, extra) in budget_page


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"amount": "-5"}, "不小于 0"),
        ({"amount": "1.005"}, "两位小数"),
        ({"amount": "abc"}, "必须是数字"),
        ({"amount": "0"}, "必须大于 0"),
        ({"category": ""}, "请选择启用中的费用类别"),
    ],
)
def test_bad_lines_are_shown_on_their_row_and_nothing_is_saved(client, people, categories, row, message):  # noqa: F811
    reception = approved_reception(people)
    approved_budget(people, reception, {"catering": "1000.00"})
    client.force_login(people["sales_rep"])
    line = {"category": str(categories["catering"].pk), "amount": "100.00", "reason": "", **row}
    response = client.post(_url(reception, name="supplementary_new"), _form([line]))
    assert response.status_code == 200
    assert response.context["formset"].forms[0].non_field_errors()
    assert message in _messages(response)
    assert not SupplementaryBudget.objects.exists()


def test_a_reason_is_required(client, people, categories):  # noqa: F811
    reception = approved_reception(people)
    approved_budget(people, reception, {"catering": "1000.00"})
    client.force_login(people["sales_rep"])
    row = {"category": str(categories["catering"].pk), "amount": "100.00"}
    response = client.post(_url(reception, name="supplementary_new"), _form([row], reason=""))
    assert response.status_code == 200 and response.context["reason_form"].errors
    assert not SupplementaryBudget.objects.exists()


def test_not_before_the_budget_is_approved(client, people, categories):  # noqa: F811
    reception = approved_reception(people)
    client.force_login(people["sales_rep"])
    response = client.get(_url(reception, name="supplementary_new"), follow=True)
    assert "接待预算批准后才能申请追加预算" in _messages(response)


def test_a_stale_edit_is_told_and_changes_nothing(client, people, categories):  # noqa: F811
    reception = approved_reception(people)
    approved_budget(people, reception, {"catering": "1000.00"})
    extra = supplementary(people, reception, {"catering": "100.00"}, submit=False)
    client.force_login(people["sales_rep"])
    row = {"category": str(categories["catering"].pk), "amount": "200.00"}
    response = client.post(_url(reception, extra), _form([row], version=str(extra.version - 1)), follow=True)
    assert "已在别处被修改" in _messages(response)
    extra.refresh_from_db()
    assert extra.total == Decimal("100.00")


@pytest.mark.parametrize("count", [1, 30])
def test_the_page_takes_a_fixed_number_of_queries(client, people, categories, django_assert_num_queries, count):  # noqa: F811
    reception = approved_reception(people)
    approved_budget(people, reception, {"catering": "100000.00"})
    extra = supplementary(people, reception, {"catering": "1.00"}, submit=False)
    from jiedai.expenses.services.supplementary import supplementary_save_lines, supplementary_submit

    lines = [{"category": categories["catering"], "amount": "10.00", "reason": f"第 {i} 项"} for i in range(count)]
    supplementary_save_lines(supplementary_id=extra.pk, by=people["sales_rep"], lines=lines)
    supplementary_submit(supplementary_id=extra.pk, by=people["sales_rep"])
    client.force_login(people["sales_head"])
    client.get(_url(reception, extra))
    with django_assert_num_queries(QUERIES):
        response = client.get(_url(reception, extra))
    assert response.status_code == 200 and len(response.context["lines"]) == count


def _api(client, token, method, path, body=None):
    data = json.dumps(body) if body is not None else ""
    headers = {"Authorization": f"Bearer {token}"}
    return client.generic(method, f"/api/v1{path}", data, content_type="application/json", headers=headers)


def test_the_api_creates_changes_submits_and_withdraws(client, people, categories):  # noqa: F811
    reception = approved_reception(people)
    token = ApiToken.issue(people["sales_rep"])
    line = {"category": categories["catering"].pk, "amount": "300.00", "reason": "多两位"}
    body = {"reason": "客户加人", "lines": [line]}
    assert _api(client, token, "POST", f"/receptions/{reception.pk}/supplementary-budgets", body).status_code == 409

    approved_budget(people, reception, {"catering": "1000.00"})
    created = _api(client, token, "POST", f"/receptions/{reception.pk}/supplementary-budgets", body)
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["total"] == "300.00" and data["status"] == "draft" and data["can_edit"] and data["approval"] is None
    one = f"/supplementary-budgets/{data['id']}"

    changed = _api(client, token, "PUT", one, {"lines": [{**line, "amount": "0.10"}, {**line, "amount": "0.20"}]})
    assert changed.status_code == 200 and changed.json()["total"] == "0.30"  # exact money
    stale = _api(client, token, "PUT", one, {"lines": [line], "expected_version": 1})
    assert stale.status_code == 409

    submitted = _api(client, token, "POST", f"{one}/submit").json()
    assert submitted["status"] == "pending_approval" and submitted["approval"]["steps"][0]["approver"] == "sales_head"
    assert _api(client, token, "PUT", one, {"lines": [line]}).status_code == 409  # frozen while under approval
    assert _api(client, token, "POST", f"{one}/withdraw").json()["status"] == "draft"
    listed = _api(client, token, "GET", f"/receptions/{reception.pk}/supplementary-budgets").json()
    assert [item["id"] for item in listed] == [data["id"]]


@pytest.mark.parametrize(
    "bad",
    [
        {"reason": "x", "lines": [{"category": 1, "amount": "-1"}]},
        {"reason": "x", "lines": [{"category": 1, "amount": "1.005"}]},
        {"reason": "x", "lines": [{"category": 1, "amount": 5}]},  # a JSON number: not a decimal string
        {"reason": "x", "lines": [{"category": 1, "amount": "5", "extra": 1}]},
        {"reason": " ", "lines": []},
        {"lines": []},
    ],
)
def test_bad_api_input_is_a_4xx_and_creates_nothing(client, people, categories, bad):  # noqa: F811
    reception = approved_reception(people)
    approved_budget(people, reception, {"catering": "1000.00"})
    for line in bad.get("lines", []):
        line["category"] = categories["catering"].pk
    token = ApiToken.issue(people["sales_rep"])
    response = _api(client, token, "POST", f"/receptions/{reception.pk}/supplementary-budgets", bad)
    assert 400 <= response.status_code < 500 and "detail" in response.json()
    assert not SupplementaryBudget.objects.exists()
