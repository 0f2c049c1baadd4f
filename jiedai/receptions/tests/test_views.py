"""The reception request's web pages (policy 2.1.1–2.2.3): the form, the list, the detail page, print, withdraw,
the directory picker; access (an outsider sees nothing) and fixed query counts."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jiedai.approvals.models import ApprovalTask, CcRecord, TaskStatus
from jiedai.receptions.models import LOCAL_TZ, ClientContact, Reception, ReceptionHistory, ReceptionStatus
from jiedai.receptions.services import reception_create, reception_submit
from jiedai.receptions.tests.factories import decide, important_data, request_data, submitted_request

pytestmark = pytest.mark.django_db


def login(client, people, username):
    client.force_login(people[username])
    return client


def local(dt) -> str:
    return dt.astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")


def form_data(action="save", clients=None, **overrides) -> dict:
    """What the browser posts for a complete, ordinary request (visit in a month, Shanghai wall-clock times)."""
    start = (
        (timezone.now() + timedelta(days=30)).astimezone(LOCAL_TZ).replace(hour=9, minute=0, second=0, microsecond=0)
    )
    data = {
        "purpose": "考察生产线并洽谈年度采购",
        "visit_start": local(start),
        "visit_end": local(start + timedelta(days=1, hours=8)),
        "visitor_count": "3",
        "escort_needs": "需要技术部工程师陪同参观",
        "importance": "normal",
        "estimated_cost": "5000.00",
        "expected_version": "",
        "action": action,
    }
    clients = clients if clients is not None else [("林海", "华东精密机械有限公司", "采购总监", "13800000000", "")]
    for key, index in (("name", 0), ("organization", 1), ("title", 2), ("phone", 3), ("email", 4)):
        data[f"client_{key}"] = [row[index] for row in clients]
    data.update(overrides)
    return data


# ---- the form: create, edit, submit ----------------------------------------------------------------------


def test_pages_need_login(client):
    for url in (reverse("receptions:list"), reverse("receptions:create"), reverse("receptions:detail", args=[1])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_form_shows_the_policy_fields_and_hints__2_1_1__2_1_2(client, people):
    response = login(client, people, "sales_rep").get(reverse("receptions:create"))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "客户接待通知申请表",
        "来访目的",
        "停留天数",
        "从客户名录选择",
        "制度依据 2.1.2",
        "牵头负责人",
        "保存草稿",
        "提交审批",
    ):
        assert text in html
    assert 'type="datetime-local"' in html and "data-stay-start" in html
    # the host department is not offered as a coordinating department (policy 2.1.2)
    offered = response.context["form"].fields["coordinating_departments"].queryset
    assert people["sales_rep"].department not in offered and offered.filter(code="tech").exists()
    assert "20,000.00" in html  # the GM threshold the requester should know about (policy 2.2.2)


def test_requester_saves_a_draft_through_the_form__2_1_1(client, people):
    response = login(client, people, "sales_rep").post(reverse("receptions:create"), form_data())
    reception = Reception.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("receptions:detail", args=[reception.pk])
    assert reception.status == ReceptionStatus.DRAFT and reception.number is None
    assert reception.requester == people["sales_rep"] and reception.host_department.code == "sales"
    # datetime-local values are Asia/Shanghai wall-clock time
    assert reception.visit_start.astimezone(LOCAL_TZ).hour == 9
    assert reception.estimated_cost == Decimal("5000.00") and reception.visitor_count == 3
    assert reception.days_of_stay == 2
    assert [c.name for c in reception.clients.all()] == ["林海"]
    assert ClientContact.objects.get().organization.name == "华东精密机械有限公司"  # kept for reuse
    page = client.get(response["Location"]).content.decode()
    assert "草稿已保存" in page and "2 天" in page


def test_save_and_submit_in_one_step__2_2_1(client, people):
    response = login(client, people, "sales_rep").post(reverse("receptions:create"), form_data(action="submit"))
    reception = Reception.objects.get()
    assert response.status_code == 302
    assert reception.status == ReceptionStatus.PENDING_APPROVAL and reception.number.startswith("JD-")
    task = ApprovalTask.objects.get(status=TaskStatus.PENDING)
    assert task.assignee == people["sales_head"]  # policy 2.2.1: the host department head first


def test_submit_with_missing_fields_keeps_the_draft_and_marks_the_fields__2_1_1(client, people):
    response = login(client, people, "sales_rep").post(
        reverse("receptions:create"), form_data(action="submit", clients=[], purpose="", visitor_count="")
    )
    assert response.status_code == 200
    reception = Reception.objects.get()
    assert reception.status == ReceptionStatus.DRAFT  # the draft is saved all the same
    html = response.content.decode()
    assert "请填写来访目的" in html and "请填写来访人数" in html and "请至少添加一位来访客户" in html
    assert "已保存为草稿" in html
    # the form now edits the saved draft, with its current version
    assert f'action="{reverse("receptions:edit", args=[reception.pk])}"' in html
    assert f'name="expected_version" value="{reception.version}"' in html


def test_invalid_input_is_shown_on_its_field_and_nothing_is_saved(client, people):
    data = form_data()
    data["visit_end"] = data["visit_start"].replace("T09:00", "T08:00")
    data["estimated_cost"] = "12.345"
    response = login(client, people, "sales_rep").post(reverse("receptions:create"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "is-invalid" in html
    assert "小数" in html  # the cost's error: two decimal places at most
    assert not Reception.objects.exists()
    response = client.post(reverse("receptions:create"), form_data())
    assert Reception.objects.count() == 1
    # the service's own check (end after start) comes back onto visit_end
    bad = form_data()
    bad["visit_end"] = bad["visit_start"].replace("T09:00", "T08:00")
    response = client.post(reverse("receptions:create"), bad)
    assert "结束时间必须晚于开始时间" in response.content.decode()


def test_client_row_errors_point_at_the_row(client, people):
    rows = [("林海", "华东精密", "", "", ""), ("", "", "", "", "not-an-email"), ("周", "", "", "", "")]
    response = login(client, people, "sales_rep").post(reverse("receptions:create"), form_data(clients=rows))
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'is-invalid" name="client_email"[^>]*value="not-an-email"', html)  # row 2: the e-mail
    assert "Email" in html  # Django's "输入一个有效的 Email 地址。"
    assert not Reception.objects.exists()
    rows = [("林海", "华东精密", "", "", ""), ("周", "", "", "", "")]
    response = client.post(reverse("receptions:create"), form_data(clients=rows))
    assert "请填写客户单位" in response.content.decode()  # row 2 from the service: "clients.1.organization"
    assert not Reception.objects.exists()


def test_important_request_needs_lead_departments_statement_and_outcome__2_1_2(client, people):
    response = login(client, people, "sales_rep").post(
        reverse("receptions:create"), form_data(action="submit", importance="important")
    )
    html = response.content.decode()
    for message in ("须指定牵头负责人", "须明确协同部门", "请简要说明接待活动的重要性", "请填写预期效果"):
        assert message in html
    assert "important-section is-required" in html
    reception = Reception.objects.get()
    tech = people["tech_head"].department
    data = form_data(
        action="submit",
        importance="important",
        lead=str(people["sales_rep"].pk),
        coordinating_departments=[str(tech.pk)],
        importance_statement="年度最大客户",
        expected_outcome="签订框架协议",
        expected_version=str(reception.version),
    )
    response = client.post(reverse("receptions:edit", args=[reception.pk]), data)
    assert response.status_code == 302
    reception.refresh_from_db()
    assert reception.status == ReceptionStatus.PENDING_APPROVAL
    assert list(reception.coordinating_departments.all()) == [tech] and reception.lead == people["sales_rep"]


def test_edit_a_draft_and_a_stale_version_is_a_conflict(client, people):
    reception = reception_create(by=people["sales_rep"], data=request_data())
    login(client, people, "sales_rep")
    page = client.get(reverse("receptions:edit", args=[reception.pk])).content.decode()
    assert "林海" in page and "华东精密机械有限公司" in page and f'value="{reception.version}"' in page
    assert local(reception.visit_start) in page
    data = form_data(purpose="改为参观新厂区", expected_version=str(reception.version))
    response = client.post(reverse("receptions:edit", args=[reception.pk]), data)
    assert response.status_code == 302
    reception.refresh_from_db()
    assert reception.purpose == "改为参观新厂区" and reception.version == 2
    # a second tab still holding version 1 loses cleanly: a message and back to the request
    response = client.post(reverse("receptions:edit", args=[reception.pk]), form_data(expected_version="1"))
    assert response.status_code == 302 and response["Location"] == reverse("receptions:detail", args=[reception.pk])
    assert "已在别处被修改" in client.get(response["Location"]).content.decode()
    reception.refresh_from_db()
    assert reception.purpose == "改为参观新厂区"


def test_a_submitted_request_cannot_be_edited(client, people):
    reception = submitted_request(people)
    response = login(client, people, "sales_rep").get(reverse("receptions:edit", args=[reception.pk]))
    assert response.status_code == 403
    response = client.get(reverse("receptions:detail", args=[reception.pk]))
    assert reverse("receptions:edit", args=[reception.pk]) not in response.content.decode()


def test_submit_from_the_detail_page(client, people):
    incomplete = reception_create(by=people["sales_rep"], data={"purpose": "初步沟通"})
    login(client, people, "sales_rep")
    response = client.post(reverse("receptions:submit", args=[incomplete.pk]))
    assert response.status_code == 200  # the form, with what is missing
    assert "请填写来访开始时间" in response.content.decode()
    complete = reception_create(by=people["sales_rep"], data=request_data())
    response = client.post(reverse("receptions:submit", args=[complete.pk]))
    assert response.status_code == 302
    complete.refresh_from_db()
    assert complete.status == ReceptionStatus.PENDING_APPROVAL
    # submitting twice is a conflict, shown as a message
    response = client.post(reverse("receptions:submit", args=[complete.pk]), follow=True)
    assert response.status_code == 200 and "不能再次提交" in response.content.decode()


# ---- access -------------------------------------------------------------------------------------------


def test_outsider_gets_404_on_detail_print_edit_and_withdraw(client, people):
    reception = submitted_request(people)
    login(client, people, "tech_eng")
    for name in ("detail", "print", "edit", "withdraw"):
        assert client.get(reverse(f"receptions:{name}", args=[reception.pk])).status_code == 404, name
    assert client.post(reverse("receptions:withdraw", args=[reception.pk])).status_code == 404
    assert client.post(reverse("receptions:submit", args=[reception.pk])).status_code == 404
    assert client.get(reverse("receptions:detail", args=[999999])).status_code == 404
    assert "找不到" in client.get(reverse("receptions:detail", args=[999999])).content.decode()


def test_a_draft_is_the_requesters_alone(client, people):
    draft = reception_create(by=people["sales_rep"], data=request_data())
    assert login(client, people, "sales_head").get(reverse("receptions:detail", args=[draft.pk])).status_code == 404


def test_script_in_a_client_name_is_shown_as_text(client, people):
    rows = [("<script>alert(1)</script>", "<b>恶意</b>公司", "", "", "")]
    login(client, people, "sales_rep").post(reverse("receptions:create"), form_data(clients=rows))
    reception = Reception.objects.get()
    for name in ("detail", "print", "edit"):
        html = client.get(reverse(f"receptions:{name}", args=[reception.pk])).content.decode()
        assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html, name
        assert "<b>恶意</b>" not in html
    html = client.get(reverse("receptions:list")).content.decode()
    assert "<b>恶意</b>" not in html and "&lt;b&gt;恶意&lt;/b&gt;公司" in html
    html = client.get(reverse("receptions:client_search"), {"q": "script"}).content.decode()
    assert "<script>" not in html and "&lt;script&gt;" in html


# ---- withdraw ----------------------------------------------------------------------------------------


def test_requester_withdraws_a_pending_request_with_a_comment(client, people):
    reception = submitted_request(people)
    login(client, people, "sales_rep")
    detail = client.get(reverse("receptions:detail", args=[reception.pk])).content.decode()
    assert "withdraw-dialog" in detail and "确认撤回" in detail
    assert client.get(reverse("receptions:withdraw", args=[reception.pk])).status_code == 200  # no-JS confirm page
    response = client.post(reverse("receptions:withdraw", args=[reception.pk]), {"comment": "客户行程改期"})
    assert response.status_code == 302
    reception.refresh_from_db()
    assert reception.status == ReceptionStatus.WITHDRAWN
    assert ReceptionHistory.objects.filter(reception=reception, action="withdrawn").exists()
    assert not ApprovalTask.objects.filter(status=TaskStatus.PENDING).exists()
    assert "客户行程改期" in client.get(reverse("receptions:detail", args=[reception.pk])).content.decode()
    # again: no longer pending — a message, not an error page
    response = client.post(reverse("receptions:withdraw", args=[reception.pk]), follow=True)
    assert response.status_code == 200 and "只有审批中的" in response.content.decode()


def test_only_the_requester_may_withdraw(client, people):
    reception = submitted_request(people)
    response = login(client, people, "sales_head").post(reverse("receptions:withdraw", args=[reception.pk]))
    assert response.status_code == 403
    reception.refresh_from_db()
    assert reception.status == ReceptionStatus.PENDING_APPROVAL


# ---- detail and print -----------------------------------------------------------------------------------


def test_detail_shows_the_request_timeline_and_history__2_2_1(client, people):
    reception = submitted_request(people)
    decide(people, reception, "sales_head", comment="同意，注意控制费用")
    html = login(client, people, "sales_rep").get(reverse("receptions:detail", args=[reception.pk])).content.decode()
    assert "部门负责人审核" in html and "李红" in html and "同意，注意控制费用" in html
    assert "分管领导审批" in html and "陈静" in html and 'aria-current="step"' in html  # the step waiting now
    assert "提交审批" in html and "申请记录" in html
    assert "待您审批" not in html  # the requester has no task


def test_approved_request_shows_plan_due_date_and_cc_list__2_2_3(client, people):
    start = timezone.now().replace(year=timezone.now().year + 3, month=6, day=10, hour=1, minute=0)
    reception = submitted_request(people, visit_start=start, visit_end=start + timedelta(hours=8))
    for username in ("sales_head", "vp_sales"):
        decide(people, reception, username)
    assert reception.status == ReceptionStatus.APPROVED
    html = login(client, people, "sales_rep").get(reverse("receptions:detail", args=[reception.pk])).content.decode()
    assert "接待方案截止日期" in html and reception.plan_due_date.strftime("%Y-%m-%d") in html
    assert reception.plan_due_provisional  # a year whose holidays are not published yet
    assert "暂定" in html
    assert "抄送" in html and "孙丽" in html and "郑洁" in html  # finance and administration
    assert "未阅" in html


def test_cc_user_opening_the_request_marks_it_read__2_2_3(client, people):
    reception = submitted_request(people)
    for username in ("sales_head", "vp_sales"):
        decide(people, reception, username)
    record = CcRecord.objects.get(user=people["fin_clerk"])
    assert record.read_at is None
    response = login(client, people, "fin_clerk").get(reverse("receptions:detail", args=[reception.pk]))
    assert response.status_code == 200
    record.refresh_from_db()
    assert record.read_at is not None


def test_print_has_the_form_and_the_signatures__2_2_1(client, people):
    reception = submitted_request(people)
    decide(people, reception, "sales_head", comment="同意")
    decide(people, reception, "vp_sales", comment="同意，按标准接待")
    response = login(client, people, "sales_rep").get(reverse("receptions:print", args=[reception.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "客户接待通知申请表" in html and "审核签字" in html and "data-print" in html
    assert "李红" in html and "陈静" in html and "同意，按标准接待" in html
    assert reception.number in html and "华东精密机械有限公司" in html


def test_approver_sees_what_helps_decide__2_2_2(client, people):
    earlier = submitted_request(people)
    for username in ("sales_head", "vp_sales"):
        decide(people, earlier, username)
    reception = submitted_request(people, estimated_cost=Decimal("25000.00"))
    html = login(client, people, "sales_head").get(reverse("receptions:detail", args=[reception.pk])).content.decode()
    assert 'id="decide"' in html and "待您审批" in html
    assert "25,000.00" in html and "超过 ¥20,000.00" in html  # against the GM threshold
    assert "该客户单位以往来访" in html and earlier.number in html


# ---- the list -------------------------------------------------------------------------------------------


def test_list_filters_by_status_search_and_mine(client, people):
    draft = reception_create(by=people["sales_rep"], data=request_data(purpose="初步沟通"))
    pending = submitted_request(people, purpose="年度采购洽谈")
    other = submitted_request(people, requester="sales_head", purpose="技术交流")
    login(client, people, "sales_rep")
    html = client.get(reverse("receptions:list")).content.decode()
    assert "初步沟通" in html and "年度采购洽谈" in html and "技术交流" not in html  # not visible to the rep
    html = client.get(reverse("receptions:list"), {"status": "pending_approval"}).content.decode()
    assert "年度采购洽谈" in html and "初步沟通" not in html
    html = client.get(reverse("receptions:list"), {"q": "华东"}).content.decode()
    assert "初步沟通" in html and "年度采购洽谈" in html
    login(client, people, "sales_head")
    html = client.get(reverse("receptions:list"), {"mine": "1"}).content.decode()
    assert "技术交流" in html and "年度采购洽谈" not in html
    html = client.get(reverse("receptions:list")).content.decode()
    assert "技术交流" in html and "年度采购洽谈" in html and "初步沟通" not in html  # a draft stays private
    partial = client.get(reverse("receptions:list"), {"q": "技术"}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and 'id="results"' in partial and "技术交流" in partial
    assert draft.pk and pending.pk and other.pk


def make_requests(people, count):
    for _ in range(count):
        reception = reception_create(by=people["sales_rep"], data=important_data(people))
        reception_submit(reception_id=reception.pk, by=people["sales_rep"])


def list_queries(client):
    cache.clear()  # measure the worst case: the total is not cached yet
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("receptions:list"))
    assert response.status_code == 200
    return len(queries), response


# session, user, GM role check (access layer), the count cache's stamp, count (not cached yet), page, clients
# prefetch, 2 navigation counts, the user's department in the navigation menu
LIST_QUERIES = 10


def test_list_query_count_is_the_same_at_1_and_30_rows(client, people, django_assert_num_queries):
    login(client, people, "sales_rep")
    make_requests(people, 1)
    one, response = list_queries(client)
    assert len(response.context["receptions"]) == 1
    make_requests(people, 29)
    thirty, response = list_queries(client)
    assert len(response.context["receptions"]) == 20  # 20 a page
    assert one == thirty == LIST_QUERIES
    # The "next" link continues below the last row (keyset): page 2 costs what page 1 costs, and shows the rest.
    cache.clear()
    with django_assert_num_queries(LIST_QUERIES):
        page2 = client.get(
            reverse("receptions:list"), {"page": "2", "before": response.context["page_obj"].next_before}
        )
    assert len(page2.context["receptions"]) == 10
    assert not {r.pk for r in page2.context["receptions"]} & {r.pk for r in response.context["receptions"]}
    # A page number typed by hand is read by offset: the page's ids first, then those rows: one query more.
    cache.clear()
    with django_assert_num_queries(LIST_QUERIES + 1):
        by_number = client.get(reverse("receptions:list"), {"page": "2"})
    assert [r.pk for r in by_number.context["receptions"]] == [r.pk for r in page2.context["receptions"]]
    # "previous" from page 2 goes back to exactly page 1.
    back = client.get(reverse("receptions:list"), {"page": "1", "after": page2.context["page_obj"].previous_after})
    assert [r.pk for r in back.context["receptions"]] == [r.pk for r in response.context["receptions"]]


# ---- the directory picker ------------------------------------------------------------------------------


def test_client_search_returns_at_most_ten_contacts(client, people):
    reception_create(
        by=people["sales_rep"],
        data=request_data(clients=[{"name": f"客户{i:02}", "organization": "华东精密"} for i in range(12)]),
    )
    assert client.get(reverse("receptions:client_search"), {"q": "华东"}).status_code == 302  # login required
    login(client, people, "tech_eng")
    html = client.get(reverse("receptions:client_search"), {"q": "华东"}).content.decode()
    assert html.count("data-pick-client") == 10
    assert 'data-organization="华东精密"' in html
    html = client.get(reverse("receptions:client_search"), {"q": "没有这个人"}).content.decode()
    assert "名录中没有匹配的客户" in html


def test_timeline_previews_the_steps_still_to_come__2_2_2(client, people):
    reception = reception_create(by=people["sales_rep"], data=important_data(people))
    reception_submit(reception_id=reception.pk, by=people["sales_rep"])
    client.force_login(people["sales_rep"])
    page = client.get(reverse("receptions:detail", args=[reception.pk])).content.decode()
    # The head's step waits; the leader's and (important visit) the GM's are shown as still to come.
    assert page.count("未开始") == 2
    assert "陈静" in page and "周建国" in page


def test_opening_a_request_reads_its_notifications(client, people):
    from jiedai.notify.models import Notification

    reception = submitted_request(people)
    unread = Notification.objects.filter(recipient=people["sales_head"], read_at__isnull=True)
    assert unread.filter(document_id=reception.pk).count() == 1
    client.force_login(people["sales_head"])
    client.get(reverse("receptions:detail", args=[reception.pk]))
    assert unread.filter(document_id=reception.pk).count() == 0
