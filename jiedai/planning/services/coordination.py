"""Talking with the client and coordinating the departments (policy 3.2.1–3.2.2).

- The communication log (what was said with the client, what was agreed) and the client's special needs, each
  linked to the itinerary items it changed (policy 3.2.1).
- Coordination meetings with the coordinating departments, and the preparation tasks they give out, each with an
  owner (a department and/or a person) and a deadline (policy 3.2.2).

The plan's editors (requester and lead) write all of it through plan_for_change + record_change. One thing
others do: the owner of a preparation task marks it done (or open again). Who owns a task:

- a task naming a person: that person, and the head of the task's department if one is named too;
- a task naming only a department: its head and any of its members.

`data` holds model instances (forms and the API resolve ids first), as in services/bookings.py.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiedai.core.errors import ConflictError, Forbidden, NotFound, ValidationFailed
from jiedai.planning.access import get_reception_with_plan, is_plan_editor
from jiedai.planning.models import (
    Channel,
    ClientCommunication,
    CoordinationMeeting,
    NeedKind,
    PlanAction,
    PrepTask,
    SpecialNeed,
    TaskStatus,
)
from jiedai.planning.services.plan import history, notify_plan, plan_for_change, record_change
from jiedai.receptions.models import LOCAL_TZ, ReceptionClient

# A communication may be logged a little "in the future" when clocks differ; more than that is a typo.
CLOCK_LEEWAY = datetime.timedelta(minutes=5)

COMMUNICATION_FIELDS = ("at", "channel", "staff", "contact", "content", "agreed")
NEED_FIELDS = ("kind", "contact", "description")
MEETING_FIELDS = ("start", "place", "minutes")
TASK_FIELDS = ("title", "description", "department", "assignee", "due_date", "meeting")


def local_today() -> datetime.date:
    return timezone.now().astimezone(LOCAL_TZ).date()


def _invalid(errors: dict) -> None:
    if errors:
        raise ValidationFailed(_("请检查标红的项目。"), errors=errors)


def _check_contact(plan, contact, errors: dict) -> None:
    """policy 3.2.1: the client person is one of the request's visiting clients."""
    if contact is None:
        return
    if not ReceptionClient.objects.filter(reception_id=plan.reception_id, contact=contact).exists():
        errors["contact"] = [_("客户人员须为本次来访的客户。")]


def _check_items(plan, items, errors: dict) -> None:
    if items is not None and any(item.plan_id != plan.pk for item in items):
        errors["items"] = [_("行程事项不属于本方案。")]


def _check_person(person, field: str, errors: dict, *, required: bool, message: str) -> None:
    if person is None:
        if required:
            errors[field] = [message]
    elif not person.is_active:
        errors[field] = [_("“%s”已停用。") % person.display_name]


def _local(value) -> str:
    return f"{value.astimezone(LOCAL_TZ):%m-%d %H:%M}" if value else ""


def _apply(obj, data: dict, fields) -> None:
    for field in fields:
        if field in data:
            setattr(obj, field, data[field])


def _save_with_items(plan, record, data: dict, *, fields, validate) -> None:
    """Writes `data` into a communication or special need, validates it and saves it with the itinerary items it
    concerns (policy 3.2.1). A new record sent without items links none; an update without them keeps its links."""
    _apply(record, data, fields)
    items = data.get("items")
    if items is None and record.pk is None:
        items = []
    validate(plan, record, items)
    record.save()
    if items is not None:
        record.items.set(items)


# ---------------------------------------------------------------------------------------- communication (3.2.1)


def _validate_communication(plan, record: ClientCommunication, items) -> None:
    errors = {}
    if record.at is None:
        errors["at"] = [_("请填写沟通时间。")]
    elif record.at > timezone.now() + CLOCK_LEEWAY:
        errors["at"] = [_("沟通时间不能晚于现在。")]
    if record.channel not in Channel.values:
        errors["channel"] = [_("请选择沟通方式。")]
    staff = record.staff if record.staff_id else None  # a required FK left empty raises when read
    _check_person(staff, "staff", errors, required=True, message=_("请选择我方人员。"))
    _check_contact(plan, record.contact, errors)
    if not (record.content or "").strip():
        errors["content"] = [_("请填写沟通内容。")]
    _check_items(plan, items, errors)
    _invalid(errors)


def _communication_label(record: ClientCommunication) -> str:
    who = record.contact.name if record.contact_id else ""
    return " ".join(part for part in (_local(record.at), record.get_channel_display(), who) if part)


@transaction.atomic
def communication_create(*, reception_id: int, by, data: dict, ip=None) -> ClientCommunication:
    """policy 3.2.1: log a conversation with the client and what was agreed, linked to the items it changed."""
    plan = plan_for_change(reception_id=reception_id, by=by)
    record = ClientCommunication(plan=plan, staff=by)
    _save_with_items(plan, record, data, fields=COMMUNICATION_FIELDS, validate=_validate_communication)
    record_change(plan, by=by, summary=_("客户沟通记录：%s") % _communication_label(record), ip=ip)
    return record


@transaction.atomic
def communication_update(*, reception_id: int, communication_id: int, by, data: dict, ip=None) -> ClientCommunication:
    plan = plan_for_change(reception_id=reception_id, by=by)
    record = _row(ClientCommunication, plan, communication_id, _("找不到该沟通记录。"))
    _save_with_items(plan, record, data, fields=COMMUNICATION_FIELDS, validate=_validate_communication)
    record_change(plan, by=by, summary=_("修改客户沟通记录：%s") % _communication_label(record), ip=ip)
    return record


@transaction.atomic
def communication_delete(*, reception_id: int, communication_id: int, by, ip=None) -> None:
    plan = plan_for_change(reception_id=reception_id, by=by)
    record = _row(ClientCommunication, plan, communication_id, _("找不到该沟通记录。"))
    label = _communication_label(record)
    record.delete()
    record_change(plan, by=by, summary=_("删除客户沟通记录：%s") % label, ip=ip)


# ------------------------------------------------------------------------------------------ special needs (3.2.1)


def _validate_need(plan, need: SpecialNeed, items) -> None:
    errors = {}
    if need.kind not in NeedKind.values:
        errors["kind"] = [_("请选择需求类别。")]
    need.description = (need.description or "").strip()
    if not need.description:
        errors["description"] = [_("请填写需求内容。")]
    elif len(need.description) > 300:
        errors["description"] = [_("需求内容最多 300 字。")]
    _check_contact(plan, need.contact, errors)
    _check_items(plan, items, errors)
    _invalid(errors)


def _need_label(need: SpecialNeed) -> str:
    return f"{need.get_kind_display()}：{need.description[:60]}"


@transaction.atomic
def need_create(*, reception_id: int, by, data: dict, ip=None) -> SpecialNeed:
    """policy 3.2.1: record a special need of the client (diet, accessibility, religion, language…)."""
    plan = plan_for_change(reception_id=reception_id, by=by)
    need = SpecialNeed(plan=plan)
    _save_with_items(plan, need, data, fields=NEED_FIELDS, validate=_validate_need)
    record_change(plan, by=by, summary=_("客户特殊需求：%s") % _need_label(need), ip=ip)
    return need


@transaction.atomic
def need_update(*, reception_id: int, need_id: int, by, data: dict, ip=None) -> SpecialNeed:
    plan = plan_for_change(reception_id=reception_id, by=by)
    need = _row(SpecialNeed, plan, need_id, _("找不到该特殊需求。"))
    _save_with_items(plan, need, data, fields=NEED_FIELDS, validate=_validate_need)
    record_change(plan, by=by, summary=_("修改客户特殊需求：%s") % _need_label(need), ip=ip)
    return need


@transaction.atomic
def need_delete(*, reception_id: int, need_id: int, by, ip=None) -> None:
    plan = plan_for_change(reception_id=reception_id, by=by)
    need = _row(SpecialNeed, plan, need_id, _("找不到该特殊需求。"))
    label = _need_label(need)
    need.delete()
    record_change(plan, by=by, summary=_("删除客户特殊需求：%s") % label, ip=ip)


# -------------------------------------------------------------------------------------- coordination meetings (3.2.2)


def _validate_meeting(plan, meeting: CoordinationMeeting, attendees) -> None:
    errors = {}
    reception = plan.reception
    if meeting.start is None:
        errors["start"] = [_("请填写会议时间。")]
    elif reception.visit_end and meeting.start >= reception.visit_end:
        errors["start"] = [_("协调会应在来访结束前召开。")]
    if len(meeting.place or "") > 200:
        errors["place"] = [_("地点最多 200 字。")]
    if attendees is not None:
        if not attendees:
            errors["attendees"] = [_("请选择参会人员。")]
        elif inactive := [person.display_name for person in attendees if not person.is_active]:
            errors["attendees"] = [_("“%s”已停用。") % "、".join(inactive)]
    _invalid(errors)


@transaction.atomic
def meeting_create(*, reception_id: int, by, data: dict, ip=None) -> CoordinationMeeting:
    """policy 3.2.2: the host's coordination meeting with the coordinating departments; attendees are told."""
    plan = plan_for_change(reception_id=reception_id, by=by)
    meeting = CoordinationMeeting(plan=plan, created_by=by)
    _apply(meeting, data, MEETING_FIELDS)
    attendees = list(data.get("attendees") or [])
    _validate_meeting(plan, meeting, attendees)
    meeting.save()
    meeting.attendees.set(attendees)
    label = _meeting_label(meeting)
    record_change(plan, by=by, summary=_("协调会：%s") % label, ip=ip)
    notify_plan(
        plan,
        [person for person in attendees if person.pk != by.pk],
        "meeting",
        gettext_lazy("接待协调会：%(title)s — %(meeting)s"),
        meeting=label,
    )
    return meeting


@transaction.atomic
def meeting_update(*, reception_id: int, meeting_id: int, by, data: dict, ip=None) -> CoordinationMeeting:
    """Change the meeting (time, place, attendees) or write its minutes afterwards."""
    plan = plan_for_change(reception_id=reception_id, by=by)
    meeting = _row(CoordinationMeeting, plan, meeting_id, _("找不到该协调会。"))
    _apply(meeting, data, MEETING_FIELDS)
    attendees = list(data["attendees"]) if "attendees" in data else None
    _validate_meeting(plan, meeting, attendees)
    meeting.save()
    if attendees is not None:
        meeting.attendees.set(attendees)
    record_change(plan, by=by, summary=_("修改协调会：%s") % _meeting_label(meeting), ip=ip)
    return meeting


def _meeting_label(meeting: CoordinationMeeting) -> str:
    return " ".join(part for part in (_local(meeting.start), meeting.place) if part)


# ------------------------------------------------------------------------------------- preparation tasks (3.2.2)


def task_owner_ids(task: PrepTask) -> list[int]:
    """Whom a task's notifications go to: the person named, else the head of the department named."""
    if task.assignee_id:
        return [task.assignee_id]
    if task.department_id and task.department.head_id:
        return [task.department.head_id]
    return []


def may_complete(user, task: PrepTask) -> bool:
    """policy 3.2.2: who reports a task done (see the module's docstring). Reads task.department (select it)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if task.assignee_id == user.pk:
        return True
    if task.department_id is None:
        return False
    if task.department.head_id == user.pk:
        return True
    return task.assignee_id is None and user.department_id == task.department_id


def _validate_task(plan, task: PrepTask, *, due_changed: bool) -> None:
    errors = {}
    task.title = (task.title or "").strip()
    if not task.title:
        errors["title"] = [_("请填写任务名称。")]
    elif len(task.title) > 200:
        errors["title"] = [_("任务名称最多 200 字。")]
    if task.department_id is None and task.assignee_id is None:
        errors["assignee"] = [_("请指定责任部门或责任人。")]
    _check_person(task.assignee, "assignee", errors, required=False, message="")
    if (
        "assignee" not in errors
        and task.assignee_id
        and task.department_id
        and task.assignee.department_id != task.department_id
    ):
        errors["assignee"] = [_("责任人不属于所选责任部门。")]
    reception = plan.reception
    if task.due_date is None:
        errors["due_date"] = [_("请填写截止日期。")]
    else:
        last_day = reception.visit_end.astimezone(LOCAL_TZ).date() if reception.visit_end else None
        if last_day and task.due_date > last_day:
            errors["due_date"] = [_("截止日期不能晚于来访结束日期（%s）。") % f"{last_day:%Y-%m-%d}"]
        elif due_changed and task.due_date < local_today():
            errors["due_date"] = [_("截止日期不能早于今天。")]
    if task.meeting_id and task.meeting.plan_id != plan.pk:
        errors["meeting"] = [_("协调会不属于本方案。")]
    _invalid(errors)


def _task_row(plan, task_id) -> PrepTask:
    task = PrepTask.objects.select_related("department", "assignee", "meeting").filter(pk=task_id, plan=plan).first()
    if task is None:
        raise NotFound(_("找不到该准备任务。"))
    return task


def _announce_task(plan, task: PrepTask, *, by) -> None:
    """Tell the task's owner (the person, else the department's head) what to do and by when."""
    notify_plan(
        plan,
        [pk for pk in task_owner_ids(task) if pk != by.pk],
        "prep_task",
        gettext_lazy("新的准备任务：%(task)s（%(title)s），截止 %(due)s"),
        task=task.title,
        due=f"{task.due_date:%Y-%m-%d}",
    )


@transaction.atomic
def task_create(*, reception_id: int, by, data: dict, ip=None) -> PrepTask:
    """policy 3.2.2: give a department or a person a preparation task with a deadline; the owner is told."""
    plan = plan_for_change(reception_id=reception_id, by=by)
    task = PrepTask(plan=plan, created_by=by)
    _apply(task, data, TASK_FIELDS)
    _validate_task(plan, task, due_changed=True)
    task.save()
    record_change(plan, by=by, summary=_("准备任务：%(task)s，截止 %(due)s") % _task_params(task), ip=ip)
    _announce_task(plan, task, by=by)
    return task


@transaction.atomic
def task_update(*, reception_id: int, task_id: int, by, data: dict, ip=None) -> PrepTask:
    """Change an open task; a new owner is told. Done or cancelled tasks are reopened first (task_set_status)."""
    plan = plan_for_change(reception_id=reception_id, by=by)
    task = _task_row(plan, task_id)
    if task.status != TaskStatus.OPEN:
        raise ConflictError(_("已完成或已取消的任务不能修改。"))
    owners_before = task_owner_ids(task)
    due_before = task.due_date
    _apply(task, data, TASK_FIELDS)
    _validate_task(plan, task, due_changed=task.due_date != due_before)
    task.save()
    record_change(plan, by=by, summary=_("修改准备任务：%(task)s，截止 %(due)s") % _task_params(task), ip=ip)
    if task_owner_ids(task) != owners_before:
        _announce_task(plan, task, by=by)
    return task


def _task_params(task: PrepTask) -> dict:
    return {"task": task.title, "due": f"{task.due_date:%Y-%m-%d}"}


@transaction.atomic
def task_set_status(*, reception_id: int, task_id: int, by, status: str, ip=None) -> PrepTask:
    """Mark a task done (or open again), or cancel it (policy 3.2.2).

    Done / open: the task's owner (see may_complete) or a plan editor, also while the plan is under review —
    reporting progress does not change the plan. Cancelling, or reviving a cancelled task, changes the plan: editors
    only, through plan_for_change."""
    reception = get_reception_with_plan(by, reception_id)  # readers only: everyone else gets 404
    editor = is_plan_editor(by, reception)
    plan = None
    current = PrepTask.objects.filter(pk=task_id, plan__reception=reception).values_list("status", flat=True).first()
    if current is None:
        raise NotFound(_("找不到该准备任务。"))
    if TaskStatus.CANCELLED in (status, current):
        plan = plan_for_change(reception_id=reception.pk, by=by)  # editors only (403), plan row locked
    task = (
        PrepTask.objects.select_for_update(of=("self",))
        .select_related("department", "plan__reception")
        .filter(pk=task_id, plan__reception=reception)
        .first()
    )
    if task is None:
        raise NotFound(_("找不到该准备任务。"))
    if not (editor or may_complete(by, task)):
        raise Forbidden(_("只有任务责任人、责任部门负责人或方案编制人可以更新任务状态。"))
    if status not in TaskStatus.values:  # checked after who may: a stranger learns nothing from the answer
        raise ValidationFailed(_("未知的状态。"), errors={"status": [_("未知的状态。")]})
    if task.status == status:
        return task
    if plan is None and TaskStatus.CANCELLED in (status, task.status):
        raise ConflictError(_("任务状态已变化，请刷新后重试。"))  # cancelled meanwhile by an editor
    task.status = status
    if status == TaskStatus.DONE:
        task.completed_at, task.completed_by = timezone.now(), by
    else:
        task.completed_at, task.completed_by = None, None
    task.save(update_fields=["status", "completed_at", "completed_by"])
    params = {"task": task.title, "status": task.get_status_display()}
    summary = _("准备任务“%(task)s”：%(status)s") % params
    if plan is not None:
        record_change(plan, by=by, summary=summary, ip=ip)
    else:
        # Progress, not a change of the plan: recorded, without a new version or the change announcement.
        history(task.plan, PlanAction.CHANGED, by=by, summary=summary, ip=ip)
        if status == TaskStatus.DONE:
            notify_plan(
                task.plan,
                [pk for pk in (reception.requester_id, reception.lead_id) if pk and pk != by.pk],
                "prep_task_done",
                gettext_lazy("准备任务已完成：%(task)s（%(title)s）"),
                task=task.title,
            )
    return task


def _row(model, plan, pk, message):
    row = model.objects.filter(pk=pk, plan=plan).first()
    if row is None:
        raise NotFound(message)
    return row
