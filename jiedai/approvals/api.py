"""/api/v1/approvals: the caller's to-do list and deciding a task (approve, reject, return)."""

from datetime import datetime
from typing import Literal

from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from jiedai.approvals.selectors import pending_tasks_for
from jiedai.approvals.services import approval_task_decide
from jiedai.core.api_schema import Text, error_responses, local

router = Router(tags=["approvals"])

MAX_COMMENT = 5000


class TaskOut(Schema):
    id: int
    document_type: str
    document_id: int
    step: str = Field(description="the step's name")
    created_at: datetime
    title: str
    round: int
    acting_for: str | None = Field(description="whose authority the caller uses, when a delegate (username)")


class TaskListOut(Schema):
    items: list[TaskOut]
    count: int = Field(description="all of the caller's pending tasks")
    page: int
    page_size: int


PAGE_SIZE = 50


class DecisionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "reject", "return"]
    comment: Text(MAX_COMMENT) = Field("", description="required to reject or return")


class DecisionOut(Schema):
    id: int
    document_type: str
    document_id: int
    step: str
    status: str = Field(description="the task's status now: approved, rejected or returned")
    comment: str
    decided_at: datetime
    instance_status: str = Field(description="the approval's status after this decision: pending, approved, ...")


@router.get("/tasks", response={200: TaskListOut, **error_responses(401, 422)}, summary="我的待办审批")
def task_list(request, page: int = Query(1, ge=1, le=100_000)):
    """The caller's pending tasks, newest first, 50 a page."""
    tasks = pending_tasks_for(request.auth)
    start = (page - 1) * PAGE_SIZE
    return {
        "count": tasks.count(),
        "page": page,
        "page_size": PAGE_SIZE,
        "items": [
            {
                "id": task.pk,
                "document_type": task.instance.document_type,
                "document_id": task.instance.document_id,
                "step": task.step.name,
                "created_at": local(task.created_at),
                "title": task.instance.title,
                "round": task.round,
                "acting_for": task.acting_for.username if task.acting_for_id else None,
            }
            for task in tasks[start : start + PAGE_SIZE]
        ],
    }


@router.post(
    "/tasks/{int:task_id}/decide",
    response={200: DecisionOut, **error_responses(400, 401, 404, 409, 413, 422)},
    summary="审批：同意、驳回或退回",
)
def task_decide(request, task_id: int, payload: DecisionIn):
    """404 when the task is not the caller's; 409 when it was already decided or is no longer current; 422 when a
    reject or return has no comment."""
    task = approval_task_decide(
        task_id=task_id,
        by=request.auth,
        decision=payload.decision,
        comment=payload.comment,
        ip=request.META.get("REMOTE_ADDR") or None,
    )
    instance = task.instance
    instance.refresh_from_db(fields=["status"])
    return {
        "id": task.pk,
        "document_type": instance.document_type,
        "document_id": instance.document_id,
        "step": task.step.name,
        "status": task.status,
        "comment": task.comment,
        "decided_at": local(task.decided_at),
        "instance_status": instance.status,
    }
