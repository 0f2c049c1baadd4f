"""policy 3.1.2: the plan goes through review and confirmation (host head → coordinating heads, all → supervising
leader for important visits); changes after confirmation are recorded and announced."""

import pytest
from django.urls import reverse

from jiedai.approvals.models import ApprovalTask, TaskStatus
from jiedai.approvals.services import approval_task_decide
from jiedai.core.errors import ConflictError, ValidationFailed
from jiedai.notify.models import Notification
from jiedai.planning.models import PlanAction, PlanStatus
from jiedai.planning.review import plan_submit, plan_withdraw
from jiedai.planning.services.plan import record_change
from jiedai.planning.tests.factories import plan_for, ready_plan

pytestmark = pytest.mark.django_db


def _decide(people, plan, username, decision="approve", comment=""):
    task = ApprovalTask.objects.get(
        document_type="reception_plan", document_id=plan.pk, status=TaskStatus.PENDING, assignee=people[username]
    )
    approval_task_decide(task_id=task.pk, by=people[username], decision=decision, comment=comment)
    plan.refresh_from_db()
    return plan


def test_incomplete_plan_cannot_be_submitted(people):
    plan = plan_for(people)
    with pytest.raises(ValidationFailed) as exc:
        plan_submit(reception_id=plan.reception_id, by=people["sales_rep"])
    assert set(exc.value.errors) == {"items", "staff", "emergencies"}
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT


def test_important_plan_goes_to_head_then_every_coordinating_head_then_leader(people):
    plan = ready_plan(people, important=True)
    plan = plan_submit(reception_id=plan.reception_id, by=people["sales_rep"])
    assert plan.status == PlanStatus.PENDING_REVIEW and plan.submitted_at
    plan = _decide(people, plan, "sales_head")
    plan = _decide(people, plan, "tech_head")  # coordinating department (policy 3.1.2: 相关部门)
    assert plan.status == PlanStatus.PENDING_REVIEW
    plan = _decide(people, plan, "vp_sales")  # important visit: the supervising leader confirms
    assert plan.status == PlanStatus.CONFIRMED and plan.confirmed_at
    actions = list(plan.history.exclude(action=PlanAction.CHANGED).values_list("action", flat=True))
    assert actions == [PlanAction.CREATED, PlanAction.SUBMITTED, PlanAction.CONFIRMED]


def test_normal_plan_without_coordination_needs_the_head_only(people):
    plan = ready_plan(people)
    plan_submit(reception_id=plan.reception_id, by=people["sales_rep"])
    plan = _decide(people, plan, "sales_head")
    assert plan.status == PlanStatus.CONFIRMED


def test_returned_plan_is_revised_and_resubmitted(people):
    plan = ready_plan(people)
    plan_submit(reception_id=plan.reception_id, by=people["sales_rep"])
    plan = _decide(people, plan, "sales_head", "return", "请补充雨天备选方案")
    assert plan.status == PlanStatus.RETURNED
    assert plan.history.get(action=PlanAction.RETURNED).comment == "请补充雨天备选方案"
    plan = plan_submit(reception_id=plan.reception_id, by=people["sales_rep"])
    assert plan.status == PlanStatus.PENDING_REVIEW
    assert plan.history.filter(action=PlanAction.RESUBMITTED).exists()


def test_plan_under_review_cannot_change_until_withdrawn(people):
    plan = ready_plan(people)
    plan_submit(reception_id=plan.reception_id, by=people["sales_rep"])
    with pytest.raises(ConflictError):
        plan_submit(reception_id=plan.reception_id, by=people["sales_rep"])
    plan = plan_withdraw(reception_id=plan.reception_id, by=people["sales_rep"])
    assert plan.status == PlanStatus.DRAFT


def test_change_after_confirmation_is_recorded_and_announced(people):
    plan = ready_plan(people, important=True)
    plan_submit(reception_id=plan.reception_id, by=people["sales_rep"])
    for who in ("sales_head", "tech_head", "vp_sales"):
        plan = _decide(people, plan, who)
    record_change(plan, by=people["sales_rep"], summary="欢迎会改到 10:00")
    entry = plan.history.get(action=PlanAction.CHANGED_AFTER_CONFIRMATION)
    assert entry.summary == "欢迎会改到 10:00"
    told = set(Notification.objects.filter(kind="plan_changed").values_list("recipient__username", flat=True))
    assert {"sales_head", "tech_head"} <= told and "sales_rep" not in told


def test_overview_page_for_reader_and_404_for_outsider(people, client):
    plan = ready_plan(people, important=True)
    url = reverse("planning:overview", args=[plan.reception_id])
    client.force_login(people["tech_eng"])  # coordinating department member: copied, may read
    assert client.get(url).status_code == 200
    client.force_login(people["fin_clerk"])
    assert client.get(url).status_code == 200
    client.force_login(people["sales_rep"])
    page = client.get(url).content.decode()
    assert "提交审核" in page


def test_a_new_plan_lists_what_is_missing_before_review(people, client):
    """policy 3.1.2: the editor sees what the plan still needs (an empty plan's overview must not fail)."""
    plan = plan_for(people)
    client.force_login(people["sales_rep"])
    page = client.get(reverse("planning:overview", args=[plan.reception_id])).content.decode()
    assert "行程安排至少需要一项" in page and "请添加至少一项应急预案" in page
