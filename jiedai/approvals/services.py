"""The approval engine's writes. Every change runs in one transaction with the instance row locked, re-checks
the current state, writes an ApprovalEvent, and notifies through the outbox (delivered after commit)."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiedai.approvals.conditions import evaluate
from jiedai.approvals.documents import handler_for
from jiedai.approvals.models import (
    ApprovalEvent,
    ApprovalInstance,
    ApprovalTask,
    CcRecord,
    EventAction,
    Flow,
    FlowStep,
    InstanceStatus,
    StepKind,
    StepMode,
    TaskStatus,
)
from jiedai.approvals.resolvers import describe_missing, resolve_cc, resolve_step
from jiedai.core.errors import ConflictError, DomainError, NotFound, ValidationFailed
from jiedai.notify.services import notify
from jiedai.org.selectors import active_delegate

DECISIONS = {"approve", "reject", "return"}


def active_flow(code: str) -> Flow:
    flow = Flow.objects.filter(code=code, is_active=True).first()
    if flow is None:
        raise DomainError(_("审批流程“%s”未启用，请联系管理员。") % code)
    return flow


def _event(
    instance,
    action,
    *,
    by=None,
    task=None,
    on_behalf_of=None,
    step_name="",
    comment="",
    ip=None,
    from_status="",
    to_status="",
):
    ApprovalEvent.objects.create(
        instance=instance,
        task=task,
        round=instance.round,
        step_name=step_name,
        action=action,
        actor=by,
        on_behalf_of=on_behalf_of,
        comment=comment,
        ip=ip,
        from_status=from_status,
        to_status=to_status,
    )


def _notify(recipients, kind, title, instance):
    # Notifications are stored in the company's language, whoever's request caused them: `title` is lazy and is
    # translated only here, under the override.
    with translation.override(settings.LANGUAGE_CODE):
        notify(
            recipients=recipients,
            kind=kind,
            title=str(title) % {"title": instance.title},
            url=instance.url,
            document_type=instance.document_type,
            document_id=instance.document_id,
        )


@transaction.atomic
def approval_submit(
    *,
    flow_code: str,
    document_type: str,
    document_id: int,
    applicant,
    department,
    title: str,
    url: str,
    snapshot: dict,
    by,
    ip=None,
) -> ApprovalInstance:
    """Start (or, after a return, restart as a new round) the approval of a document. Call inside the document
    service's transaction, after locking the document."""
    now = timezone.now()
    instance = (
        ApprovalInstance.objects.select_for_update(of=("self",))
        .filter(document_type=document_type, document_id=document_id)
        .first()
    )
    if instance is None:
        instance = ApprovalInstance.objects.create(
            flow=active_flow(flow_code),
            document_type=document_type,
            document_id=document_id,
            title=title,
            url=url,
            applicant=applicant,
            department=department,
            snapshot=snapshot,
            submitted_at=now,
        )
        action, from_status = EventAction.SUBMITTED, ""
    else:
        if instance.status != InstanceStatus.RETURNED:
            raise ConflictError(_("该单据已在审批中或已结束，不能重复提交。"))
        # A resubmission is a new round on the flow version the document started with.
        from_status = instance.status
        instance.round += 1
        instance.status = InstanceStatus.PENDING
        instance.title, instance.url, instance.snapshot = title, url, snapshot
        instance.department, instance.submitted_at, instance.finished_at = department, now, None
        instance.save()
        action = EventAction.RESUBMITTED
    _event(instance, action, by=by, ip=ip, from_status=from_status, to_status=InstanceStatus.PENDING)
    _advance(instance, after_order=-1, by=by)
    return instance


def _document_key(instance) -> dict:
    return {"document_type": instance.document_type, "document_id": instance.document_id}


def _already_approved_in_round(instance, person) -> bool:
    return (
        ApprovalTask.objects.filter(
            instance=instance, round=instance.round, status=TaskStatus.APPROVED, assignee=person
        ).exists()
        or ApprovalTask.objects.filter(
            instance=instance, round=instance.round, status=TaskStatus.APPROVED, acting_for=person
        ).exists()
    )


def _skip_reason(instance, person) -> str:
    flow = instance.flow
    if person.pk == instance.applicant_id and not flow.allow_self_approval:
        return _("审批人即发起人，自动跳过")
    if flow.skip_repeated_approver and _already_approved_in_round(instance, person):
        return _("本轮已在前面步骤同意，自动跳过")
    return ""


def _open_step(instance, step: FlowStep, *, by) -> bool:
    """Create the step's tasks. True if someone must act; False if every approver was skipped."""
    people = resolve_step(step, instance)
    if not people:
        raise DomainError(describe_missing(step, instance))
    now = timezone.now()
    pending = []
    for person in people:
        reason = _skip_reason(instance, person)
        if reason:
            task = ApprovalTask.objects.create(
                **_document_key(instance),
                instance=instance,
                step=step,
                round=instance.round,
                assignee=person,
                status=TaskStatus.SKIPPED,
                skip_reason=reason,
                decided_at=now,
            )
            _event(instance, EventAction.SKIPPED, task=task, by=person, step_name=step.name, comment=reason)
            continue
        delegate = active_delegate(person, now)
        task = ApprovalTask.objects.create(
            **_document_key(instance),
            instance=instance,
            step=step,
            round=instance.round,
            assignee=delegate or person,
            acting_for=person if delegate else None,
        )
        pending.append(task.assignee)
    if pending:
        instance.current_step = step
        instance.save(update_fields=["current_step"])
        _notify(pending, "approval_task", gettext_lazy("待您处理：%(title)s"), instance)
    return bool(pending)


def _advance(instance, *, after_order: int, by) -> None:
    steps = instance.flow.steps.filter(order__gt=after_order).order_by("order")
    for step in steps:
        if not evaluate(step.condition, instance.snapshot):
            continue
        if _open_step(instance, step, by=by):
            return
    _complete(instance, by=by)


def _complete(instance, *, by) -> None:
    instance.status = InstanceStatus.APPROVED
    instance.current_step = None
    instance.finished_at = timezone.now()
    instance.save(update_fields=["status", "current_step", "finished_at"])
    _event(
        instance, EventAction.COMPLETED, by=by, from_status=InstanceStatus.PENDING, to_status=InstanceStatus.APPROVED
    )
    handler_for(instance.document_type).on_approved(instance, by=by)
    _notify([instance.applicant], "approved", gettext_lazy("已审批通过：%(title)s"), instance)
    _copy(instance, by=by)


def _copy(instance, *, by) -> None:
    """policy 2.2.3: on final approval, copy (抄送) to the people the flow's CC rules name."""
    people = {}
    for rule in instance.flow.cc_rules.all():
        for person in resolve_cc(rule, instance):
            people.setdefault(person.pk, person)
    people.pop(instance.applicant_id, None)
    if not people:
        return
    CcRecord.objects.bulk_create(
        [CcRecord(instance=instance, user=p, **_document_key(instance)) for p in people.values()], ignore_conflicts=True
    )
    _event(instance, EventAction.COPIED, by=by, comment="、".join(sorted(p.display_name for p in people.values())))
    _notify(list(people.values()), "cc", gettext_lazy("抄送给您：%(title)s"), instance)


def _lock_instance(instance_id) -> ApprovalInstance:
    return (
        ApprovalInstance.objects.select_for_update(of=("self",))
        .select_related("flow", "department", "applicant")
        .get(pk=instance_id)
    )


def _check_decision(task: ApprovalTask, decision: str, comment: str) -> None:
    errors = {}
    if decision not in DECISIONS:
        errors["decision"] = [_("请选择同意、驳回或退回。")]
    elif decision in {"reject", "return"} and not comment.strip():
        errors["comment"] = [_("驳回或退回时必须填写意见。")]
    elif decision == "return" and not task.step.allow_return:
        errors["decision"] = [_("此步骤不可退回。")]
    elif decision == "reject" and not task.step.allow_reject:
        errors["decision"] = [_("此步骤不可驳回。")]
    elif task.step.kind == StepKind.HANDLE and decision == "reject":
        errors["decision"] = [_("办理步骤只能办理完成或退回。")]
    if errors:
        raise ValidationFailed(_("审批意见不完整。"), errors=errors)


def approval_task_decide(*, task_id: int, by, decision: str, comment: str = "", ip=None) -> ApprovalTask:
    """Approve, reject or return one task. Two people deciding at once: one wins, the other gets ConflictError."""
    comment = (comment or "").strip()
    found = ApprovalTask.objects.filter(pk=task_id).values("instance_id", "assignee_id").first()
    if found is None or found["assignee_id"] != by.pk:
        raise NotFound(_("找不到该审批任务。"))
    with transaction.atomic():
        instance = _lock_instance(found["instance_id"])
        task = ApprovalTask.objects.select_related("step").get(pk=task_id)
        if (
            task.status != TaskStatus.PENDING
            or task.round != instance.round
            or instance.status != InstanceStatus.PENDING
        ):
            raise ConflictError(_("该任务已被处理或不再是当前步骤，请刷新后查看最新状态。"))
        _check_decision(task, decision, comment)
        now = timezone.now()
        task.status = {"approve": TaskStatus.APPROVED, "reject": TaskStatus.REJECTED, "return": TaskStatus.RETURNED}[
            decision
        ]
        task.comment, task.decided_at = comment, now
        task.save(update_fields=["status", "comment", "decided_at"])
        action = {
            "approve": EventAction.HANDLED if task.step.kind == StepKind.HANDLE else EventAction.APPROVED,
            "reject": EventAction.REJECTED,
            "return": EventAction.RETURNED,
        }[decision]
        _event(
            instance,
            action,
            by=by,
            task=task,
            on_behalf_of=task.acting_for,
            step_name=task.step.name,
            comment=comment,
            ip=ip,
        )
        if decision == "approve":
            _after_approve(instance, task, by=by)
        else:
            _end(instance, InstanceStatus.REJECTED if decision == "reject" else InstanceStatus.RETURNED, by=by)
    return task


def _cancel_open_tasks(instance) -> None:
    ApprovalTask.objects.filter(instance=instance, round=instance.round, status=TaskStatus.PENDING).update(
        status=TaskStatus.CANCELLED, decided_at=timezone.now()
    )


def _after_approve(instance, task, *, by) -> None:
    open_tasks = ApprovalTask.objects.filter(
        instance=instance, round=instance.round, step=task.step, status=TaskStatus.PENDING
    )
    if task.step.mode == StepMode.ALL and open_tasks.exists():
        return  # 会签: wait for the others
    _cancel_open_tasks(instance)  # 或签: the first approval settles the step
    _advance(instance, after_order=task.step.order, by=by)


def _end(instance, status: str, *, by) -> None:
    _cancel_open_tasks(instance)
    instance.status, instance.current_step, instance.finished_at = status, None, timezone.now()
    instance.save(update_fields=["status", "current_step", "finished_at"])
    handler = handler_for(instance.document_type)
    if status == InstanceStatus.REJECTED:
        handler.on_rejected(instance, by=by)
        _notify([instance.applicant], "rejected", gettext_lazy("已驳回：%(title)s"), instance)
    elif status == InstanceStatus.RETURNED:
        handler.on_returned(instance, by=by)
        _notify([instance.applicant], "returned", gettext_lazy("已退回，请修改后重新提交：%(title)s"), instance)


def approval_withdraw(*, document_type: str, document_id: int, by, comment: str = "", ip=None) -> ApprovalInstance:
    """The applicant takes a pending document back. Ends the instance; the document may start afresh later."""
    with transaction.atomic():
        found = ApprovalInstance.objects.filter(document_type=document_type, document_id=document_id).first()
        if found is None:
            raise NotFound(_("找不到审批记录。"))
        instance = _lock_instance(found.pk)
        if instance.applicant_id != by.pk:
            raise NotFound(_("找不到审批记录。"))
        if instance.status != InstanceStatus.PENDING:
            raise ConflictError(_("只有审批中的单据可以撤回。"))
        _cancel_open_tasks(instance)
        instance.status, instance.current_step, instance.finished_at = (InstanceStatus.WITHDRAWN, None, timezone.now())
        instance.save(update_fields=["status", "current_step", "finished_at"])
        _event(
            instance,
            EventAction.WITHDRAWN,
            by=by,
            comment=comment,
            ip=ip,
            from_status=InstanceStatus.PENDING,
            to_status=InstanceStatus.WITHDRAWN,
        )
        handler_for(document_type).on_withdrawn(instance, by=by)
    return instance


def cc_mark_read(*, instance, user) -> None:
    CcRecord.objects.filter(instance=instance, user=user, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def flow_new_version(*, flow: Flow) -> Flow:
    """Copy a flow version (steps and CC rules) into a new, inactive version to edit; running instances keep
    the version they started with."""
    latest = Flow.objects.filter(code=flow.code).order_by("-version").values_list("version", flat=True).first()
    copy = Flow.objects.get(pk=flow.pk)  # a fresh object: the caller's stays the old version
    steps, rules = list(copy.steps.all()), list(copy.cc_rules.all())
    copy.pk, copy.version, copy.is_active = None, latest + 1, False
    copy._state.adding = True
    copy.save()
    for item in steps + rules:
        item.pk, item.flow = None, copy
        item._state.adding = True
        item.save()
    return copy


@transaction.atomic
def flow_activate(*, flow: Flow) -> None:
    Flow.objects.filter(code=flow.code, is_active=True).exclude(pk=flow.pk).update(is_active=False)
    Flow.objects.filter(pk=flow.pk).update(is_active=True)
