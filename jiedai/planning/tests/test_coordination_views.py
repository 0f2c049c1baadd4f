"""The coordination tab (policy 3.2.1–3.2.2): editors log conversations, needs, meetings and tasks on it; readers
see it; task owners report their tasks done; overdue tasks show in red; a fixed number of queries."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from jiedai.notify.models import Notification
from jiedai.org.models import Department, User
from jiedai.planning import selectors_coordination
from jiedai.planning.models import ClientCommunication, PrepTask, SpecialNeed, TaskStatus
from jiedai.planning.services.coordination import (
    communication_create,
    meeting_create,
    need_create,
    task_create,
    task_set_status,
)
from jiedai.planning.tests.factories import plan_for, ready_plan
from jiedai.receptions.forms import local_input
from jiedai.receptions.models import LOCAL_TZ

pytestmark = pytest.mark.django_db


def _url(name, plan, *args):
    return reverse(f"planning:{name}", args=[plan.reception_id, *args])


def _tomorrow():
    return timezone.now().astimezone(LOCAL_TZ).date() + timedelta(days=1)


@pytest.fixture
def outsider(people):
    """Someone of a department with no link to any visit (the permission matrix's qa_inspector)."""
    qa = Department.objects.create(code="qa", name="质量部")
    return User.objects.create_user(username="qa_inspector", full_name="钱质检", department=qa)


def _task(people, plan, **data):
    data = {"title": "准备产品样品", "due_date": _tomorrow(), "assignee": people["tech_eng"], **data}
    return task_create(reception_id=plan.reception_id, by=people["sales_rep"], data=data)


def test_editor_sees_the_forms_reader_sees_the_lists_outsider_gets_404(client, people, outsider):
    plan = plan_for(people, important=True)
    _task(people, plan)
    client.force_login(people["sales_rep"])
    html = client.get(_url("coordination", plan)).content.decode()
    assert "客户沟通记录" in html and "准备产品样品" in html
    assert _url("communication_create", plan) in html and _url("task_create", plan) in html

    client.force_login(people["tech_head"])  # coordinating department's head: copied, reads the plan
    html = client.get(_url("coordination", plan)).content.decode()
    assert "准备产品样品" in html and _url("task_create", plan) not in html

    client.force_login(outsider)
    assert client.get(_url("coordination", plan)).status_code == 404
    client.logout()
    assert client.get(_url("coordination", plan)).status_code == 302


def test_add_a_communication_from_the_form(client, people):
    plan = ready_plan(people)
    item = plan.items.get()
    contact = plan.reception.client_links.get().contact
    client.force_login(people["sales_rep"])
    at = timezone.now() - timedelta(hours=1)
    response = client.post(
        _url("communication_create", plan),
        {
            "communication-at": local_input(at),
            "communication-channel": "wechat",
            "communication-staff": str(people["sales_rep"].pk),
            "communication-contact": str(contact.pk),
            "communication-content": "确认接机航班",
            "communication-agreed": "司机 8:30 到机场",
            "communication-items": [str(item.pk)],
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("#communications")
    record = ClientCommunication.objects.get()
    assert record.contact == contact and list(record.items.all()) == [item]
    assert record.at.astimezone(LOCAL_TZ).strftime("%H:%M") == at.astimezone(LOCAL_TZ).strftime("%H:%M")
    html = client.get(_url("coordination", plan)).content.decode()
    assert "确认接机航班" in html and "司机 8:30 到机场" in html and "欢迎会" in html


def test_bad_input_comes_back_on_the_form_in_chinese(client, people):
    plan = plan_for(people)
    client.force_login(people["sales_rep"])
    response = client.post(_url("need_create", plan), {"need-kind": "", "need-description": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert "请选择需求类别。" in html and "请填写需求内容。" in html
    assert '<details class="coordination-form border-top" open>' in html
    assert not SpecialNeed.objects.exists()


def test_edit_in_place_then_save(client, people):
    plan = plan_for(people)
    need = need_create(
        reception_id=plan.reception_id, by=people["sales_rep"], data={"kind": "diet", "description": "素食"}
    )
    client.force_login(people["sales_rep"])
    html = client.get(_url("need_edit", plan, need.pk)).content.decode()
    assert _url("need_edit", plan, need.pk) in html and 'value="素食"' in html
    response = client.post(
        _url("need_edit", plan, need.pk), {"need-kind": "language", "need-description": "需要英语翻译"}
    )
    assert response.status_code == 302
    need.refresh_from_db()
    assert (need.kind, need.description) == ("language", "需要英语翻译")
    response = client.post(_url("need_delete", plan, need.pk))
    assert response.status_code == 302 and not SpecialNeed.objects.exists()


def test_readers_may_not_write_and_outsiders_do_not_find_it(client, people, outsider):
    plan = plan_for(people, important=True)
    need = need_create(
        reception_id=plan.reception_id, by=people["sales_rep"], data={"kind": "diet", "description": "素食"}
    )
    client.force_login(people["tech_head"])
    assert client.post(_url("need_create", plan), {"need-kind": "diet", "need-description": "x"}).status_code == 403
    assert client.get(_url("need_edit", plan, need.pk)).status_code == 403
    assert client.post(_url("need_delete", plan, need.pk)).status_code == 403
    client.force_login(outsider)
    assert client.post(_url("need_delete", plan, need.pk)).status_code == 404
    client.force_login(people["sales_rep"])
    assert client.get(_url("need_edit", plan, need.pk + 1000)).status_code == 404
    assert SpecialNeed.objects.count() == 1


def test_meeting_and_task_from_the_forms_tell_people(client, people):
    plan = plan_for(people, important=True)
    client.force_login(people["sales_rep"])
    start = timezone.now() + timedelta(days=2)
    response = client.post(
        _url("meeting_create", plan),
        {
            "meeting-start": local_input(start),
            "meeting-place": "二号会议室",
            "meeting-attendees": [str(people["sales_rep"].pk), str(people["tech_head"].pk)],
        },
    )
    assert response.status_code == 302
    meeting = plan.meetings.get()
    response = client.post(
        _url("task_create", plan),
        {
            "task-title": "准备参观讲解词",
            "task-department": str(people["tech_head"].department_id),
            "task-due_date": _tomorrow().isoformat(),
            "task-meeting": str(meeting.pk),
        },
    )
    assert response.status_code == 302
    task = PrepTask.objects.get()
    assert task.meeting == meeting and task.assignee is None
    kinds = set(Notification.objects.filter(recipient=people["tech_head"]).values_list("kind", flat=True))
    assert {"meeting", "prep_task"} <= kinds


def test_assignee_reports_done_from_the_tab_other_readers_cannot(client, people):
    plan = plan_for(people, important=True)
    task = _task(people, plan)
    client.force_login(people["tech_eng"])
    html = client.get(_url("coordination", plan)).content.decode()
    assert _url("task_status", plan, task.pk) in html and _url("task_edit", plan, task.pk) not in html
    response = client.post(_url("task_status", plan, task.pk), {"status": "done"})
    assert response.status_code == 302 and response["Location"].endswith("#tasks")
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    client.force_login(people["fin_clerk"])
    assert client.post(_url("task_status", plan, task.pk), {"status": "open"}).status_code == 403
    client.force_login(people["tech_eng"])
    response = client.post(_url("task_status", plan, task.pk), {"status": "cancelled"})
    assert response.status_code == 403


def test_a_refused_status_change_comes_back_as_a_message(client, people):
    plan = ready_plan(people)
    task = _task(people, plan)
    from jiedai.planning.review import plan_submit

    plan_submit(reception_id=plan.reception_id, by=people["sales_rep"])
    client.force_login(people["sales_rep"])
    response = client.post(_url("task_status", plan, task.pk), {"status": "cancelled"}, follow=True)
    assert "方案正在审核中" in response.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


def test_overdue_open_task_is_flagged_in_red(client, people, monkeypatch):
    """policy 3.2.2: an open task past its deadline shows in red; a done one does not."""
    plan = plan_for(people, important=True)
    late = _task(people, plan, title="逾期的任务")
    done = _task(people, plan, title="完成的任务")
    task_set_status(reception_id=plan.reception_id, task_id=done.pk, by=people["tech_eng"], status="done")
    monkeypatch.setattr(selectors_coordination, "local_today", lambda: _tomorrow() + timedelta(days=1))
    client.force_login(people["sales_rep"])
    response = client.get(_url("coordination", plan))
    parts = response.context["parts"]
    assert [t.title for t in parts.tasks if t.is_overdue] == ["逾期的任务"] and parts.overdue_count == 1
    html = response.content.decode()
    assert f'<tr id="task-{late.pk}" class="table-danger">' in html and "已逾期" in html


def _rows(people, plan, count):
    contact = plan.reception.client_links.get().contact
    item = plan.items.get()
    rid, by = plan.reception_id, people["sales_rep"]
    for n in range(count):
        communication_create(
            reception_id=rid,
            by=by,
            data={"at": timezone.now(), "channel": "phone", "contact": contact, "content": f"沟通{n}", "items": [item]},
        )
        need_create(reception_id=rid, by=by, data={"kind": "diet", "description": f"需求{n}", "items": [item]})
        meeting = meeting_create(
            reception_id=rid,
            by=by,
            data={"start": timezone.now(), "attendees": [people["sales_rep"], people["tech_head"]]},
        )
        _task(people, plan, title=f"任务{n}", meeting=meeting)


# session, user; plan_context (roles, request, plan, calendar); 4 lists + 3 prefetches; the editor's forms: people,
# clients, itinerary items, departments (the meetings list is reused); the navigation's two counts and the user's
# department.
EDITOR_QUERIES = 20
READER_QUERIES = 16


@pytest.mark.parametrize(("username", "expected"), [("sales_rep", EDITOR_QUERIES), ("tech_eng", READER_QUERIES)])
def test_query_count_is_the_same_at_1_and_20_rows(client, people, django_assert_num_queries, username, expected):
    plan = ready_plan(people, important=True)
    client.force_login(people[username])
    _rows(people, plan, 1)
    client.get(_url("coordination", plan))  # warm the session
    with django_assert_num_queries(expected):
        response = client.get(_url("coordination", plan))
    assert len(response.context["parts"].tasks) == 1
    _rows(people, plan, 19)
    with django_assert_num_queries(expected):
        response = client.get(_url("coordination", plan))
    parts = response.context["parts"]
    assert len(parts.communications) == len(parts.needs) == len(parts.meetings) == len(parts.tasks) == 20
