"""/api/v1/approvals: the to-do list and deciding (approve, reject, return), conflicts and someone else's task."""

import pytest
from django.test import Client

from jiedai.approvals.models import ApprovalEvent, ApprovalTask, TaskStatus
from jiedai.org.models import ApiToken
from jiedai.receptions.tests.factories import submitted_request

pytestmark = pytest.mark.django_db

TASKS = "/api/v1/approvals/tasks"


def client_for(user) -> Client:
    return Client(headers={"Authorization": f"Bearer {ApiToken.issue(user)}"})


def decide_url(task_id) -> str:
    return f"{TASKS}/{task_id}/decide"


def post(client, path, body):
    return client.post(path, body, content_type="application/json")


def is_error(response, status) -> bool:
    return response.status_code == status and set(response.json()) == {"detail", "errors"}


@pytest.fixture
def pending(people):
    """A submitted request and the head's pending task on it."""
    reception = submitted_request(people)
    task = ApprovalTask.objects.get(instance__document_id=reception.pk, status=TaskStatus.PENDING)
    return reception, task


def test_my_tasks(people, pending):
    reception, task = pending
    body = client_for(people["sales_head"]).get(TASKS).json()
    assert list(body) == ["items", "count", "page", "page_size"] and body["count"] == 1
    (item,) = body["items"]
    assert item["id"] == task.pk
    assert item["document_type"] == "reception" and item["document_id"] == reception.pk
    assert item["step"] == "部门负责人审核" and item["created_at"].endswith("+08:00")
    assert item["round"] == 1 and item["acting_for"] is None and reception.number in item["title"]
    assert client_for(people["vp_sales"]).get(TASKS).json()["items"] == []  # not yet theirs
    assert client_for(people["sales_rep"]).get(TASKS).json()["count"] == 0


def test_approve_moves_the_task_to_the_next_step(people, pending):
    reception, task = pending
    response = post(client_for(people["sales_head"]), decide_url(task.pk), {"decision": "approve", "comment": "同意"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == task.pk and body["status"] == "approved" and body["comment"] == "同意"
    assert body["instance_status"] == "pending" and body["decided_at"].endswith("+08:00")
    assert body["document_id"] == reception.pk and body["step"] == "部门负责人审核"
    assert [t["document_id"] for t in client_for(people["vp_sales"]).get(TASKS).json()["items"]] == [reception.pk]
    event = ApprovalEvent.objects.filter(task=task).get()
    assert event.ip == "127.0.0.1" and event.actor == people["sales_head"]


def test_deciding_twice_is_a_conflict(people, pending):
    _reception, task = pending
    head = client_for(people["sales_head"])
    assert post(head, decide_url(task.pk), {"decision": "approve"}).status_code == 200
    again = post(head, decide_url(task.pk), {"decision": "return", "comment": "再看看"})
    assert is_error(again, 409)
    task.refresh_from_db()
    assert task.status == TaskStatus.APPROVED and task.comment == ""


def test_a_task_that_is_no_longer_current_is_a_conflict(people, pending):
    reception, task = pending
    client_for(people["sales_rep"]).post(f"/api/v1/receptions/{reception.pk}/withdraw", content_type="application/json")
    response = post(client_for(people["sales_head"]), decide_url(task.pk), {"decision": "approve"})
    assert is_error(response, 409)


@pytest.mark.parametrize("username", ["vp_sales", "sales_rep", "gm", "tech_head"])
def test_someone_elses_task_is_not_found(people, pending, username):
    _reception, task = pending
    response = post(client_for(people[username]), decide_url(task.pk), {"decision": "approve"})
    assert is_error(response, 404)
    task.refresh_from_db()
    assert task.status == TaskStatus.PENDING


def test_an_unknown_task_is_not_found(people):
    head = client_for(people["sales_head"])
    assert is_error(post(head, decide_url(424242), {"decision": "approve"}), 404)
    assert is_error(post(head, decide_url(2**70), {"decision": "approve"}), 404)


@pytest.mark.parametrize("decision", ["reject", "return"])
def test_reject_and_return_need_a_comment(people, pending, decision):
    _reception, task = pending
    response = post(client_for(people["sales_head"]), decide_url(task.pk), {"decision": decision, "comment": " "})
    assert is_error(response, 422)
    assert "comment" in response.json()["errors"]
    task.refresh_from_db()
    assert task.status == TaskStatus.PENDING


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"decision": "maybe"}, "decision"),
        ({}, "decision"),
        ({"decision": "approve", "comment": 5}, "comment"),
        ({"decision": "approve", "comment": "好\x00"}, "comment"),
        ({"decision": "approve", "comment": "长" * 5001}, "comment"),
        ({"decision": "approve", "extra": 1}, "extra"),
        ({"decision": ["approve"]}, "decision"),
    ],
)
def test_bad_decisions_are_422_and_change_nothing(people, pending, body, field):
    _reception, task = pending
    events = ApprovalEvent.objects.count()
    response = post(client_for(people["sales_head"]), decide_url(task.pk), body)
    assert is_error(response, 422) and field in response.json()["errors"]
    task.refresh_from_db()
    assert task.status == TaskStatus.PENDING and ApprovalEvent.objects.count() == events


@pytest.mark.parametrize("raw", ["{", "[]", '"approve"', ""])
def test_a_body_that_is_not_a_json_object_is_400_or_422(people, pending, raw):
    _reception, task = pending
    response = client_for(people["sales_head"]).post(decide_url(task.pk), raw, content_type="application/json")
    assert response.status_code in (400, 422) and set(response.json()) == {"detail", "errors"}
    task.refresh_from_db()
    assert task.status == TaskStatus.PENDING


def test_tasks_need_a_token(people):
    assert is_error(Client().get(TASKS), 401)
    assert is_error(Client().post(decide_url(1), {}, content_type="application/json"), 401)
