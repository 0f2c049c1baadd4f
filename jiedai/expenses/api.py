"""/api/v1/receptions/{id}/budget: the reception budget (policy 5.1) over JSON. Thin: check the input's shape
here, call one service, render. Reads go through expenses.access (outsiders 404); the services check the writer
(requester or lead, else 403) and the rules (frozen once submitted or approved: 409)."""

import datetime
from typing import Annotated

from ninja import Field, Router, Schema
from pydantic import ConfigDict

from jiedai.core.api_schema import MAX_ID, Text, error_responses, local
from jiedai.core.web import client_ip
from jiedai.expenses.access import BUDGET_DOCUMENT, get_reception_for_money, is_money_editor
from jiedai.expenses.api_common import ApprovalOut, approval_json, money_str
from jiedai.expenses.models import MONEY_EDITABLE, Budget, MoneyStatus
from jiedai.expenses.selectors import standard_breaches
from jiedai.expenses.services.budgets import MAX_LINES, budget_save_lines, budget_submit, budget_withdraw

router = Router(tags=["budgets"])

Ref = Annotated[int, Field(ge=1, le=MAX_ID, strict=True)]
# Money is a decimal string ("150.00"): a JSON number would pass through a float. The service checks the value.
Amount = Annotated[Text(20) | None, Field(None, description='a decimal string, at most two places, e.g. "150.00"')]

WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 422)


# ---------------------------------------------------------------------------------------------------- input


class _In(Schema):
    model_config = ConfigDict(extra="forbid")


class BudgetLineIn(_In):
    """quantity × unit_price × times (the amount is computed), or an amount with its basis (policy 5.1.1)."""

    category: Ref = Field(description="an active expense category's id")
    description: Text(200)
    quantity: Amount = None
    unit_price: Amount = None
    times: int | None = Field(None, ge=1, le=10_000, strict=True)
    amount: Amount = None
    basis: Text(300) = ""


class BudgetIn(_In):
    lines: list[BudgetLineIn] = Field(max_length=MAX_LINES, description="replaces all the lines")
    expected_version: int | None = Field(
        None, ge=1, le=MAX_ID, strict=True, description="the version read; a newer one on the server: 409"
    )


# ---------------------------------------------------------------------------------------------------- output


class BudgetLineOut(Schema):
    id: int
    category: int
    category_name: str
    description: str
    quantity: str | None
    unit_price: str | None
    times: int | None
    amount: str
    basis: str


class BreachOut(Schema):
    """A line above the company's cost standard (policy 1.3.4, 5.1): flagged, not refused."""

    line: int
    category_name: str
    unit: str = Field(description="per_head_meal, per_room_night, per_person or per_line")
    limit: str
    value: str = Field(description="the line's unit price (per-line standards: its amount)")
    importance: str = Field(description="the importance the standard is for; empty: all")


class BudgetOut(Schema):
    reception: int
    number: str | None
    status: str = Field(description="draft, pending_approval, returned, rejected, withdrawn or approved")
    total: str
    version: int
    submitted_at: datetime.datetime | None
    approved_at: datetime.datetime | None
    can_edit: bool = Field(description="the caller may change the lines now")
    lines: list[BudgetLineOut]
    breaches: list[BreachOut]
    approval: ApprovalOut | None = Field(description="null until first submitted (policy 5.1.2)")


# ---------------------------------------------------------------------------------------------------- rendering


def _budget_detail(user, reception_id: int) -> dict:
    """The budget as the caller may see it; an empty draft before anyone wrote a line (nothing is created)."""
    reception = get_reception_for_money(user, reception_id)
    budget = Budget.objects.filter(reception=reception).first()
    editor = is_money_editor(user, reception)
    if budget is None:
        return {
            "reception": reception.pk,
            "number": reception.number,
            "status": MoneyStatus.DRAFT,
            "total": "0.00",
            "version": Budget._meta.get_field("version").default,
            "submitted_at": None,
            "approved_at": None,
            "can_edit": editor,
            "lines": [],
            "breaches": [],
            "approval": None,
        }
    budget.reception = reception
    lines = budget.lines.select_related("category")
    return {
        "reception": reception.pk,
        "number": reception.number,
        "status": budget.status,
        "total": money_str(budget.total),
        "version": budget.version,
        "submitted_at": local(budget.submitted_at),
        "approved_at": local(budget.approved_at),
        "can_edit": editor and budget.status in MONEY_EDITABLE,
        "lines": [
            {
                "id": line.pk,
                "category": line.category_id,
                "category_name": line.category.name,
                "description": line.description,
                "quantity": money_str(line.quantity),
                "unit_price": money_str(line.unit_price),
                "times": line.times,
                "amount": money_str(line.amount),
                "basis": line.basis,
            }
            for line in lines
        ],
        "breaches": [
            {
                "line": breach.line.pk,
                "category_name": breach.line.category.name,
                "unit": breach.standard.unit,
                "limit": money_str(breach.standard.limit),
                "value": money_str(breach.value),
                "importance": breach.standard.importance,
            }
            for breach in standard_breaches(budget)
        ],
        "approval": approval_json(BUDGET_DOCUMENT, budget.pk),
    }


# ---------------------------------------------------------------------------------------------------- endpoints

BUDGET = "/{int:reception_id}/budget"


@router.get(BUDGET, response={200: BudgetOut, **error_responses(401, 404)}, summary="接待预算")
def budget_get_endpoint(request, reception_id: int):
    """policy 5.1: the visit's budget — lines, total, the lines above the cost standard, the approval's steps. 404
    for whoever may not see the visit's money."""
    return _budget_detail(request.auth, reception_id)


@router.put(BUDGET, response={200: BudgetOut, **WRITE_ERRORS}, summary="修改预算明细")
def budget_put_endpoint(request, reception_id: int, payload: BudgetIn):
    """policy 5.1.1: replace the lines (requester and lead only). 409 once submitted or approved, or when
    `expected_version` is not the current one; 422 with per-line errors (`lines.0`) for a bad amount."""
    get_reception_for_money(request.auth, reception_id)  # 404 before the input is looked at
    budget_save_lines(
        reception_id=reception_id,
        by=request.auth,
        lines=[line.model_dump() for line in payload.lines],
        expected_version=payload.expected_version,
        ip=client_ip(request),
    )
    return _budget_detail(request.auth, reception_id)


@router.post(
    f"{BUDGET}/submit", response={200: BudgetOut, **error_responses(401, 403, 404, 409, 422)}, summary="提交预算审批"
)
def budget_submit_endpoint(request, reception_id: int):
    """policy 5.1.2: into the budget flow (host head → finance → supervising leader). 422 without lines; 409 when
    already submitted or approved."""
    get_reception_for_money(request.auth, reception_id)
    budget_submit(reception_id=reception_id, by=request.auth, ip=client_ip(request))
    return _budget_detail(request.auth, reception_id)


@router.post(
    f"{BUDGET}/withdraw", response={200: BudgetOut, **error_responses(401, 403, 404, 409)}, summary="撤回预算审批"
)
def budget_withdraw_endpoint(request, reception_id: int):
    """Take a budget under approval back to draft (requester and lead only); 409 unless under approval."""
    get_reception_for_money(request.auth, reception_id)
    budget_withdraw(reception_id=reception_id, by=request.auth, ip=client_ip(request))
    return _budget_detail(request.auth, reception_id)
