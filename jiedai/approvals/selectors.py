"""Reads of the approval engine, for the document apps' access layers, to-do lists and timelines."""

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from jiedai.approvals.models import ApprovalEvent, ApprovalInstance, ApprovalTask, CcRecord, TaskStatus
from jiedai.core.errors import NotFound


def pending_tasks_for(user):
    return (
        ApprovalTask.objects.filter(assignee=user, status=TaskStatus.PENDING)
        .select_related("instance", "instance__applicant", "instance__department", "step", "acting_for")
        .order_by("-created_at", "-id")
    )


def has_task_exists(user, document_type: str, ref: str = "pk") -> Exists:
    """Exists(): the user has (or had) a task on the document, as assignee or as the person delegated from."""
    return Exists(
        ApprovalTask.objects.filter(
            Q(assignee=user) | Q(acting_for=user), document_type=document_type, document_id=OuterRef(ref)
        )
    )


def _copied_people(user) -> Q:
    """The user, or anyone of the user's department. As `user IN (…)` rather than a join with an OR, so the
    database reads the index for those few people instead of every copy ever made."""
    from jiedai.org.models import User

    people = Q(pk=user.pk)
    if user.department_id:
        people |= Q(department_id=user.department_id)
    return Q(user__in=User.objects.filter(people).values("pk"))


def copied_exists(user, document_type: str, ref: str = "pk") -> Exists:
    """Exists(): the document was copied to the user or to someone of the user's department (policy 2.2.3)."""
    return Exists(CcRecord.objects.filter(_copied_people(user), document_type=document_type, document_id=OuterRef(ref)))


def document_ids_with_task(user, document_type: str):
    """The ids of documents the user has (or had) a task on, as two index range scans (for counting lists)."""
    tasks = ApprovalTask.objects.filter(document_type=document_type)
    return (
        tasks.filter(assignee=user)
        .values_list("document_id")
        .union(tasks.filter(acting_for=user).values_list("document_id"))
    )


def document_ids_copied(user, document_type: str):
    """The ids of documents copied to the user or to the user's department (for counting lists)."""
    return CcRecord.objects.filter(_copied_people(user), document_type=document_type).values_list("document_id")


def copied_to(user, document_type: str):
    return (
        CcRecord.objects.filter(user=user, instance__document_type=document_type)
        .select_related("instance")
        .order_by("-created_at")
    )


def instance_for(document_type: str, document_id: int):
    return (
        ApprovalInstance.objects.filter(document_type=document_type, document_id=document_id)
        .select_related("flow", "current_step")
        .first()
    )


def timeline(instance):
    """All tasks of every round, oldest first, with their people (for the timeline and the print view)."""
    if instance is None:
        return []
    return list(
        ApprovalTask.objects.filter(instance=instance)
        .exclude(status=TaskStatus.CANCELLED)
        .select_related("step", "assignee", "acting_for")
        .order_by("round", "step__order", "decided_at", "id")
    )


def events(instance):
    if instance is None:
        return []
    return list(ApprovalEvent.objects.filter(instance=instance).select_related("actor", "on_behalf_of"))


def task_for_user(user, task_id):
    """One of the user's own tasks (any status), or NotFound: someone else's task is as good as missing."""
    task = (
        ApprovalTask.objects.filter(pk=task_id, assignee=user)
        .select_related("instance", "instance__applicant", "instance__department", "step", "acting_for")
        .first()
        if str(task_id).isdigit()
        else None
    )
    if task is None:
        raise NotFound(_("找不到该审批任务。"))
    return task


def cc_list(instance):
    """Who the document was copied to and whether they have opened it (policy 2.2.3)."""
    if instance is None:
        return []
    return list(instance.cc_records.select_related("user", "user__department").order_by("user__department__code", "id"))


def upcoming_steps(instance):
    """The steps after the current one that apply to this instance (conditions on its snapshot), each with the
    people it would ask now. For the timeline's preview of the rest of the chain; changes nothing."""
    from jiedai.approvals.conditions import evaluate
    from jiedai.approvals.resolvers import resolve_step

    if instance.current_step is None:
        return []
    steps = instance.flow.steps.filter(order__gt=instance.current_step.order).order_by("order")
    return [(step, resolve_step(step, instance)) for step in steps if evaluate(step.condition, instance.snapshot)]


def last_comment(instance) -> str:
    """The newest decision comment of the instance's current round (a return's or a reject's reason)."""
    return (
        instance.tasks.filter(round=instance.round)
        .exclude(comment="")
        .order_by("-decided_at")
        .values_list("comment", flat=True)
        .first()
        or ""
    )
