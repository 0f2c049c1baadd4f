"""The engine on flows of its own (no document app): role steps, 会签, handle steps, amount conditions,
dedup, self-approval, delegation, return and resubmit, withdraw, version pinning (policy 2.2, 5.1.2, 5.2)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jiedai.approvals.models import (
    ApprovalEvent,
    ApprovalTask,
    CcRecord,
    EventAction,
    Flow,
    FlowStep,
    InstanceStatus,
    TaskStatus,
)
from jiedai.approvals.services import (
    approval_submit,
    approval_task_decide,
    approval_withdraw,
    flow_activate,
    flow_new_version,
)
from jiedai.core.errors import ConflictError, DomainError, NotFound, ValidationFailed
from jiedai.org.models import Delegation, Department, User

pytestmark = pytest.mark.django_db


def make_flow(code, steps, cc=()):
    flow = Flow.objects.create(code=code, name=code, document_type="test_doc", is_active=True)
    for order, step in enumerate(steps, start=1):
        FlowStep.objects.create(flow=flow, order=order, **{"name": f"step {order}", **step})
    for target, value in cc:
        flow.cc_rules.create(target=target, value=value)
    return flow


_doc_ids = iter(range(1, 10_000))


def start(people, flow_code, applicant="sales_rep", snapshot=None):
    user = people[applicant]
    return approval_submit(
        flow_code=flow_code,
        document_type="test_doc",
        document_id=next(_doc_ids),
        applicant=user,
        department=user.department,
        title="测试单据",
        url="/x/",
        snapshot=snapshot or {},
        by=user,
    )


def pending(instance):
    return list(ApprovalTask.objects.filter(instance=instance, status=TaskStatus.PENDING).order_by("id"))


def decide(people, instance, username, decision="approve", comment=""):
    task = ApprovalTask.objects.get(instance=instance, status=TaskStatus.PENDING, assignee=people[username])
    return approval_task_decide(task_id=task.pk, by=people[username], decision=decision, comment=comment)


def test_role_step_asks_everyone_with_the_role_and_any_one_settles_it__5_1_2(people):
    second = User.objects.create(username="fin_clerk2", department=people["fin_clerk"].department)
    second.role_assignments.create(role="finance")
    make_flow("t_role", [{"resolver": "role", "resolver_value": "finance"}])
    instance = start(people, "t_role")
    assert {t.assignee.username for t in pending(instance)} == {"fin_clerk", "fin_clerk2"}
    decide(people, instance, "fin_clerk")
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.APPROVED
    assert ApprovalTask.objects.get(instance=instance, assignee=second).status == TaskStatus.CANCELLED


def test_all_must_approve_step_waits_for_everyone(people):
    make_flow("t_all", [{"resolver": "department_heads_from_field", "resolver_value": "depts", "mode": "all"}])
    instance = start(people, "t_all", snapshot={"depts": ["tech", "finance", "admin"]})
    assert {t.assignee.username for t in pending(instance)} == {"tech_head", "fin_head", "admin_head"}
    decide(people, instance, "tech_head")
    decide(people, instance, "fin_head")
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.PENDING
    decide(people, instance, "admin_head")
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.APPROVED


def test_handle_step_is_done_not_approved_and_cannot_reject__5_2_3(people):
    make_flow(
        "t_handle",
        [{"resolver": "department_head"}, {"resolver": "role", "resolver_value": "finance", "kind": "handle"}],
    )
    instance = start(people, "t_handle")
    decide(people, instance, "sales_head")
    with pytest.raises(ValidationFailed) as exc:
        decide(people, instance, "fin_clerk", "reject", "no")
    assert "decision" in exc.value.errors
    decide(people, instance, "fin_clerk")
    assert ApprovalEvent.objects.filter(instance=instance, action=EventAction.HANDLED).count() == 1
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.APPROVED


@pytest.mark.parametrize(("amount", "gm_asked"), [("20000.00", False), ("20000.01", True), ("0.10", False)])
def test_amount_condition_adds_the_gm_above_the_threshold__2_2_2(people, amount, gm_asked):
    condition = {"field": "estimated_cost", "gt": {"setting": "gm_cost_threshold"}}
    make_flow("t_amount", [{"resolver": "department_head"}, {"resolver": "general_manager", "condition": condition}])
    instance = start(people, "t_amount", snapshot={"estimated_cost": amount})
    decide(people, instance, "sales_head")
    instance.refresh_from_db()
    assert (instance.status == InstanceStatus.PENDING) is gm_asked
    assert [t.assignee.username for t in pending(instance)] == (["gm"] if gm_asked else [])


def test_threshold_is_a_run_time_setting(people):
    from jiedai.core.models import SystemSetting

    SystemSetting.objects.update_or_create(key="gm_cost_threshold", defaults={"value": "100.00"})
    condition = {"field": "estimated_cost", "gt": {"setting": "gm_cost_threshold"}}
    make_flow("t_setting", [{"resolver": "general_manager", "condition": condition}])
    instance = start(people, "t_setting", snapshot={"estimated_cost": "150.00"})
    assert [t.assignee.username for t in pending(instance)] == ["gm"]


def test_approver_who_already_approved_is_skipped_and_recorded(people):
    # sales' head is also made sales' supervising leader: the second step is skipped as already approved.
    sales = Department.objects.get(code="sales")
    sales.supervising_leader = people["sales_head"]
    sales.save()
    make_flow("t_dedup", [{"resolver": "department_head"}, {"resolver": "supervising_leader"}])
    instance = start(people, "t_dedup")
    decide(people, instance, "sales_head")
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.APPROVED
    skipped = ApprovalTask.objects.get(instance=instance, status=TaskStatus.SKIPPED)
    assert skipped.assignee.username == "sales_head" and skipped.skip_reason
    assert ApprovalEvent.objects.filter(instance=instance, action=EventAction.SKIPPED).count() == 1


def test_applicant_is_never_their_own_approver(people):
    make_flow("t_self", [{"resolver": "department_head"}, {"resolver": "supervising_leader"}])
    instance = start(people, "t_self", applicant="sales_head")
    assert [t.assignee.username for t in pending(instance)] == ["vp_sales"]
    assert ApprovalTask.objects.get(instance=instance, status=TaskStatus.SKIPPED).assignee.username == "sales_head"


def test_delegate_gets_the_task_and_the_record_shows_both(people):
    now = timezone.now()
    Delegation.objects.create(
        delegator=people["sales_head"],
        delegate=people["sales_rep"],
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=1),
    )
    make_flow("t_deleg", [{"resolver": "department_head"}])
    instance = start(people, "t_deleg", applicant="tech_eng")  # department is tech → tech_head; use sales below
    assert [t.assignee.username for t in pending(instance)] == ["tech_head"]
    other = approval_submit(
        flow_code="t_deleg",
        document_type="test_doc",
        document_id=next(_doc_ids),
        applicant=people["vp_sales"],
        department=people["sales_head"].department,
        title="t",
        url="/",
        snapshot={},
        by=people["vp_sales"],
    )
    (task,) = pending(other)
    assert task.assignee.username == "sales_rep" and task.acting_for.username == "sales_head"
    decide(people, other, "sales_rep")
    event = ApprovalEvent.objects.get(instance=other, action=EventAction.APPROVED)
    assert event.actor.username == "sales_rep" and event.on_behalf_of.username == "sales_head"


def test_return_then_resubmit_is_a_new_round_and_keeps_the_old_one(people):
    make_flow("t_return", [{"resolver": "department_head"}, {"resolver": "supervising_leader"}])
    instance = start(people, "t_return")
    decide(people, instance, "sales_head")
    with pytest.raises(ValidationFailed):
        decide(people, instance, "vp_sales", "return", "  ")
    decide(people, instance, "vp_sales", "return", "请补充费用")
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.RETURNED
    user = people["sales_rep"]
    again = approval_submit(
        flow_code="t_return",
        document_type="test_doc",
        document_id=instance.document_id,
        applicant=user,
        department=user.department,
        title="t",
        url="/",
        snapshot={},
        by=user,
    )
    assert again.pk == instance.pk and again.round == 2
    assert [t.assignee.username for t in pending(again)] == ["sales_head"]  # round 2 starts from the top
    assert ApprovalTask.objects.filter(instance=instance, round=1).count() == 2


def test_reject_is_final(people):
    make_flow("t_reject", [{"resolver": "department_head"}])
    instance = start(people, "t_reject")
    decide(people, instance, "sales_head", "reject", "不必要")
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.REJECTED
    user = people["sales_rep"]
    with pytest.raises(ConflictError):
        approval_submit(
            flow_code="t_reject",
            document_type="test_doc",
            document_id=instance.document_id,
            applicant=user,
            department=user.department,
            title="t",
            url="/",
            snapshot={},
            by=user,
        )


def test_withdraw_while_pending_cancels_tasks_and_a_second_decision_conflicts(people):
    make_flow("t_withdraw", [{"resolver": "department_head"}])
    instance = start(people, "t_withdraw")
    (task,) = pending(instance)
    with pytest.raises(NotFound):
        approval_withdraw(document_type="test_doc", document_id=instance.document_id, by=people["gm"])
    approval_withdraw(document_type="test_doc", document_id=instance.document_id, by=people["sales_rep"])
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.WITHDRAWN
    with pytest.raises(ConflictError):
        approval_task_decide(task_id=task.pk, by=people["sales_head"], decision="approve")


def test_deciding_twice_conflicts_and_someone_elses_task_is_not_found(people):
    make_flow("t_twice", [{"resolver": "department_head"}, {"resolver": "supervising_leader"}])
    instance = start(people, "t_twice")
    (task,) = pending(instance)
    with pytest.raises(NotFound):
        approval_task_decide(task_id=task.pk, by=people["gm"], decision="approve")
    approval_task_decide(task_id=task.pk, by=people["sales_head"], decision="approve")
    with pytest.raises(ConflictError):
        approval_task_decide(task_id=task.pk, by=people["sales_head"], decision="approve")
    assert ApprovalEvent.objects.filter(instance=instance, action=EventAction.APPROVED).count() == 1


def test_missing_approver_is_a_clear_error_and_nothing_is_written(people):
    make_flow("t_missing", [{"resolver": "user", "resolver_value": "nobody"}])
    with pytest.raises(DomainError, match="找不到审批人"):
        start(people, "t_missing")


def test_cc_rules_copy_on_approval__2_2_3(people):
    make_flow(
        "t_cc",
        [{"resolver": "department_head"}],
        cc=[("role", "finance"), ("role", "administration"), ("department_heads_from_field", "depts")],
    )
    instance = start(people, "t_cc", snapshot={"depts": ["tech"]})
    assert not CcRecord.objects.filter(instance=instance).exists()
    decide(people, instance, "sales_head")
    copied = set(CcRecord.objects.filter(instance=instance).values_list("user__username", flat=True))
    assert copied == {"fin_clerk", "admin_clerk", "tech_head"}


def test_an_instance_keeps_its_flow_version(people):
    flow = make_flow("t_version", [{"resolver": "department_head"}])
    instance = start(people, "t_version")
    new = flow_new_version(flow=flow)
    new.steps.create(order=2, name="GM", resolver="general_manager")
    flow_activate(flow=new)
    decide(people, instance, "sales_head")
    instance.refresh_from_db()
    assert instance.flow_id == flow.pk and instance.status == InstanceStatus.APPROVED
    later = start(people, "t_version")
    assert later.flow_id == new.pk and new.version == 2
    assert Flow.objects.get(pk=flow.pk).is_active is False


def test_history_rows_cannot_be_edited(people):
    make_flow("t_hist", [{"resolver": "department_head"}])
    instance = start(people, "t_hist")
    event = ApprovalEvent.objects.filter(instance=instance).first()
    event.comment = "tampered"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


def test_seeded_policy_flows_exist(people):
    codes = dict(Flow.objects.filter(is_active=True).values_list("code", "document_type"))
    assert {"reception_request", "budget", "reimbursement", "supplementary_budget"} <= set(codes)
    reimbursement = Flow.objects.get(code="reimbursement", is_active=True)
    assert [s.kind for s in reimbursement.steps.all()][-1] == "handle"


def test_notifications_are_stored_in_the_company_language_whoever_acts(people):
    from django.utils import translation

    from jiedai.notify.models import Notification

    make_flow("t_lang", [{"resolver": "department_head"}])
    with translation.override("en"):
        instance = start(people, "t_lang")
    title = Notification.objects.get(recipient=people["sales_head"], document_id=instance.document_id).title
    assert title.startswith("待您处理")
