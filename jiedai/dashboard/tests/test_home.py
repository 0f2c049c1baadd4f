"""The home page (工作台) and the navigation counts: what waits for me, what I asked for, what was copied to me,
my unread notifications, the approved visits coming up, my preparation tasks and the plans I still have to write
(administration: every overdue plan); a fixed number of queries whatever the rows."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jiedai.approvals.models import ApprovalTask, TaskStatus
from jiedai.approvals.services import approval_task_decide
from jiedai.dashboard.context_processors import navigation
from jiedai.planning import selectors_coordination
from jiedai.planning.services.coordination import task_create
from jiedai.receptions.models import LOCAL_TZ
from jiedai.receptions.services import reception_create, reception_submit
from jiedai.receptions.tests.factories import request_data, submitted_request

pytestmark = pytest.mark.django_db


def approve_all(people, reception):
    for username in ("sales_head", "vp_sales"):
        task = ApprovalTask.objects.get(
            instance__document_id=reception.pk, status=TaskStatus.PENDING, assignee=people[username]
        )
        approval_task_decide(task_id=task.pk, by=people[username], decision="approve")


def test_home_needs_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_home_for_an_approver_shows_the_pending_task(client, people):
    reception = submitted_request(people)
    client.force_login(people["sales_head"])
    response = client.get(reverse("home"))
    html = response.content.decode()
    home = response.context["home"]
    assert home.pending_count == 1 and home.unread_count == 1  # the task's notification
    assert "我的待办" in html and reception.number in html and "部门负责人审核" in html
    task = ApprovalTask.objects.get(status=TaskStatus.PENDING)
    assert reverse("approvals:task", args=[task.pk]) in html


def test_home_for_the_requester_shows_requests_and_upcoming_visits(client, people):
    soon = timezone.now() + timedelta(days=10)
    visit = submitted_request(people, purpose="下周来访的客户", visit_start=soon, visit_end=soon + timedelta(hours=6))
    approve_all(people, visit)
    reception_create(by=people["sales_rep"], data=request_data(purpose="还在起草的申请"))
    client.force_login(people["sales_rep"])
    response = client.get(reverse("home"))
    html = response.content.decode()
    home = response.context["home"]
    assert [r.purpose for r in home.my_requests] == ["还在起草的申请", "下周来访的客户"]
    assert [r.pk for r in home.upcoming] == [visit.pk]
    assert "近期来访（已批准）" in html and "方案截止" in html
    assert "已审批通过" in html  # the unread notification of the approval
    assert "您好，王小明" in html


def test_home_shows_what_was_copied_to_me__2_2_3(client, people):
    reception = submitted_request(people)
    approve_all(people, reception)
    client.force_login(people["fin_clerk"])
    response = client.get(reverse("home"))
    home = response.context["home"]
    assert home.cc_unread_count == 1 and [c.instance.document_id for c in home.copied] == [reception.pk]
    assert "抄送我的" in response.content.decode() and reception.number in response.content.decode()
    client.get(reverse("receptions:detail", args=[reception.pk]))  # opening it reads it
    assert client.get(reverse("home")).context["home"].cc_unread_count == 0


def home_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return len(queries), response.context["home"]


# session, user; tasks count + list; the user's company roles (once, for the access layer), my pending count, my
# list + its clients; CC unread count + list; unread notifications count + list; upcoming visits; my preparation
# tasks; the plans I have to write; navigation: two counts and the user's department. Administration: one more
# (every overdue plan of the company).
HOME_QUERIES = 18


def approve_until_done(reception):
    while task := ApprovalTask.objects.filter(instance__document_id=reception.pk, status=TaskStatus.PENDING).first():
        approval_task_decide(task_id=task.pk, by=task.assignee, decision="approve")


def home_rows(people, count):
    """For sales_head: an approved visit of their own coming up (its plan to write, a preparation task of their own),
    an approval task, and a copy of tech's important visit."""
    today = timezone.now().astimezone(LOCAL_TZ).date()
    for _ in range(count):
        soon = timezone.now() + timedelta(days=5)
        own = submitted_request(people, requester="sales_head", visit_start=soon, visit_end=soon + timedelta(hours=4))
        approve_until_done(own)
        task_create(
            reception_id=own.pk,
            by=people["sales_head"],
            data={"title": "确认接机", "assignee": people["sales_head"], "due_date": today},
        )
        submitted_request(people)
        data = request_data(
            importance="important",
            lead=people["tech_eng"],
            coordinating_departments=["sales"],
            importance_statement="重要客户",
            expected_outcome="达成合作",
        )
        copied = reception_create(by=people["tech_eng"], data=data)
        reception_submit(reception_id=copied.pk, by=people["tech_eng"])
        approve_until_done(copied)


def test_home_query_count_is_the_same_at_1_and_30_rows(client, people, django_assert_num_queries):
    client.force_login(people["sales_head"])
    home_rows(people, 1)
    one, home = home_queries(client)
    assert home.pending_count == 1 and len(home.my_requests) == 1 and home.upcoming
    assert len(home.copied) == 1 and home.notifications
    assert len(home.prep_tasks) == len(home.plans_due) == 1 and home.overdue_plans is None
    home_rows(people, 29)
    thirty, home = home_queries(client)
    assert home.pending_count == 30 and home.cc_unread_count == 30
    assert all(len(rows) == 5 for rows in (home.pending_tasks, home.my_requests, home.copied, home.upcoming))
    assert len(home.notifications) == 5
    assert len(home.prep_tasks) == len(home.plans_due) == 5
    assert home.prep_task_count == home.plans_due_count == 30
    assert one == thirty == HOME_QUERIES
    with django_assert_num_queries(HOME_QUERIES):
        client.get(reverse("home"))


def test_navigation_counts_for_the_logged_in_user_only(people, django_assert_num_queries):
    submitted_request(people)
    request = RequestFactory().get("/")
    request.user = people["sales_head"]
    with django_assert_num_queries(3):  # two counts and the user's roles
        nav = navigation(request)["nav"]
    # policy 5.3.2: the analytics link is asked by the template only (expenses/tests/test_analytics_views.py)
    assert callable(nav.pop("finance"))
    assert nav == {"pending_tasks": 1, "unread_notifications": 1, "logistics": False}
    request.user = people["admin_clerk"]  # policy 3.2.3: administration sees its logistics queue in the menu
    assert navigation(request)["nav"]["logistics"] is True
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert navigation(request) == {}


def _approved_visit(people, purpose="来访", requester="sales_rep", days=12):
    soon = timezone.now() + timedelta(days=days)
    visit = submitted_request(
        people, requester=requester, purpose=purpose, visit_start=soon, visit_end=soon + timedelta(hours=6)
    )
    approve_until_done(visit)
    visit.refresh_from_db()
    return visit


def test_home_shows_my_preparation_tasks_and_flags_the_overdue_ones__3_2_2(client, people, monkeypatch):
    visit = _approved_visit(people)
    due = visit.plan_due_date
    task = task_create(
        reception_id=visit.pk,
        by=people["sales_rep"],
        data={"title": "准备产品样品", "assignee": people["tech_eng"], "due_date": due},
    )
    client.force_login(people["tech_eng"])
    response = client.get(reverse("home"))
    html = response.content.decode()
    assert [t.pk for t in response.context["home"].prep_tasks] == [task.pk]
    assert "我的准备任务" in html and "准备产品样品" in html and visit.number in html
    assert reverse("planning:coordination", args=[visit.pk]) + f"#task-{task.pk}" in html
    assert "已逾期" not in html
    monkeypatch.setattr(selectors_coordination, "local_today", lambda: due + timedelta(days=1))
    html = client.get(reverse("home")).content.decode()
    assert "已逾期" in html
    client.force_login(people["sales_head"])  # not the owner, not in tech
    assert client.get(reverse("home")).context["home"].prep_tasks == []


def test_home_shows_plans_to_write_and_administration_every_overdue_plan__3_1_2(
    client, people, monkeypatch, django_assert_num_queries
):
    visit = _approved_visit(people, purpose="下月来访的客户", days=30)  # due in over a week, whatever the weekday
    client.force_login(people["sales_rep"])
    home = client.get(reverse("home")).context["home"]
    assert home.plans_due == []  # due in more than a week: not yet on the list
    monkeypatch.setattr(selectors_coordination, "local_today", lambda: visit.plan_due_date - timedelta(days=2))
    response = client.get(reverse("home"))
    assert [r.pk for r in response.context["home"].plans_due] == [visit.pk]
    html = response.content.decode()
    assert "待编制的接待方案" in html and "即将到期" in html and "已逾期" not in html
    assert reverse("planning:overview", args=[visit.pk]) in html

    monkeypatch.setattr(selectors_coordination, "local_today", lambda: visit.plan_due_date + timedelta(days=1))
    assert "已逾期" in client.get(reverse("home")).content.decode()
    reception_create(by=people["admin_clerk"], data=request_data(purpose="行政部自己的申请"))  # a list like others'
    client.force_login(people["admin_clerk"])
    with django_assert_num_queries(HOME_QUERIES + 1):
        response = client.get(reverse("home"))
    home = response.context["home"]
    assert [r.pk for r in home.overdue_plans] == [visit.pk] and home.overdue_plan_count == 1
    html = response.content.decode()
    assert "逾期未提交的接待方案（全公司）" in html and str(visit.host_department) in html
    client.force_login(people["sales_head"])  # not administration: no company-wide list
    assert client.get(reverse("home")).context["home"].overdue_plans is None
