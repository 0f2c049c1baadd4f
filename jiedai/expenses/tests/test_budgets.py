"""policy 5.1: the reception budget — lines with their basis, the cost standards, the budget flow (host head →
finance review → supervising leader), frozen once approved; who may see the money."""

from decimal import Decimal

import pytest

from jiedai.approvals.models import ApprovalTask, TaskStatus
from jiedai.approvals.services import approval_task_decide
from jiedai.core.errors import ConflictError, Forbidden, NotFound, ValidationFailed
from jiedai.expenses.access import money_receptions_visible_to
from jiedai.expenses.models import CostStandard, ExpenseCategory, MoneyStatus
from jiedai.expenses.seeds import ensure_categories
from jiedai.expenses.selectors import standard_breaches
from jiedai.expenses.services.budgets import budget_save_lines, budget_submit, budget_withdraw
from jiedai.planning.tests.factories import approved_reception

pytestmark = pytest.mark.django_db


@pytest.fixture
def categories(db):
    ensure_categories()  # transactional tests flush what the data migration seeded
    return {c.code: c for c in ExpenseCategory.objects.all()}


def _lines(categories, **catering):
    meal = {"category": categories["catering"], "description": "欢迎午宴", "quantity": "8", "unit_price": "150"}
    meal.update(catering)
    car = {"category": categories["transport"], "description": "机场接送", "amount": "600.00", "basis": "两趟"}
    return [meal, {**car}]


def _decide(people, budget_id, username, decision="approve", comment=""):
    task = ApprovalTask.objects.get(
        document_type="budget", document_id=budget_id, status=TaskStatus.PENDING, assignee=people[username]
    )
    approval_task_decide(task_id=task.pk, by=people[username], decision=decision, comment=comment)


def test_amounts_come_from_quantity_price_and_times_exactly(people, categories):
    reception = approved_reception(people)
    lines = _lines(categories, times="2", unit_price="0.10", quantity="3")
    budget = budget_save_lines(reception_id=reception.pk, by=people["sales_rep"], lines=lines)
    assert [line.amount for line in budget.lines.all()] == [Decimal("0.60"), Decimal("600.00")]
    assert budget.total == Decimal("600.60")


@pytest.mark.parametrize(
    "bad",
    [{"unit_price": "-1"}, {"unit_price": "150.005"}, {"quantity": "abc"}, {"amount": "1"}, {"description": " "}],
)
def test_bad_lines_are_refused_and_nothing_is_saved(people, categories, bad):
    reception = approved_reception(people)
    with pytest.raises(ValidationFailed) as exc:
        budget_save_lines(reception_id=reception.pk, by=people["sales_rep"], lines=_lines(categories, **bad))
    assert "lines.0" in exc.value.errors
    assert not reception.budget.lines.exists() if hasattr(reception, "budget") else True


def test_the_budget_goes_to_head_finance_and_leader_then_is_frozen(people, categories):
    reception = approved_reception(people)
    budget = budget_save_lines(reception_id=reception.pk, by=people["sales_rep"], lines=_lines(categories))
    budget = budget_submit(reception_id=reception.pk, by=people["sales_rep"])
    assert budget.status == MoneyStatus.PENDING_APPROVAL
    for who in ("sales_head", "fin_clerk", "vp_sales"):  # policy 5.1.2
        _decide(people, budget.pk, who)
    budget.refresh_from_db()
    assert budget.status == MoneyStatus.APPROVED and budget.approved_at
    with pytest.raises(ConflictError):  # policy 5.1.3: the approved figures are frozen
        budget_save_lines(reception_id=reception.pk, by=people["sales_rep"], lines=_lines(categories))


def test_finance_returns_the_budget_with_comments_and_it_is_resubmitted(people, categories):
    reception = approved_reception(people)
    budget = budget_save_lines(reception_id=reception.pk, by=people["sales_rep"], lines=_lines(categories))
    budget_submit(reception_id=reception.pk, by=people["sales_rep"])
    _decide(people, budget.pk, "sales_head")
    _decide(people, budget.pk, "fin_clerk", "return", "餐标偏高，请按标准调整")
    budget.refresh_from_db()
    assert budget.status == MoneyStatus.RETURNED
    assert budget.history.get(action="returned").comment == "餐标偏高，请按标准调整"
    budget_save_lines(reception_id=reception.pk, by=people["sales_rep"], lines=_lines(categories, unit_price="120"))
    assert budget_submit(reception_id=reception.pk, by=people["sales_rep"]).status == MoneyStatus.PENDING_APPROVAL
    budget = budget_withdraw(reception_id=reception.pk, by=people["sales_rep"])
    assert budget.status == MoneyStatus.DRAFT


def test_lines_above_their_standard_are_flagged_with_the_standard(people, categories):
    reception = approved_reception(people, importance="normal")
    CostStandard.objects.create(category=categories["catering"], unit="per_head_meal", limit=Decimal("120.00"))
    CostStandard.objects.create(
        category=categories["catering"], importance="important", unit="per_head_meal", limit=Decimal("200.00")
    )
    budget = budget_save_lines(reception_id=reception.pk, by=people["sales_rep"], lines=_lines(categories))
    (breach,) = standard_breaches(budget)
    assert breach.line.description == "欢迎午宴" and breach.standard.limit == Decimal("120.00")
    assert breach.value == Decimal("150.00")


def test_finance_sees_all_money_a_department_its_own_others_nothing(people, categories):
    reception = approved_reception(people)
    visible = lambda who: money_receptions_visible_to(people[who]).filter(pk=reception.pk).exists()  # noqa: E731
    assert visible("fin_clerk") and visible("sales_head") and visible("sales_rep") and visible("gm")
    assert not visible("tech_eng") and not visible("admin_clerk")
    with pytest.raises(NotFound):
        budget_save_lines(reception_id=reception.pk, by=people["tech_eng"], lines=_lines(categories))
    with pytest.raises(Forbidden):
        budget_save_lines(reception_id=reception.pk, by=people["fin_clerk"], lines=_lines(categories))
