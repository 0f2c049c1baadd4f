"""policy 5.1: the budget page — its editors write the lines and submit; the host head, finance and the supervising
leader approve from the page; approved figures are frozen (5.1.3); bad input is refused with nothing saved."""

from decimal import Decimal

import pytest
from django.urls import reverse

from jiedai.approvals.models import ApprovalTask, TaskStatus
from jiedai.expenses.models import Budget, CostStandard, ExpenseCategory, MoneyStatus
from jiedai.expenses.seeds import ensure_categories
from jiedai.expenses.services.budgets import budget_save_lines
from jiedai.planning.tests.factories import approved_reception

pytestmark = pytest.mark.django_db

# The budget page as an approver sees it (session, roles, budget, lines, standards, approval, history...), whatever
# the number of lines.
QUERIES = 21


@pytest.fixture
def categories(db):
    ensure_categories()
    return {c.code: c for c in ExpenseCategory.objects.all()}


def _url(reception, name="budget"):
    return reverse(f"expenses:{name}", kwargs={"pk": reception.pk})


def _form(categories, rows, *, version="", total=None):
    data = {
        "lines-TOTAL_FORMS": str(total or len(rows)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "200",
        "version": version,
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            if key == "category":
                value = str(categories[value].pk)
            data[f"lines-{i}-{key}"] = value
    return data


MEAL = {"category": "catering", "description": "欢迎午宴", "quantity": "8", "unit_price": "150", "times": "2"}
CAR = {"category": "transport", "description": "机场接送", "amount": "600.00", "basis": "两趟"}


def _login(client, people, who):
    client.force_login(people[who])
    return client


def test_the_requester_writes_the_lines_and_the_service_computes_the_amounts(client, people, categories):
    """policy 5.1.1: quantity × unit price × times; empty rows are left out."""
    reception = approved_reception(people)
    _login(client, people, "sales_rep")
    page = client.get(_url(reception))
    assert page.status_code == 200 and "lines-0-description" in page.content.decode()
    response = client.post(_url(reception), _form(categories, [MEAL, CAR, {}], total=3))
    assert response.status_code == 302, [str(m) for m in response.context["messages"]] + [
        f.errors for f in response.context["formset"]
    ]
    budget = Budget.objects.get(reception=reception)
    assert [line.amount for line in budget.lines.all()] == [Decimal("2400.00"), Decimal("600.00")]
    assert budget.total == Decimal("3000.00")
    page = client.get(_url(reception)).content.decode()
    assert "欢迎午宴" in page and "两趟" in page and 'value="欢迎午宴"' in page


@pytest.mark.parametrize(
    ("bad", "message"),
    [({"unit_price": "150.005"}, "最多两位小数"), ({"quantity": "-1"}, "不小于 0"), ({"quantity": "八"}, "必须是数字")],
)
def test_bad_input_is_shown_on_its_row_and_nothing_is_saved(client, people, categories, bad, message):
    reception = approved_reception(people)
    budget_save_lines(reception_id=reception.pk, by=people["sales_rep"], lines=[])
    _login(client, people, "sales_rep")
    response = client.post(_url(reception), _form(categories, [{**MEAL, **bad}, CAR]))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Budget.objects.get(reception=reception).lines.exists()


def test_a_stale_form_is_a_conflict_not_a_lost_update(client, people, categories):
    reception = approved_reception(people)
    budget = budget_save_lines(reception_id=reception.pk, by=people["sales_rep"], lines=[])
    _login(client, people, "sales_rep")
    response = client.post(_url(reception), _form(categories, [CAR], version=str(budget.version - 1)), follow=True)
    assert "已在别处被修改" in response.content.decode()
    assert not Budget.objects.get(reception=reception).lines.exists()


def _decide_on_page(client, people, reception, who):
    _login(client, people, who)
    page = client.get(_url(reception))
    assert page.context["approval"].my_task is not None, who
    task = page.context["approval"].my_task
    response = client.post(reverse("approvals:task", kwargs={"pk": task.pk}), {"decision": "approve", "comment": ""})
    assert response.status_code in (200, 302)
    assert ApprovalTask.objects.get(pk=task.pk).status == TaskStatus.APPROVED


def test_submitted_from_the_page_approved_by_head_finance_leader_then_frozen(client, people, categories):
    """policy 5.1.2–5.1.3."""
    reception = approved_reception(people)
    _login(client, people, "sales_rep")
    client.post(_url(reception), _form(categories, [MEAL, CAR]))
    assert client.post(_url(reception, "budget_submit")).status_code == 302
    budget = Budget.objects.get(reception=reception)
    assert budget.status == MoneyStatus.PENDING_APPROVAL
    task = ApprovalTask.objects.filter(document_type="budget", document_id=budget.pk).first()
    assert task.instance.url == _url(reception)  # the task takes its approver to this page
    for who in ("sales_head", "fin_clerk", "vp_sales"):
        _decide_on_page(client, people, reception, who)
    budget.refresh_from_db()
    assert budget.status == MoneyStatus.APPROVED
    _login(client, people, "sales_rep")
    page = client.get(_url(reception))
    assert page.context["formset"] is None and "金额已冻结" in page.content.decode()
    client.post(_url(reception), _form(categories, [CAR]))
    assert budget.lines.count() == 2  # frozen


def test_the_requester_withdraws_a_budget_under_approval(client, people, categories):
    reception = approved_reception(people)
    _login(client, people, "sales_rep")
    client.post(_url(reception), _form(categories, [CAR]))
    client.post(_url(reception, "budget_submit"))
    assert client.post(_url(reception, "budget_withdraw")).status_code == 302
    assert Budget.objects.get(reception=reception).status == MoneyStatus.DRAFT


def test_readers_may_not_write_and_others_see_nothing(client, people, categories):
    reception = approved_reception(people)
    _login(client, people, "fin_clerk")
    assert client.get(_url(reception)).status_code == 200
    assert client.post(_url(reception), _form(categories, [CAR])).status_code == 403
    assert client.post(_url(reception, "budget_submit")).status_code == 403
    _login(client, people, "tech_eng")
    assert client.get(_url(reception)).status_code == 404
    assert not Budget.objects.filter(reception=reception).exists()


def test_lines_above_the_standard_are_flagged(client, people, categories):
    reception = approved_reception(people, importance="normal")
    CostStandard.objects.create(category=categories["catering"], unit="per_head_meal", limit=Decimal("120.00"))
    budget_save_lines(
        reception_id=reception.pk,
        by=people["sales_rep"],
        lines=[{**MEAL, "category": categories["catering"]}],
    )
    _login(client, people, "sales_head")
    page = client.get(_url(reception)).content.decode()
    assert "超出费用标准" in page and "120.00" in page


@pytest.mark.parametrize("count", [1, 30])
def test_the_page_takes_a_fixed_number_of_queries(client, people, categories, django_assert_num_queries, count):
    reception = approved_reception(people, importance="normal")
    CostStandard.objects.create(category=categories["catering"], unit="per_head_meal", limit=Decimal("120.00"))
    lines = [{**MEAL, "category": categories["catering"], "description": f"餐 {i}"} for i in range(count)]
    budget_save_lines(reception_id=reception.pk, by=people["sales_rep"], lines=lines)
    _login(client, people, "sales_rep")
    client.post(_url(reception, "budget_submit"))
    _login(client, people, "sales_head")
    client.get(_url(reception))  # warm the session and caches
    with django_assert_num_queries(QUERIES):
        response = client.get(_url(reception))
    assert response.status_code == 200


def test_the_reception_page_links_to_its_budget(client, people):
    reception = approved_reception(people)
    _login(client, people, "sales_rep")
    page = client.get(reverse("receptions:detail", kwargs={"pk": reception.pk})).content.decode()
    assert f'href="{_url(reception)}"' in page
