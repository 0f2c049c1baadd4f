"""How a document's approval reads over the API, for every document the engine carries (requests' plans, budgets,
supplementary budgets, claims): status, round and the current round's steps in order."""

import datetime

from django.db.models import F
from ninja import Field, Schema

from jiedai.approvals.models import ApprovalInstance, ApprovalTask, TaskStatus
from jiedai.core.api_schema import local


class ApprovalStepOut(Schema):
    name: str
    approver: str
    acting_for: str | None = Field(description="whose authority the approver uses, when a delegate")
    decision: str = Field(description="the task's status: pending, approved, rejected, returned or skipped")
    comment: str
    decided_at: datetime.datetime | None


class ApprovalOut(Schema):
    status: str = Field(description="pending, approved, rejected, returned or withdrawn")
    round: int
    steps: list[ApprovalStepOut] = Field(description="the tasks of the current round in order")


def approval_json(document_type: str, document_id: int) -> dict | None:
    """The document's approval; None before it was first submitted. Two queries."""
    instance = (
        ApprovalInstance.objects.filter(document_type=document_type, document_id=document_id)
        .only("id", "status", "round")
        .first()
    )
    if instance is None:
        return None
    tasks = (
        ApprovalTask.objects.filter(instance=instance, round=F("instance__round"))
        .exclude(status=TaskStatus.CANCELLED)
        .select_related("step", "assignee", "acting_for")
        .order_by("step__order", "id")
    )
    steps = [
        {
            "name": task.step.name,
            "approver": task.assignee.username,
            "acting_for": task.acting_for.username if task.acting_for_id else None,
            "decision": task.status,
            "comment": task.comment,
            "decided_at": local(task.decided_at),
        }
        for task in tasks
    ]
    return {"status": instance.status, "round": instance.round, "steps": steps}
