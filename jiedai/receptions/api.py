"""/api/v1/receptions: the Client Reception Notification Request (客户接待通知申请, policy 2.1–2.2) over JSON.
Thin: parse and check the input's shape here, call one service, render. Every read goes through the access layer
(receptions_visible_to / get_reception_for_user); business rules live in services.py and validation.py."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.db.models import F, Prefetch
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict, field_validator

from jiedai.approvals.models import ApprovalInstance, ApprovalTask, CcRecord, TaskStatus
from jiedai.core.api_schema import MAX_ID, Email, LocalDateTime, Text, error_responses, local
from jiedai.core.page_cache import serve_api
from jiedai.receptions.access import DOCUMENT_TYPE, get_reception_for_user
from jiedai.receptions.clients import LIMITS
from jiedai.receptions.models import LOCAL_TZ, Importance, Reception, ReceptionClient, ReceptionHistory, ReceptionStatus
from jiedai.receptions.selectors import PAGE_SIZE, ReceptionListing
from jiedai.receptions.services import reception_create, reception_submit, reception_update, reception_withdraw
from jiedai.receptions.validation import MAX_CLIENTS, MAX_TEXT

router = Router(tags=["receptions"])

# From the models' choices, so a status or level added there is accepted here without a second list to keep.
ImportanceValue = Literal[tuple(Importance.values)]
StatusFilter = Literal[("", *ReceptionStatus.values)]
MAX_PAGE = 100_000


# ---------------------------------------------------------------------------------------------------- input


class ClientIn(Schema):
    """A visiting client: either `{"id": n}` of a contact already in the directory, or the client's details
    (a new client is added to the directory, matched by organization + name). When `id` is given, the other
    fields are ignored (so a client as returned by GET may be sent back unchanged)."""

    model_config = ConfigDict(extra="forbid")

    id: int | None = Field(None, ge=1, le=MAX_ID)
    name: Text(LIMITS["name"]) | None = None
    organization: Text(LIMITS["organization"]) | None = None
    title: Text(LIMITS["title"]) | None = None
    phone: Text(LIMITS["phone"]) | None = None
    email: Email | None = None


class ReceptionIn(Schema):
    """A request's fields. POST creates a draft (every field optional; completeness is checked on submit);
    PATCH changes only the fields sent (`null` clears one; `clients` and `coordinating_departments` replace the
    whole list)."""

    model_config = ConfigDict(extra="forbid")

    purpose: Text(MAX_TEXT) | None = None
    visit_start: LocalDateTime | None = Field(None, description="ISO 8601; without an offset, Asia/Shanghai time")
    visit_end: LocalDateTime | None = Field(None, description="ISO 8601; without an offset, Asia/Shanghai time")
    visitor_count: int | None = Field(None, ge=1, le=10000, strict=True)
    importance: ImportanceValue = "normal"
    escort_needs: Text(MAX_TEXT) | None = None
    estimated_cost: Decimal | None = Field(
        None,
        ge=0,
        max_digits=14,
        decimal_places=2,
        allow_inf_nan=False,
        description='yuan, a decimal string or a number with at most 2 decimals, e.g. "5000.00"',
    )
    lead: Text(150) | None = Field(None, description="the lead's username (policy 2.1.2)")
    coordinating_departments: list[Text(32)] | None = Field(None, max_length=50, description="department codes")
    importance_statement: Text(MAX_TEXT) | None = None
    expected_outcome: Text(MAX_TEXT) | None = None
    clients: list[ClientIn] | None = Field(None, max_length=MAX_CLIENTS)

    @field_validator("lead", mode="after")
    @classmethod
    def _blank_lead_is_none(cls, value):
        return value or None

    def to_service_data(self) -> dict:
        """Only the fields the caller sent, in the form the services take (usernames, codes, client dicts)."""
        data = self.model_dump(exclude_unset=True)
        if "clients" in data and data["clients"] is not None:
            data["clients"] = [
                {"id": item["id"]} if item.get("id") else {k: v for k, v in item.items() if k != "id"}
                for item in data["clients"]
            ]
        return data


class WithdrawIn(Schema):
    model_config = ConfigDict(extra="forbid")

    comment: Text(MAX_TEXT) = ""


class ReceptionFilters(Schema):
    status: StatusFilter = ""
    q: Text(100) = Field("", description="searches the number, the purpose, client names and organisations")
    page: int = Field(1, ge=1, le=MAX_PAGE, description=f"{PAGE_SIZE} per page")

    @field_validator("page", mode="before")
    @classmethod
    def _blank_page_is_first(cls, value):
        return 1 if value in ("", None) else value


# ---------------------------------------------------------------------------------------------------- output


class ClientOut(Schema):
    id: int
    name: str
    organization: str
    title: str
    phone: str
    email: str


class ApprovalStepOut(Schema):
    name: str
    approver: str
    acting_for: str | None = Field(description="whose authority the approver uses, when a delegate")
    decision: str = Field(description="the task's status: pending, approved, rejected, returned or skipped")
    comment: str
    decided_at: datetime | None


class ApprovalOut(Schema):
    status: str = Field(description="pending, approved, rejected, returned or withdrawn")
    round: int
    steps: list[ApprovalStepOut] = Field(
        description="the tasks of the current round in order (cancelled tasks, e.g. after a withdrawal, are left out)"
    )


class HistoryOut(Schema):
    at: datetime
    actor: str | None
    action: str
    from_status: str
    to_status: str
    comment: str


class ReceptionPlanOut(Schema):
    """The reception plan's state in brief (policy 3.1.2); the plan itself is GET /receptions/{id}/plan."""

    status: str = Field(description="not_started (approved, no plan yet), draft, pending_review, returned or confirmed")
    due_date: date | None = Field(description="the plan is due on this day (working days before the visit)")
    submitted_at: datetime | None = Field(description="first submitted for review; null until then")
    overdue: bool = Field(description="the due date has passed (Asia/Shanghai) and the plan was not submitted")


class ReceptionOut(Schema):
    id: int
    number: str | None
    status: str = Field(description="draft, pending_approval, returned, rejected, withdrawn or approved")
    purpose: str
    visit_start: datetime | None
    visit_end: datetime | None
    days_of_stay: int | None
    visitor_count: int | None
    importance: str = Field(description="normal, important or major")
    clients: list[ClientOut]
    escort_needs: str
    estimated_cost: str | None = Field(description='yuan, a decimal string with two places, e.g. "5000.00"')
    lead: str | None
    coordinating_departments: list[str]
    importance_statement: str
    expected_outcome: str
    host_department: str
    requester: str
    plan_due_date: date | None
    plan_due_provisional: bool
    approval: ApprovalOut | None = Field(description="null until first submitted")
    plan: ReceptionPlanOut | None = Field(description="the reception plan's state; null unless approved")
    cc: list[str]
    history: list[HistoryOut]
    created_at: datetime
    submitted_at: datetime | None
    approved_at: datetime | None


class ReceptionListOut(Schema):
    """List items have the same shape as GET /receptions/{id}; the page costs the same number of queries at 1
    and at 20 rows."""

    items: list[ReceptionOut]
    count: int
    page: int
    page_size: int


# ---------------------------------------------------------------------------------------------------- rendering


def _with_parts(queryset, *, clients: bool = True):
    """What a rendered reception needs, fetched for the whole page at once (`clients=False` when the queryset,
    like the listing's, already prefetches the client links)."""
    # `plan` is the reverse one-to-one of planning.Plan, joined here (no query of its own); receptions does not
    # import planning.
    queryset = queryset.select_related("host_department", "requester", "lead", "plan").prefetch_related(
        "coordinating_departments",
        Prefetch("history", queryset=ReceptionHistory.objects.select_related("actor").order_by("at", "id")),
    )
    if clients:
        queryset = queryset.prefetch_related(
            Prefetch("client_links", queryset=ReceptionClient.objects.select_related("contact__organization"))
        )
    return queryset


def _plan_state(reception: Reception, today: date) -> dict | None:
    """The plan's state in brief (the plan row comes with the reception, see _with_parts). Overdue (policy
    3.1.2): approved, the due date before today in Asia/Shanghai, and the plan not submitted (or not started)."""
    if reception.status != ReceptionStatus.APPROVED:
        return None
    plan = getattr(reception, "plan", None)  # None when no plan row exists yet
    submitted_at = plan.submitted_at if plan is not None else None
    due = reception.plan_due_date
    return {
        "status": plan.status if plan is not None else "not_started",
        "due_date": due,
        "submitted_at": local(submitted_at),
        "overdue": due is not None and due < today and submitted_at is None,
    }


def _render(receptions: list[Reception]) -> list[dict]:
    """Receptions (fetched through _with_parts) as the API shows them; three queries for the approval parts,
    however many receptions."""
    if not receptions:
        return []
    ids = [r.pk for r in receptions]
    instances = {
        i.document_id: i
        for i in ApprovalInstance.objects.filter(document_type=DOCUMENT_TYPE, document_id__in=ids).only(
            "id", "document_id", "status", "round"
        )
    }
    steps: dict[int, list[dict]] = {}
    tasks = (
        ApprovalTask.objects.filter(
            instance__document_type=DOCUMENT_TYPE, instance__document_id__in=ids, round=F("instance__round")
        )
        .exclude(status=TaskStatus.CANCELLED)
        .select_related("step", "assignee", "acting_for")
        .order_by("instance_id", "step__order", "id")
    )
    for task in tasks:
        steps.setdefault(task.instance_id, []).append(
            {
                "name": task.step.name,
                "approver": task.assignee.username,
                "acting_for": task.acting_for.username if task.acting_for_id else None,
                "decision": task.status,
                "comment": task.comment,
                "decided_at": local(task.decided_at),
            }
        )
    cc: dict[int, list[str]] = {}
    records = (
        CcRecord.objects.filter(instance__document_type=DOCUMENT_TYPE, instance__document_id__in=ids)
        .select_related("user")
        .order_by("instance_id", "user__username")
    )
    for record in records:
        cc.setdefault(record.instance_id, []).append(record.user.username)

    today = timezone.now().astimezone(LOCAL_TZ).date()
    out = []
    for r in receptions:
        instance = instances.get(r.pk)
        out.append(
            {
                "id": r.pk,
                "number": r.number,
                "status": r.status,
                "purpose": r.purpose,
                "visit_start": local(r.visit_start),
                "visit_end": local(r.visit_end),
                "days_of_stay": r.days_of_stay,
                "visitor_count": r.visitor_count,
                "importance": r.importance,
                "clients": [
                    {
                        "id": link.contact.pk,
                        "name": link.contact.name,
                        "organization": link.contact.organization.name,
                        "title": link.contact.title,
                        "phone": link.contact.phone,
                        "email": link.contact.email,
                    }
                    for link in r.client_links.all()
                ],
                "escort_needs": r.escort_needs,
                "estimated_cost": f"{r.estimated_cost:.2f}" if r.estimated_cost is not None else None,
                "lead": r.lead.username if r.lead_id else None,
                "coordinating_departments": sorted(d.code for d in r.coordinating_departments.all()),
                "importance_statement": r.importance_statement,
                "expected_outcome": r.expected_outcome,
                "host_department": r.host_department.code,
                "requester": r.requester.username,
                "plan_due_date": r.plan_due_date,
                "plan_due_provisional": r.plan_due_provisional,
                "approval": (
                    {"status": instance.status, "round": instance.round, "steps": steps.get(instance.pk, [])}
                    if instance is not None
                    else None
                ),
                "plan": _plan_state(r, today),
                "cc": cc.get(instance.pk, []) if instance is not None else [],
                "history": [
                    {
                        "at": local(h.at),
                        "actor": h.actor.username if h.actor_id else None,
                        "action": h.action,
                        "from_status": h.from_status,
                        "to_status": h.to_status,
                        "comment": h.comment,
                    }
                    for h in r.history.all()
                ],
                "created_at": local(r.created_at),
                "submitted_at": local(r.submitted_at),
                "approved_at": local(r.approved_at),
            }
        )
    return out


def _detail(user, reception_id: int) -> dict:
    """One reception as the caller may see it (NotFound, 404, otherwise)."""
    reception = get_reception_for_user(user, reception_id)
    return _render([_with_parts(Reception.objects.filter(pk=reception.pk)).get()])[0]


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


# ---------------------------------------------------------------------------------------------------- endpoints


@router.get("", response={200: ReceptionListOut, **error_responses(401, 422)}, summary="接待申请列表")
def reception_list_endpoint(request, filters: Query[ReceptionFilters]):
    """The requests the caller may see, newest first, 20 per page."""

    def compute():
        listing = ReceptionListing(
            request.auth, status=filters.status, q=filters.q, decorate=lambda qs: _with_parts(qs, clients=False)
        )
        count = listing.count()
        offset = (filters.page - 1) * PAGE_SIZE
        page = listing.rows(offset, offset + PAGE_SIZE) if offset < count else []
        return {"items": _render(page), "count": count, "page": filters.page, "page_size": PAGE_SIZE}

    return serve_api(request, ReceptionListOut, compute)


@router.post("", response={201: ReceptionOut, **error_responses(400, 401, 403, 413, 422)}, summary="新建草稿")
def reception_create_endpoint(request, payload: ReceptionIn):
    reception = reception_create(by=request.auth, data=payload.to_service_data(), ip=_ip(request))
    return Status(201, _detail(request.auth, reception.pk))


@router.get("/{int:reception_id}", response={200: ReceptionOut, **error_responses(401, 404)}, summary="接待申请详情")
def reception_get_endpoint(request, reception_id: int):
    return _detail(request.auth, reception_id)


@router.patch(
    "/{int:reception_id}",
    response={200: ReceptionOut, **error_responses(400, 401, 403, 404, 409, 413, 422)},
    summary="修改草稿或退回的申请",
)
def reception_update_endpoint(request, reception_id: int, payload: ReceptionIn):
    """Only the requester, while the request is a draft or returned; only the fields sent change."""
    reception_update(reception_id=reception_id, by=request.auth, data=payload.to_service_data(), ip=_ip(request))
    return _detail(request.auth, reception_id)


@router.post(
    "/{int:reception_id}/submit",
    response={200: ReceptionOut, **error_responses(401, 403, 404, 409, 422)},
    summary="提交审批",
)
def reception_submit_endpoint(request, reception_id: int):
    """Sends a draft (or, as a new round, a returned request) into approval; 422 with per-field errors when the
    request is incomplete."""
    reception_submit(reception_id=reception_id, by=request.auth, ip=_ip(request))
    return _detail(request.auth, reception_id)


@router.post(
    "/{int:reception_id}/withdraw",
    response={200: ReceptionOut, **error_responses(400, 401, 403, 404, 409, 422)},
    summary="撤回审批中的申请",
)
def reception_withdraw_endpoint(request, reception_id: int, payload: WithdrawIn | None = None):
    comment = payload.comment if payload is not None else ""
    reception_withdraw(reception_id=reception_id, by=request.auth, comment=comment, ip=_ip(request))
    return _detail(request.auth, reception_id)
