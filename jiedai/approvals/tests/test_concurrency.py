"""Two people deciding at the same moment, on real threads with their own database connections (SQLite with
IMMEDIATE transactions, and PostgreSQL with row locks when DATABASE_URL points at it): exactly one wins."""

import pytest

from jiedai.approvals.models import ApprovalEvent, ApprovalTask, EventAction, Flow, FlowStep, TaskStatus
from jiedai.approvals.services import approval_submit, approval_task_decide
from jiedai.core.errors import ConflictError
from jiedai.core.tests.race import race
from jiedai.org.models import User

pytestmark = pytest.mark.django_db(transaction=True)


def _instance(people, code, steps):
    flow = Flow.objects.create(code=code, name=code, document_type="race_doc", is_active=True)
    for order, step in enumerate(steps, start=1):
        FlowStep.objects.create(flow=flow, order=order, name=f"s{order}", **step)
    user = people["sales_rep"]
    return approval_submit(
        flow_code=code,
        document_type="race_doc",
        document_id=1,
        applicant=user,
        department=user.department,
        title="race",
        url="/",
        snapshot={},
        by=user,
    )


@pytest.mark.parametrize("attempt", range(3))
def test_the_same_task_decided_twice_at_once_records_one_decision(people, attempt):
    instance = _instance(
        people, f"race_same_{attempt}", [{"resolver": "department_head"}, {"resolver": "supervising_leader"}]
    )
    task = ApprovalTask.objects.get(instance=instance, status=TaskStatus.PENDING)
    head = people["sales_head"]
    results = race(
        [
            lambda: approval_task_decide(task_id=task.pk, by=head, decision="approve", comment="A"),
            lambda: approval_task_decide(task_id=task.pk, by=head, decision="reject", comment="B"),
        ]
    )
    conflicts = [r for r in results if isinstance(r, ConflictError)]
    wins = [r for r in results if isinstance(r, ApprovalTask)]
    assert len(wins) == 1 and len(conflicts) == 1, results
    decisions = ApprovalEvent.objects.filter(instance=instance, action__in=[EventAction.APPROVED, EventAction.REJECTED])
    assert decisions.count() == 1


def test_two_approvers_of_an_or_step_at_once_one_wins(people):
    second = User.objects.create(username="fin_clerk2", department=people["fin_clerk"].department)
    second.role_assignments.create(role="finance")
    instance = _instance(
        people, "race_or", [{"resolver": "role", "resolver_value": "finance"}, {"resolver": "supervising_leader"}]
    )
    tasks = {t.assignee.username: t for t in ApprovalTask.objects.filter(instance=instance).select_related("assignee")}
    results = race(
        [
            lambda: approval_task_decide(task_id=tasks["fin_clerk"].pk, by=people["fin_clerk"], decision="approve"),
            lambda: approval_task_decide(task_id=tasks["fin_clerk2"].pk, by=second, decision="approve"),
        ]
    )
    assert sum(isinstance(r, ApprovalTask) for r in results) == 1, results
    assert sum(isinstance(r, ConflictError) for r in results) == 1, results
    assert ApprovalEvent.objects.filter(instance=instance, action=EventAction.APPROVED).count() == 1
    assert (
        ApprovalTask.objects.filter(instance=instance, assignee=people["vp_sales"], status=TaskStatus.PENDING).count()
        == 1
    )
