"""The request's lifecycle through its services (policy 2.1.1–2.2.3)."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone

from jiedai.approvals.models import ApprovalTask, CcRecord, TaskStatus
from jiedai.core.errors import ConflictError, Forbidden, NotFound, ValidationFailed
from jiedai.receptions.access import get_reception_for_user, receptions_visible_to
from jiedai.receptions.models import LOCAL_TZ, ClientContact, Reception, ReceptionHistory, ReceptionStatus
from jiedai.receptions.services import reception_create, reception_submit, reception_update, reception_withdraw
from jiedai.receptions.tests.factories import decide, important_data, request_data, submitted_request

pytestmark = pytest.mark.django_db


def pending_usernames(reception):
    return sorted(
        ApprovalTask.objects.filter(
            instance__document_id=reception.pk, instance__document_type="reception", status=TaskStatus.PENDING
        ).values_list("assignee__username", flat=True)
    )


def test_draft_needs_little_and_is_numbered_only_on_submit__2_1_1(people):
    draft = reception_create(by=people["sales_rep"], data={"purpose": "初步沟通"})
    assert draft.status == ReceptionStatus.DRAFT and draft.number is None
    assert draft.host_department.code == "sales"
    with pytest.raises(ValidationFailed) as exc:
        reception_submit(reception_id=draft.pk, by=people["sales_rep"])
    assert {"visit_start", "visit_end", "visitor_count", "clients", "estimated_cost"} <= set(exc.value.errors)
    draft.refresh_from_db()
    assert draft.status == ReceptionStatus.DRAFT and draft.number is None


def test_numbers_are_sequential_per_year_and_never_reused(people):
    first = submitted_request(people)
    second = submitted_request(people)
    year = timezone.now().astimezone(LOCAL_TZ).year
    assert first.number == f"JD-{year}-0001" and second.number == f"JD-{year}-0002"
    reception_withdraw(reception_id=second.pk, by=people["sales_rep"])
    third = submitted_request(people)
    assert third.number == f"JD-{year}-0003"


def test_days_of_stay_counts_local_calendar_days():
    start = datetime(2026, 12, 1, 23, 30, tzinfo=LOCAL_TZ)
    reception = Reception(visit_start=start, visit_end=start + timedelta(hours=1))
    assert reception.days_of_stay == 2
    reception.visit_end = start + timedelta(minutes=10)
    assert reception.days_of_stay == 1


def test_end_before_start_is_refused_even_for_a_draft(people):
    data = request_data()
    data["visit_end"] = data["visit_start"] - timedelta(hours=1)
    with pytest.raises(ValidationFailed) as exc:
        reception_create(by=people["sales_rep"], data=data)
    assert "visit_end" in exc.value.errors
    assert not Reception.objects.exists()


def test_important_visit_needs_lead_departments_statement_and_outcome__2_1_2(people):
    draft = reception_create(by=people["sales_rep"], data=request_data(importance="important"))
    with pytest.raises(ValidationFailed) as exc:
        reception_submit(reception_id=draft.pk, by=people["sales_rep"])
    assert {"lead", "coordinating_departments", "importance_statement", "expected_outcome"} <= set(exc.value.errors)


def test_naming_coordinating_departments_also_needs_the_lead__2_1_2(people):
    draft = reception_create(by=people["sales_rep"], data=request_data(coordinating_departments=["tech"]))
    with pytest.raises(ValidationFailed) as exc:
        reception_submit(reception_id=draft.pk, by=people["sales_rep"])
    assert {"lead", "importance_statement", "expected_outcome"} <= set(exc.value.errors)


def test_host_department_cannot_coordinate_itself(people):
    with pytest.raises(ValidationFailed) as exc:
        reception_create(by=people["sales_rep"], data=request_data(coordinating_departments=["sales"]))
    assert "coordinating_departments" in exc.value.errors


def test_visit_in_the_past_cannot_be_submitted(people):
    start = timezone.now() - timedelta(days=1)
    draft = reception_create(
        by=people["sales_rep"], data=request_data(visit_start=start, visit_end=start + timedelta(hours=2))
    )
    with pytest.raises(ValidationFailed) as exc:
        reception_submit(reception_id=draft.pk, by=people["sales_rep"])
    assert "visit_start" in exc.value.errors


def test_normal_request_goes_head_then_leader__2_2_1(people):
    reception = submitted_request(people)
    assert reception.status == ReceptionStatus.PENDING_APPROVAL
    assert pending_usernames(reception) == ["sales_head"]
    decide(people, reception, "sales_head")
    assert pending_usernames(reception) == ["vp_sales"]
    decide(people, reception, "vp_sales")
    assert reception.status == ReceptionStatus.APPROVED


def test_gm_must_approve_important_request__2_2_2(people):
    reception = reception_create(by=people["sales_rep"], data=important_data(people))
    reception_submit(reception_id=reception.pk, by=people["sales_rep"])
    decide(people, reception, "sales_head")
    decide(people, reception, "vp_sales")
    assert reception.status == ReceptionStatus.PENDING_APPROVAL and pending_usernames(reception) == ["gm"]
    decide(people, reception, "gm")
    assert reception.status == ReceptionStatus.APPROVED


def test_gm_must_approve_a_costly_normal_request__2_2_2(people):
    reception = submitted_request(people, estimated_cost=Decimal("20000.01"))
    decide(people, reception, "sales_head")
    decide(people, reception, "vp_sales")
    assert pending_usernames(reception) == ["gm"]


def test_approval_freezes_copies_and_sets_plan_due_date__2_2_3__3_1_2(people):
    start = datetime(2026, 10, 9, 9, 0, tzinfo=LOCAL_TZ)
    reception = reception_create(
        by=people["sales_rep"], data=important_data(people, visit_start=start, visit_end=start + timedelta(hours=8))
    )
    # A visit before National Day 2026: submitted (as if) a month ahead, so the plan date is real arithmetic.
    with mock.patch("jiedai.receptions.validation.timezone.now", return_value=start - timedelta(days=30)):
        reception_submit(reception_id=reception.pk, by=people["sales_rep"])
    for username in ("sales_head", "vp_sales", "gm"):
        decide(people, reception, username)
    assert reception.status == ReceptionStatus.APPROVED
    assert reception.plan_due_date == date(2026, 9, 29) and reception.plan_due_provisional is False
    copied = set(CcRecord.objects.filter(instance__document_id=reception.pk).values_list("user__username", flat=True))
    assert copied == {"tech_head", "fin_clerk", "admin_clerk"}
    with pytest.raises(ConflictError):
        reception_update(reception_id=reception.pk, by=people["sales_rep"], data={"purpose": "改"})


def test_copied_departments_can_read_and_outsiders_cannot__2_2_3(people):
    from jiedai.org.models import Department, User

    outsider = User.objects.create(username="outsider", department=Department.objects.create(code="qa", name="质量部"))
    reception = reception_create(by=people["sales_rep"], data=important_data(people))
    reception_submit(reception_id=reception.pk, by=people["sales_rep"])
    assert not receptions_visible_to(people["fin_clerk"]).filter(pk=reception.pk).exists()
    for username in ("sales_head", "vp_sales", "gm"):
        decide(people, reception, username)
    for username in ("fin_clerk", "fin_head", "admin_clerk", "admin_head", "tech_head", "tech_eng"):
        assert get_reception_for_user(people[username], reception.pk).pk == reception.pk
    with pytest.raises(NotFound):
        get_reception_for_user(outsider, reception.pk)


def test_drafts_are_private_to_the_requester(people):
    draft = reception_create(by=people["sales_rep"], data=request_data())
    assert get_reception_for_user(people["sales_rep"], draft.pk)
    for username in ("sales_head", "vp_sales", "gm", "fin_clerk"):
        with pytest.raises(NotFound):
            get_reception_for_user(people[username], draft.pk)


def test_return_edit_resubmit_is_a_new_round_with_history(people):
    reception = submitted_request(people)
    decide(people, reception, "sales_head", "return", "请补充陪同需求")
    assert reception.status == ReceptionStatus.RETURNED
    reception_update(reception_id=reception.pk, by=people["sales_rep"], data={"escort_needs": "销售部两人陪同"})
    reception = reception_submit(reception_id=reception.pk, by=people["sales_rep"])
    assert reception.status == ReceptionStatus.PENDING_APPROVAL
    rounds = set(ApprovalTask.objects.filter(instance__document_id=reception.pk).values_list("round", flat=True))
    assert rounds == {1, 2}
    actions = list(ReceptionHistory.objects.filter(reception=reception).values_list("action", flat=True))
    assert actions == ["created", "submitted", "returned", "updated", "resubmitted"]
    returned = ReceptionHistory.objects.get(reception=reception, action="returned")
    assert returned.comment == "请补充陪同需求" and returned.actor.username == "sales_head"


def test_reject_ends_it(people):
    reception = submitted_request(people)
    decide(people, reception, "sales_head", "reject", "不必要")
    assert reception.status == ReceptionStatus.REJECTED
    with pytest.raises(ConflictError):
        reception_submit(reception_id=reception.pk, by=people["sales_rep"])


def test_only_the_requester_withdraws_and_only_while_pending(people):
    reception = submitted_request(people)
    with pytest.raises((Forbidden, NotFound)):
        reception_withdraw(reception_id=reception.pk, by=people["sales_head"])
    reception = reception_withdraw(reception_id=reception.pk, by=people["sales_rep"], comment="改期")
    assert reception.status == ReceptionStatus.WITHDRAWN
    with pytest.raises(ConflictError):
        reception_withdraw(reception_id=reception.pk, by=people["sales_rep"])
    assert not ApprovalTask.objects.filter(instance__document_id=reception.pk, status=TaskStatus.PENDING).exists()


def test_stale_edit_is_a_conflict_not_a_lost_update(people):
    draft = reception_create(by=people["sales_rep"], data=request_data())
    reception_update(reception_id=draft.pk, by=people["sales_rep"], data={"purpose": "A"}, expected_version=1)
    with pytest.raises(ConflictError):
        reception_update(reception_id=draft.pk, by=people["sales_rep"], data={"purpose": "B"}, expected_version=1)
    draft.refresh_from_db()
    assert draft.purpose == "A"


def test_clients_are_kept_in_the_directory_and_reused__2_1_1(people):
    first = reception_create(by=people["sales_rep"], data=request_data())
    second = reception_create(by=people["sales_rep"], data=request_data())
    assert ClientContact.objects.count() == 1
    assert first.clients.get() == second.clients.get()


def test_a_failed_submit_changes_nothing(people):
    draft = reception_create(by=people["sales_rep"], data=request_data(clients=[]))
    before = list(ReceptionHistory.objects.values_list("pk", flat=True))
    with pytest.raises(ValidationFailed):
        reception_submit(reception_id=draft.pk, by=people["sales_rep"])
    assert list(ReceptionHistory.objects.values_list("pk", flat=True)) == before
    assert not ApprovalTask.objects.exists()
