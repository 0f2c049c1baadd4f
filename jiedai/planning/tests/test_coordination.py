"""policy 3.2.1–3.2.2: the communication log and the client's special needs (linked to the itinerary items they
changed), coordination meetings, and preparation tasks with owners, deadlines and status."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jiedai.core.errors import ConflictError, Forbidden, NotFound, ValidationFailed
from jiedai.notify.models import Notification
from jiedai.org.models import Department
from jiedai.planning.models import (
    ClientCommunication,
    PlanAction,
    PrepTask,
    SpecialNeed,
    TaskStatus,
)
from jiedai.planning.review import plan_submit
from jiedai.planning.services.coordination import (
    communication_create,
    communication_delete,
    communication_update,
    may_complete,
    meeting_create,
    meeting_update,
    need_create,
    need_delete,
    need_update,
    task_create,
    task_set_status,
    task_update,
)
from jiedai.planning.tests.factories import approved_reception, plan_for, ready_plan
from jiedai.receptions.models import LOCAL_TZ
from jiedai.receptions.services import reception_create, reception_submit
from jiedai.receptions.tests.factories import decide, request_data

pytestmark = pytest.mark.django_db


def _client(reception):
    return reception.client_links.select_related("contact").first().contact


def _tomorrow():
    return timezone.now().astimezone(LOCAL_TZ).date() + timedelta(days=1)


def _task(people, plan, by="sales_rep", **data):
    data = {"title": "准备产品样品", "due_date": _tomorrow(), "assignee": people["tech_eng"], **data}
    return task_create(reception_id=plan.reception_id, by=people[by], data=data)


# ---------------------------------------------------------------------------------------- communication (3.2.1)


def test_communication_is_logged_with_the_items_it_changed_and_recorded_on_the_plan(people):
    plan = ready_plan(people)
    item = plan.items.get()
    contact = _client(plan.reception)
    at = timezone.now() - timedelta(hours=2)
    version = plan.version
    record = communication_create(
        reception_id=plan.reception_id,
        by=people["sales_rep"],
        data={
            "at": at,
            "channel": "phone",
            "contact": contact,
            "content": "确认欢迎会时间",
            "agreed": "欢迎会推迟半小时",
            "items": [item],
        },
    )
    assert record.staff == people["sales_rep"]  # our person defaults to the one logging it
    assert list(record.items.all()) == [item]
    plan.refresh_from_db()
    assert plan.version == version + 1
    assert plan.history.filter(action=PlanAction.CHANGED, summary__contains="客户沟通记录").exists()

    communication_update(
        reception_id=plan.reception_id,
        communication_id=record.pk,
        by=people["sales_rep"],
        data={"agreed": "欢迎会推迟一小时", "items": []},
    )
    record.refresh_from_db()
    assert record.agreed == "欢迎会推迟一小时" and not record.items.exists()
    communication_delete(reception_id=plan.reception_id, communication_id=record.pk, by=people["sales_rep"])
    assert not ClientCommunication.objects.exists()
    assert plan.history.filter(summary__startswith="删除客户沟通记录").exists()


def test_communication_needs_a_past_time_a_channel_content_and_the_visits_own_client_and_items(people):
    plan = plan_for(people)
    other = approved_reception(people, purpose="另一批客户", clients=[{"name": "赵六", "organization": "别家公司"}])
    other_plan = ready_plan(people, other)
    with pytest.raises(ValidationFailed) as exc:
        communication_create(
            reception_id=plan.reception_id,
            by=people["sales_rep"],
            data={
                "at": timezone.now() + timedelta(days=1),
                "channel": "",
                "contact": _client(other),
                "content": "  ",
                "items": list(other_plan.items.all()),
            },
        )
    assert set(exc.value.errors) == {"at", "channel", "contact", "content", "items"}
    assert not ClientCommunication.objects.exists()


def test_only_editors_write_the_log_readers_get_403_outsiders_404(people):
    plan = plan_for(people)
    data = {"at": timezone.now(), "channel": "email", "content": "发送行程草案"}
    with pytest.raises(Forbidden):
        communication_create(reception_id=plan.reception_id, by=people["sales_head"], data=data)
    with pytest.raises(NotFound):
        communication_create(reception_id=plan.reception_id, by=people["tech_eng"], data=data)
    record = communication_create(reception_id=plan.reception_id, by=people["sales_rep"], data=data)
    other = plan_for(people, approved_reception(people, purpose="另一次来访"))
    with pytest.raises(NotFound):  # a row of another plan
        communication_delete(reception_id=other.reception_id, communication_id=record.pk, by=people["sales_rep"])


def test_nothing_changes_while_the_plan_is_under_review(people):
    plan = ready_plan(people)
    plan_submit(reception_id=plan.reception_id, by=people["sales_rep"])
    with pytest.raises(ConflictError):
        need_create(
            reception_id=plan.reception_id, by=people["sales_rep"], data={"kind": "diet", "description": "素食"}
        )


# ------------------------------------------------------------------------------------------ special needs (3.2.1)


def test_special_need_of_one_client_linked_to_a_meal(people):
    plan = ready_plan(people)
    item = plan.items.get()
    contact = _client(plan.reception)
    need = need_create(
        reception_id=plan.reception_id,
        by=people["sales_rep"],
        data={"kind": "diet", "contact": contact, "description": " 清真饮食 ", "items": [item]},
    )
    assert need.description == "清真饮食" and list(need.items.all()) == [item]
    need_update(reception_id=plan.reception_id, need_id=need.pk, by=people["sales_rep"], data={"kind": "religion"})
    need.refresh_from_db()
    assert need.kind == "religion" and list(need.items.all()) == [item]  # items untouched when not given
    with pytest.raises(ValidationFailed) as exc:
        need_create(
            reception_id=plan.reception_id, by=people["sales_rep"], data={"kind": "magic", "description": "x" * 301}
        )
    assert set(exc.value.errors) == {"kind", "description"}
    need_delete(reception_id=plan.reception_id, need_id=need.pk, by=people["sales_rep"])
    assert not SpecialNeed.objects.exists()


# -------------------------------------------------------------------------------------- coordination meetings (3.2.2)


def test_meeting_tells_its_attendees_and_takes_minutes_later(people):
    plan = plan_for(people, important=True)
    start = timezone.now() + timedelta(days=3)
    meeting = meeting_create(
        reception_id=plan.reception_id,
        by=people["sales_rep"],
        data={"start": start, "place": "三号会议室", "attendees": [people["sales_rep"], people["tech_head"]]},
    )
    told = Notification.objects.filter(kind="meeting", document_id=plan.pk)
    assert list(told.values_list("recipient__username", flat=True)) == ["tech_head"]
    meeting_update(
        reception_id=plan.reception_id,
        meeting_id=meeting.pk,
        by=people["sales_rep"],
        data={"minutes": "技术部负责样品准备，周三前完成"},
    )
    meeting.refresh_from_db()
    assert meeting.minutes.startswith("技术部") and meeting.attendees.count() == 2
    with pytest.raises(ValidationFailed) as exc:
        meeting_create(
            reception_id=plan.reception_id,
            by=people["sales_rep"],
            data={"start": plan.reception.visit_end + timedelta(hours=1), "attendees": []},
        )
    assert set(exc.value.errors) == {"start", "attendees"}


# ------------------------------------------------------------------------------------- preparation tasks (3.2.2)


def test_new_task_is_announced_to_the_person_or_the_departments_head(people):
    plan = plan_for(people, important=True)
    _task(people, plan)
    tech = Department.objects.get(code="tech")
    _task(people, plan, title="布置展厅", assignee=None, department=tech)
    told = Notification.objects.filter(kind="prep_task").order_by("id")
    assert [n.recipient.username for n in told] == ["tech_eng", "tech_head"]
    assert "准备产品样品" in told[0].title and "布置展厅" in told[1].title


def test_task_needs_an_owner_a_deadline_within_the_visit_and_a_consistent_department(people):
    plan = plan_for(people)
    last_day = plan.reception.visit_end.astimezone(LOCAL_TZ).date()
    with pytest.raises(ValidationFailed) as exc:
        task_create(
            reception_id=plan.reception_id,
            by=people["sales_rep"],
            data={"title": "", "due_date": last_day + timedelta(days=1)},
        )
    assert set(exc.value.errors) == {"title", "assignee", "due_date"}
    with pytest.raises(ValidationFailed) as exc:
        _task(people, plan, department=Department.objects.get(code="sales"), due_date=_tomorrow() - timedelta(days=2))
    assert set(exc.value.errors) == {"assignee", "due_date"}  # tech_eng is not in sales; deadline in the past
    assert not PrepTask.objects.exists()


def test_the_assignee_marks_done_even_while_the_plan_is_under_review(people):
    plan = ready_plan(people, important=True)
    task = _task(people, plan)
    plan = plan_submit(reception_id=plan.reception_id, by=people["sales_rep"])
    version = plan.version
    task = task_set_status(reception_id=plan.reception_id, task_id=task.pk, by=people["tech_eng"], status="done")
    assert task.status == TaskStatus.DONE and task.completed_by == people["tech_eng"] and task.completed_at
    plan.refresh_from_db()
    assert plan.version == version  # progress is recorded, the plan's content did not change
    assert plan.history.filter(summary__contains="已完成", actor=people["tech_eng"]).exists()
    assert Notification.objects.filter(kind="prep_task_done", recipient=people["sales_rep"]).exists()
    # again: nothing new
    task_set_status(reception_id=plan.reception_id, task_id=task.pk, by=people["tech_eng"], status="done")
    assert Notification.objects.filter(kind="prep_task_done").count() == 1
    with pytest.raises(ConflictError):  # cancelling changes the plan: not while under review
        task_set_status(reception_id=plan.reception_id, task_id=task.pk, by=people["sales_rep"], status="cancelled")


def test_who_may_report_a_task_done(people):
    """A named person (and their department's head if the department is named); a department's task: its head and
    members. Other readers get 403, outsiders 404; only editors cancel."""
    plan = plan_for(people, important=True)
    tech = Department.objects.get(code="tech")
    personal = _task(people, plan, department=tech)
    departmental = _task(people, plan, assignee=None, department=tech, title="准备参观讲解词")
    rid = plan.reception_id
    assert may_complete(people["tech_eng"], personal) and may_complete(people["tech_head"], personal)
    assert may_complete(people["tech_eng"], departmental) and may_complete(people["tech_head"], departmental)
    assert not may_complete(people["sales_head"], departmental)

    with pytest.raises(Forbidden):
        task_set_status(reception_id=rid, task_id=personal.pk, by=people["fin_clerk"], status="done")  # a reader
    with pytest.raises(Forbidden):
        task_set_status(reception_id=rid, task_id=personal.pk, by=people["tech_eng"], status="cancelled")
    with pytest.raises(ValidationFailed):
        task_set_status(reception_id=rid, task_id=personal.pk, by=people["tech_eng"], status="finished")
    task_set_status(reception_id=rid, task_id=departmental.pk, by=people["tech_eng"], status="done")
    task_set_status(reception_id=rid, task_id=departmental.pk, by=people["tech_head"], status="open")
    departmental.refresh_from_db()
    assert departmental.status == TaskStatus.OPEN and departmental.completed_at is None

    # An outsider to this visit (a plan nobody named them on) does not even learn that the task exists.
    normal = plan_for(people, approved_reception(people, purpose="普通来访"))
    own = _task(people, normal, assignee=people["sales_head"], title="内部任务")
    with pytest.raises(NotFound):
        task_set_status(reception_id=normal.reception_id, task_id=own.pk, by=people["tech_eng"], status="done")
    with pytest.raises(NotFound):  # a task of another plan
        task_set_status(reception_id=rid, task_id=own.pk, by=people["sales_head"], status="done")


def test_editor_cancels_revives_and_reassigns(people):
    plan = plan_for(people, important=True)
    task = _task(people, plan)
    rid = plan.reception_id
    task_set_status(reception_id=rid, task_id=task.pk, by=people["sales_rep"], status="cancelled")
    with pytest.raises(ConflictError):
        task_update(reception_id=rid, task_id=task.pk, by=people["sales_rep"], data={"title": "改名"})
    task_set_status(reception_id=rid, task_id=task.pk, by=people["sales_rep"], status="open")
    task_update(reception_id=rid, task_id=task.pk, by=people["sales_rep"], data={"assignee": people["tech_head"]})
    told = Notification.objects.filter(kind="prep_task", recipient=people["tech_head"])
    assert told.count() == 1  # the new owner is told; the old one was told at creation
    summaries = list(plan.history.values_list("summary", flat=True))
    assert any("已取消" in s for s in summaries) and any("进行中" in s for s in summaries)


def test_a_task_assigned_to_someone_lets_them_read_the_plan(people):
    """policy 3.2.2: whoever is given a task reads the plan (the access layer's rule), so they can report it done."""
    reception = reception_create(by=people["sales_rep"], data=request_data())
    reception = reception_submit(reception_id=reception.pk, by=people["sales_rep"])
    for approver in ("sales_head", "vp_sales"):
        reception = decide(people, reception, approver)
    plan = plan_for(people, reception)
    task = _task(people, plan)
    done = task_set_status(reception_id=reception.pk, task_id=task.pk, by=people["tech_eng"], status="done")
    assert done.status == TaskStatus.DONE
