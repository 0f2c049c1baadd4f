"""policy 5.3.1: supplementary budgets — asked for in advance with their reason, by category, through the
supplementary budget flow (host head → finance → supervising leader), only after the visit's budget is approved."""

from decimal import Decimal

import pytest

from jiedai.approvals.models import ApprovalTask, TaskStatus
from jiedai.approvals.services import approval_task_decide
from jiedai.core.errors import ConflictError, Forbidden, NotFound, ValidationFailed
from jiedai.expenses.models import Budget, ExpenseCategory, MoneyStatus, SupplementaryHistory
from jiedai.expenses.seeds import ensure_categories
from jiedai.expenses.services.budgets import budget_save_lines, budget_submit
from jiedai.expenses.services.supplementary import (
    supplementary_create,
    supplementary_save_lines,
    supplementary_submit,
    supplementary_withdraw,
)
from jiedai.planning.tests.factories import approved_reception

pytestmark = pytest.mark.django_db


@pytest.fixture
def categories(db):
    ensure_categories()  # transactional tests flush what the data migration seeded
    return {c.code: c for c in ExpenseCategory.objects.all()}


def decide(people, document_type, document_id, username, decision="approve", comment=""):
    task = ApprovalTask.objects.get(
        document_type=document_type, document_id=document_id, status=TaskStatus.PENDING, assignee=people[username]
    )
    approval_task_decide(task_id=task.pk, by=people[username], decision=decision, comment=comment)


def approved_budget(people, reception, amounts: dict, who="sales_rep") -> Budget:
    """The visit's budget with `amounts` (category → yuan), through the budget flow (policy 5.1.2)."""
    categories = {c.code: c for c in ExpenseCategory.objects.all()}
    lines = [
        {"category": categories[code], "description": f"{code} 预算", "amount": str(amount)}
        for code, amount in amounts.items()
    ]
    budget = budget_save_lines(reception_id=reception.pk, by=people[who], lines=lines)
    budget_submit(reception_id=reception.pk, by=people[who])
    for approver in ("sales_head", "fin_clerk", "vp_sales"):
        decide(people, "budget", budget.pk, approver)
    budget.refresh_from_db()
    assert budget.status == MoneyStatus.APPROVED
    return budget


def supplementary(people, reception, amounts: dict, *, submit=True, approve=True, who="sales_rep"):
    """A supplementary budget with `amounts` (category → yuan), submitted and approved unless told otherwise."""
    categories = {c.code: c for c in ExpenseCategory.objects.all()}
    extra = supplementary_create(reception_id=reception.pk, by=people[who], reason="客户临时增加一位副总随行")
    lines = [
        {"category": categories[code], "amount": str(amount), "reason": "多一人"} for code, amount in amounts.items()
    ]
    extra = supplementary_save_lines(supplementary_id=extra.pk, by=people[who], lines=lines)
    if submit:
        extra = supplementary_submit(supplementary_id=extra.pk, by=people[who])
        if approve:
            for approver in ("sales_head", "fin_clerk", "vp_sales"):
                decide(people, "supplementary_budget", extra.pk, approver)
            extra.refresh_from_db()
    return extra


def test_only_after_the_budget_is_approved(people, categories):
    """policy 5.3.1: a supplementary budget adds to an approved budget."""
    reception = approved_reception(people)
    with pytest.raises(ConflictError):
        supplementary_create(reception_id=reception.pk, by=people["sales_rep"], reason="追加")
    approved_budget(people, reception, {"catering": "1000.00"})
    assert supplementary_create(reception_id=reception.pk, by=people["sales_rep"], reason="追加").pk


def test_the_reason_is_required_and_lines_are_checked(people, categories):
    reception = approved_reception(people)
    approved_budget(people, reception, {"catering": "1000.00"})
    with pytest.raises(ValidationFailed) as exc:
        supplementary_create(reception_id=reception.pk, by=people["sales_rep"], reason="  ")
    assert "reason" in exc.value.errors
    extra = supplementary_create(reception_id=reception.pk, by=people["sales_rep"], reason="追加")
    bad = [{"category": categories["catering"], "amount": "-5"}, {"category": None, "amount": "1.005"}]
    with pytest.raises(ValidationFailed) as exc:
        supplementary_save_lines(supplementary_id=extra.pk, by=people["sales_rep"], lines=bad)
    assert {"lines.0", "lines.1"} <= set(exc.value.errors)
    with pytest.raises(ValidationFailed):  # nothing to submit yet
        supplementary_submit(supplementary_id=extra.pk, by=people["sales_rep"])


def test_goes_to_head_finance_and_leader_with_history(people, categories):
    """policy 5.3.1: host head → finance → supervising leader; frozen once approved; history kept."""
    reception = approved_reception(people)
    approved_budget(people, reception, {"catering": "1000.00"})
    extra = supplementary(people, reception, {"catering": "300.00", "transport": "200.00"})
    assert extra.status == MoneyStatus.APPROVED and extra.approved_at and extra.total == Decimal("500.00")
    actions = list(SupplementaryHistory.objects.filter(supplementary=extra).values_list("action", flat=True))
    assert actions == ["created", "updated", "submitted", "approved"]
    labels = [str(entry.get_action_display()) for entry in SupplementaryHistory.objects.filter(supplementary=extra)]
    assert labels == ["创建追加预算", "修改", "提交审批", "审批通过"]  # its own creation, not the budget's
    with pytest.raises(ConflictError):
        supplementary_save_lines(supplementary_id=extra.pk, by=people["sales_rep"], lines=[])


def test_returned_then_resubmitted_and_withdrawn(people, categories):
    reception = approved_reception(people)
    approved_budget(people, reception, {"catering": "1000.00"})
    extra = supplementary(people, reception, {"catering": "300.00"}, approve=False)
    decide(people, "supplementary_budget", extra.pk, "sales_head")
    decide(people, "supplementary_budget", extra.pk, "fin_clerk", "return", "请说明人数")
    extra.refresh_from_db()
    assert extra.status == MoneyStatus.RETURNED
    assert extra.history.get(action="returned").comment == "请说明人数"
    assert supplementary_submit(supplementary_id=extra.pk, by=people["sales_rep"]).status == "pending_approval"
    extra = supplementary_withdraw(supplementary_id=extra.pk, by=people["sales_rep"])
    assert extra.status == MoneyStatus.DRAFT


def test_only_the_requester_or_lead_writes_it(people, categories):
    reception = approved_reception(people)
    approved_budget(people, reception, {"catering": "1000.00"})
    with pytest.raises(NotFound):
        supplementary_create(reception_id=reception.pk, by=people["tech_eng"], reason="追加")
    with pytest.raises(Forbidden):
        supplementary_create(reception_id=reception.pk, by=people["fin_clerk"], reason="追加")
