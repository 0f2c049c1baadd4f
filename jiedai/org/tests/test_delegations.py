"""A person away names a delegate for a period (policy 2.2); tasks go to the delegate, the record shows both."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from jiedai.approvals.models import ApprovalTask, TaskStatus
from jiedai.org.models import Delegation
from jiedai.receptions.tests.factories import submitted_request

pytestmark = pytest.mark.django_db


def local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def test_head_names_a_delegate_and_new_tasks_go_to_them__2_2_1(client, people):
    client.force_login(people["sales_head"])
    now = timezone.now()
    response = client.post(
        reverse("org:delegations"),
        {
            "delegate": people["sales_rep"].pk,
            "starts_at": local(now - timedelta(minutes=5)),
            "ends_at": local(now + timedelta(days=3)),
            "reason": "出差",
        },
    )
    assert response.status_code == 302
    # A request from sales (the head is away): the task goes to the delegate, acting for the head.
    from jiedai.org.models import User

    other = User.objects.create(username="sales_rep2", department=people["sales_rep"].department)
    reception = submitted_request({**people, "sales_rep2": other}, requester="sales_rep2")
    task = ApprovalTask.objects.get(instance__document_id=reception.pk, status=TaskStatus.PENDING)
    assert task.assignee == people["sales_rep"] and task.acting_for == people["sales_head"]
    page = client.get(reverse("org:delegations"))
    assert "出差" in page.content.decode()


def test_bad_periods_and_self_delegation_are_refused_and_nothing_saved(client, people):
    client.force_login(people["sales_head"])
    now = timezone.now()
    for data in (
        {"delegate": people["sales_head"].pk, "starts_at": local(now), "ends_at": local(now + timedelta(days=1))},
        {"delegate": people["sales_rep"].pk, "starts_at": local(now), "ends_at": local(now - timedelta(days=1))},
        {"delegate": people["sales_rep"].pk, "starts_at": local(now), "ends_at": local(now + timedelta(days=400))},
    ):
        response = client.post(reverse("org:delegations"), data)
        assert response.status_code == 200
    assert not Delegation.objects.exists()


def test_only_the_delegator_revokes(client, people):
    now = timezone.now()
    delegation = Delegation.objects.create(
        delegator=people["sales_head"], delegate=people["sales_rep"], starts_at=now, ends_at=now + timedelta(days=1)
    )
    client.force_login(people["sales_rep"])
    assert client.post(reverse("org:delegation_revoke", args=[delegation.pk])).status_code == 404
    client.force_login(people["sales_head"])
    assert client.post(reverse("org:delegation_revoke", args=[delegation.pk])).status_code == 302
    delegation.refresh_from_db()
    assert delegation.revoked


def test_delegation_page_needs_login(client):
    response = client.get(reverse("org:delegations"))
    assert response.status_code == 302 and reverse("login") in response.url
