"""The home page (工作台) and the navigation counts: what waits for me, what I asked for, what was copied to me,
my unread notifications, the approved visits coming up; a fixed number of queries whatever the rows."""

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
# list + its clients; CC unread count + list; unread notifications count + list; upcoming visits; navigation: two
# counts and the user's department.
HOME_QUERIES = 16


def approve_until_done(reception):
    while task := ApprovalTask.objects.filter(instance__document_id=reception.pk, status=TaskStatus.PENDING).first():
        approval_task_decide(task_id=task.pk, by=task.assignee, decision="approve")


def home_rows(people, count):
    """For sales_head: an approved visit of their own coming up, a task, and a copy of tech's important visit."""
    for _ in range(count):
        soon = timezone.now() + timedelta(days=5)
        own = submitted_request(people, requester="sales_head", visit_start=soon, visit_end=soon + timedelta(hours=4))
        approve_until_done(own)
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
    home_rows(people, 29)
    thirty, home = home_queries(client)
    assert home.pending_count == 30 and home.cc_unread_count == 30
    assert all(len(rows) == 5 for rows in (home.pending_tasks, home.my_requests, home.copied, home.upcoming))
    assert len(home.notifications) == 5
    assert one == thirty == HOME_QUERIES
    with django_assert_num_queries(HOME_QUERIES):
        client.get(reverse("home"))


def test_navigation_counts_for_the_logged_in_user_only(people, django_assert_num_queries):
    submitted_request(people)
    request = RequestFactory().get("/")
    request.user = people["sales_head"]
    with django_assert_num_queries(2):
        assert navigation(request) == {"nav": {"pending_tasks": 1, "unread_notifications": 1}}
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert navigation(request) == {}
