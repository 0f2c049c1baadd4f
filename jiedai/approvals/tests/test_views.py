"""The approver's pages (policy 2.2.1–2.2.3): the to-do list, the task page and the decision on the document's
page, through the web; conflicts, comments required, delegation shown; and the engine in the admin."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.admin.sites import site
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jiedai.approvals.models import ApprovalEvent, ApprovalInstance, ApprovalTask, CcRecord, Flow, TaskStatus
from jiedai.org.models import Delegation
from jiedai.receptions.models import Reception, ReceptionStatus
from jiedai.receptions.services import reception_create, reception_update
from jiedai.receptions.tests.factories import important_data, submitted_request

pytestmark = pytest.mark.django_db


def login(client, people, username):
    client.force_login(people[username])
    return client


def pending_task(reception, username=None):
    tasks = ApprovalTask.objects.filter(
        instance__document_type="reception", instance__document_id=reception.pk, status=TaskStatus.PENDING
    )
    if username:
        tasks = tasks.filter(assignee__username=username)
    return tasks.get()


def decide(client, people, reception, username, decision="approve", comment="", **headers):
    task = pending_task(reception, username)
    login(client, people, username)
    return task, client.post(
        reverse("approvals:task", args=[task.pk]), {"decision": decision, "comment": comment}, headers=headers
    )


# ---- the to-do list -----------------------------------------------------------------------------------


def test_tasks_page_lists_my_pending_tasks(client, people):
    reception = submitted_request(people)
    html = login(client, people, "sales_head").get(reverse("approvals:tasks")).content.decode()
    task = pending_task(reception)
    assert reception.number in html and "王小明" in html and "销售部" in html and "部门负责人审核" in html
    assert reverse("approvals:task", args=[task.pk]) in html
    html = login(client, people, "vp_sales").get(reverse("approvals:tasks")).content.decode()
    assert reception.number not in html and "没有待您处理的审批" in html


# session, user, count, page (tasks with their instance, applicant, department, step), 2 navigation counts, the
# user's department in the navigation menu
TASKS_QUERIES = 8  # session, user, count, page, 2 navigation counts, the roles (navigation), department


def test_tasks_page_query_count_is_the_same_at_1_and_30_rows(client, people, django_assert_num_queries):
    login(client, people, "sales_head")

    def measure():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("approvals:tasks"))
        assert response.status_code == 200
        return len(queries), len(response.context["tasks"])

    submitted_request(people)
    one, rows = measure()
    assert rows == 1
    for _ in range(29):
        submitted_request(people)
    thirty, rows = measure()
    assert rows == 20
    assert one == thirty == TASKS_QUERIES
    with django_assert_num_queries(TASKS_QUERIES):
        client.get(reverse("approvals:tasks"), {"page": "2"})


# ---- the task page and the decision panel -------------------------------------------------------------------


def test_task_page_opens_the_document_with_the_decision_panel__2_2_2(client, people):
    reception = submitted_request(people)
    task = pending_task(reception)
    response = login(client, people, "sales_head").get(reverse("approvals:task", args=[task.pk]))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('receptions:detail', args=[reception.pk])}?task={task.pk}#decide"
    html = client.get(response["Location"]).content.decode()
    assert 'id="decide"' in html and "待您审批" in html and 'value="approve"' in html and 'value="return"' in html
    assert "预计费用" in html and "该客户单位以往来访" in html  # what helps decide (policy 2.2.2)


def test_someone_elses_task_is_404(client, people):
    reception = submitted_request(people)
    task = pending_task(reception)
    for username in ("vp_sales", "sales_rep", "tech_eng"):
        login(client, people, username)
        assert client.get(reverse("approvals:task", args=[task.pk])).status_code == 404
        response = client.post(reverse("approvals:task", args=[task.pk]), {"decision": "approve"})
        assert response.status_code == 404
    task.refresh_from_db()
    assert task.status == TaskStatus.PENDING
    assert client.get(reverse("approvals:task", args=[999999])).status_code == 404


def test_head_then_supervising_leader_approve_through_the_web__2_2_1(client, people):
    reception = submitted_request(people)
    task, response = decide(client, people, reception, "sales_head", comment="同意")
    assert response.status_code == 302 and response["Location"] == reverse("receptions:detail", args=[reception.pk])
    task.refresh_from_db()
    assert task.status == TaskStatus.APPROVED and task.comment == "同意"
    assert ApprovalEvent.objects.filter(task=task, action="approved", ip="127.0.0.1").exists()
    assert "已同意" in client.get(response["Location"]).content.decode()
    assert pending_task(reception).assignee == people["vp_sales"]
    decide(client, people, reception, "vp_sales")
    reception.refresh_from_db()
    assert reception.status == ReceptionStatus.APPROVED  # ordinary visit, cost under the threshold: no GM step
    assert {r.user.username for r in CcRecord.objects.all()} == {"fin_clerk", "admin_clerk"}  # policy 2.2.3


def test_gm_must_approve_important_request__2_2_2(client, people):
    reception = reception_create(by=people["sales_rep"], data=important_data(people))
    login(client, people, "sales_rep").post(reverse("receptions:submit", args=[reception.pk]))
    for username in ("sales_head", "vp_sales"):
        decide(client, people, reception, username)
    reception.refresh_from_db()
    assert reception.status == ReceptionStatus.PENDING_APPROVAL
    task = pending_task(reception)
    assert task.assignee == people["gm"] and task.step.name == "总经理审批"
    html = login(client, people, "gm").get(reverse("receptions:detail", args=[reception.pk])).content.decode()
    assert "总经理审批" in html and 'id="decide"' in html
    decide(client, people, reception, "gm", comment="同意，请做好接待")
    reception.refresh_from_db()
    assert reception.status == ReceptionStatus.APPROVED
    assert CcRecord.objects.filter(user=people["tech_head"]).exists()  # the coordinating department's head


def test_gm_must_approve_when_the_cost_is_over_the_threshold__2_2_2(client, people):
    reception = submitted_request(people, estimated_cost=Decimal("20000.01"))
    for username in ("sales_head", "vp_sales"):
        decide(client, people, reception, username)
    assert pending_task(reception).assignee == people["gm"]


def test_reject_needs_a_comment_shown_inline(client, people):
    reception = submitted_request(people)
    task, response = decide(client, people, reception, "sales_head", decision="reject", comment="  ")
    assert response.status_code == 200
    html = response.content.decode()
    assert "驳回或退回时必须填写意见" in html and "is-invalid" in html and "<html" in html  # the page without JS
    task.refresh_from_db()
    assert task.status == TaskStatus.PENDING
    # with htmx, only the panel comes back, to swap in place
    _task, response = decide(
        client, people, reception, "sales_head", decision="return", comment="", **{"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and 'id="decision-panel"' in html
    assert "驳回或退回时必须填写意见" in html


def test_reject_with_a_comment_ends_the_request(client, people):
    reception = submitted_request(people)
    task, response = decide(
        client, people, reception, "sales_head", decision="reject", comment="预算不足，本季度不安排"
    )
    assert response.status_code == 302
    reception.refresh_from_db()
    assert reception.status == ReceptionStatus.REJECTED
    html = login(client, people, "sales_rep").get(reverse("receptions:detail", args=[reception.pk])).content.decode()
    assert "预算不足，本季度不安排" in html and "已驳回" in html
    assert reverse("receptions:edit", args=[reception.pk]) not in html


def test_return_then_resubmit_starts_a_new_round(client, people):
    reception = submitted_request(people)
    decide(client, people, reception, "sales_head", decision="return", comment="请补充陪同人员名单")
    reception.refresh_from_db()
    assert reception.status == ReceptionStatus.RETURNED
    login(client, people, "sales_rep")
    html = client.get(reverse("receptions:detail", args=[reception.pk])).content.decode()
    assert "请补充陪同人员名单" in html and "退回了此申请" in html and "重新提交" in html
    reception_update(
        reception_id=reception.pk, by=people["sales_rep"], data={"escort_needs": "技术部张伟、销售部王小明"}
    )
    response = client.post(reverse("receptions:submit", args=[reception.pk]))
    assert response.status_code == 302
    reception.refresh_from_db()
    assert reception.status == ReceptionStatus.PENDING_APPROVAL
    assert ApprovalInstance.objects.get().round == 2
    html = client.get(reverse("receptions:detail", args=[reception.pk])).content.decode()
    assert '<details class="round">' in html and "第 1 轮" in html and "第 2 轮（当前）" in html


def test_deciding_an_already_decided_task_is_a_clear_conflict(client, people):
    reception = submitted_request(people)
    task, response = decide(client, people, reception, "sales_head")
    # the same task again (another tab, or a colleague was first): a message and back to the document
    response = client.post(reverse("approvals:task", args=[task.pk]), {"decision": "reject", "comment": "不同意"})
    assert response.status_code == 302 and response["Location"] == reverse("receptions:detail", args=[reception.pk])
    html = client.get(response["Location"]).content.decode()
    assert "该任务已被处理" in html
    task.refresh_from_db()
    assert task.status == TaskStatus.APPROVED
    # htmx follows a full-page redirect instead of swapping a page into the panel
    response = client.post(
        reverse("approvals:task", args=[task.pk]), {"decision": "approve"}, headers={"HX-Request": "true"}
    )
    assert response["HX-Redirect"] == reverse("receptions:detail", args=[reception.pk])
    # opening the decided task just shows the document
    response = client.get(reverse("approvals:task", args=[task.pk]))
    assert response.status_code == 302 and "?task=" not in response["Location"]


def test_a_delegate_decides_and_the_record_shows_both(client, people):
    now = timezone.now()
    Delegation.objects.create(
        delegator=people["sales_head"],
        delegate=people["tech_head"],
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=3),
        reason="出差",
    )
    reception = submitted_request(people)
    task = pending_task(reception)
    assert task.assignee == people["tech_head"] and task.acting_for == people["sales_head"]
    html = login(client, people, "tech_head").get(reverse("approvals:tasks")).content.decode()
    assert "代 李红 审批" in html
    html = client.get(reverse("receptions:detail", args=[reception.pk])).content.decode()
    assert "您正在代 李红 审批" in html
    decide(client, people, reception, "tech_head", comment="代为同意")
    html = login(client, people, "sales_rep").get(reverse("receptions:detail", args=[reception.pk])).content.decode()
    assert "刘强（代 李红）" in html and "代为同意" in html
    html = client.get(reverse("receptions:print", args=[reception.pk])).content.decode()
    assert "刘强（代 李红）" in html


# ---- the navigation badge -------------------------------------------------------------------------------


def test_navigation_counts_pending_tasks(client, people):
    submitted_request(people)
    submitted_request(people)
    response = login(client, people, "sales_head").get(reverse("approvals:tasks"))
    assert response.context["nav"]["pending_tasks"] == 2


# ---- the engine in the admin ----------------------------------------------------------------------------


def admin_request(people):
    request = RequestFactory().get("/admin/")
    request.user = people["sysadmin"]
    return request


def test_a_flow_with_instances_is_read_only_in_the_admin(client, people):
    flow = Flow.objects.get(code="reception_request", is_active=True)
    model_admin = site._registry[Flow]
    request = admin_request(people)
    assert model_admin.has_change_permission(request, flow)  # not used yet
    submitted_request(people)
    assert not model_admin.has_change_permission(request, flow)
    assert not model_admin.has_delete_permission(request, flow)
    for inline in model_admin.get_inline_instances(request, flow):
        assert not inline.has_change_permission(request, flow)
        assert not inline.has_add_permission(request, flow)
        assert not inline.has_delete_permission(request, flow)
    login(client, people, "sysadmin")
    page = client.get(reverse("admin:approvals_flow_change", args=[flow.pk])).content.decode()
    assert "部门负责人审核" in page and 'name="steps-0-name"' not in page  # shown, not editable


def test_admin_actions_copy_a_flow_and_enable_the_copy(client, people):
    flow = Flow.objects.get(code="reception_request", is_active=True)
    submitted_request(people)
    login(client, people, "sysadmin")
    changelist = reverse("admin:approvals_flow_changelist")
    response = client.post(changelist, {"action": "new_version", "_selected_action": [flow.pk]}, follow=True)
    assert "已复制为新版本" in response.content.decode()
    copy = Flow.objects.get(code="reception_request", version=2)
    assert not copy.is_active and copy.steps.count() == flow.steps.count() and copy.cc_rules.count() == 3
    assert site._registry[Flow].has_change_permission(admin_request(people), copy)  # the copy is editable
    response = client.post(changelist, {"action": "activate", "_selected_action": [copy.pk]}, follow=True)
    assert "已启用" in response.content.decode()
    flow.refresh_from_db()
    copy.refresh_from_db()
    assert copy.is_active and not flow.is_active


def test_approval_history_cannot_be_edited_in_the_admin(client, people):
    reception = submitted_request(people)
    request = admin_request(people)
    for model in (ApprovalInstance, ApprovalTask, ApprovalEvent, CcRecord):
        model_admin = site._registry[model]
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)
        assert model_admin.has_view_permission(request)
    login(client, people, "sysadmin")
    instance = ApprovalInstance.objects.get()
    assert client.get(reverse("admin:approvals_approvalinstance_change", args=[instance.pk])).status_code == 200
    assert client.get(reverse("admin:approvals_approvaltask_changelist")).status_code == 200
    assert client.get(reverse("admin:approvals_approvalevent_changelist")).status_code == 200
    assert client.get(reverse("admin:receptions_reception_change", args=[reception.pk])).status_code == 200
    assert client.get(reverse("admin:receptions_clientcontact_changelist"), {"q": "林"}).status_code == 200
    assert not site._registry[Reception].has_add_permission(request)
    assert not site._registry[Reception].has_delete_permission(request, reception)
