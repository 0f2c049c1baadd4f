"""/api/v1 supplementary budgets (policy 5.3.1): a visit's, and one. Thin: check the input's shape here, call one
service, render. Reads go through expenses.access (outsiders 404); the services check the writer (requester or
lead, else 403) and the rules (only once the budget is approved, frozen once submitted: 409)."""

import datetime
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from jiedai.core.api_schema import MAX_ID, Text, error_responses, local
from jiedai.core.errors import NotFound
from jiedai.core.web import client_ip
from jiedai.expenses.access import SUPPLEMENTARY_DOCUMENT, get_reception_for_money, is_money_editor
from jiedai.expenses.api_common import ApprovalOut, approval_json, money_str
from jiedai.expenses.models import MONEY_EDITABLE, SupplementaryBudget
from jiedai.expenses.services.supplementary import (
    MAX_LINES,
    supplementary_create,
    supplementary_save_lines,
    supplementary_submit,
    supplementary_withdraw,
)

router = Router(tags=["supplementary budgets"])

Ref = Annotated[int, Field(ge=1, le=MAX_ID, strict=True)]
Amount = Annotated[Text(20), Field(description='a decimal string, at most two places, e.g. "800.00"')]
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 422)


class _In(Schema):
    model_config = ConfigDict(extra="forbid")


class SupplementaryLineIn(_In):
    category: Ref = Field(description="an active expense category's id")
    amount: Amount
    reason: Text(300) = ""


class SupplementaryCreateIn(_In):
    reason: Text(2000) = Field(description="why the approved budget will not do (policy 5.3.1)")
    lines: list[SupplementaryLineIn] = Field(default_factory=list, max_length=MAX_LINES)


class SupplementaryIn(_In):
    reason: Text(2000) | None = Field(None, description="omitted: kept")
    lines: list[SupplementaryLineIn] = Field(max_length=MAX_LINES, description="replaces all the lines")
    expected_version: int | None = Field(
        None, ge=1, le=MAX_ID, strict=True, description="the version read; a newer one on the server: 409"
    )


class SupplementaryLineOut(Schema):
    id: int
    category: int
    category_name: str
    amount: str
    reason: str


class SupplementarySummaryOut(Schema):
    id: int
    reception: int
    status: str = Field(description="draft, pending_approval, returned, rejected, withdrawn or approved")
    reason: str
    total: str
    version: int
    submitted_at: datetime.datetime | None
    approved_at: datetime.datetime | None


class SupplementaryOut(SupplementarySummaryOut):
    can_edit: bool = Field(description="the caller may change it now")
    lines: list[SupplementaryLineOut]
    approval: ApprovalOut | None = Field(description="null until first submitted")


def _summary(supplementary) -> dict:
    return {
        "id": supplementary.pk,
        "reception": supplementary.reception_id,
        "status": supplementary.status,
        "reason": supplementary.reason,
        "total": money_str(supplementary.total),
        "version": supplementary.version,
        "submitted_at": local(supplementary.submitted_at),
        "approved_at": local(supplementary.approved_at),
    }


def _detail(user, supplementary_id: int) -> dict:
    """The supplementary budget once the access layer says the user may read its visit's money (else 404)."""
    supplementary = SupplementaryBudget.objects.filter(pk=supplementary_id).prefetch_related("lines__category").first()
    if supplementary is None:
        raise NotFound(_("找不到该追加预算。"))
    reception = get_reception_for_money(user, supplementary.reception_id)
    return {
        **_summary(supplementary),
        "can_edit": is_money_editor(user, reception) and supplementary.status in MONEY_EDITABLE,
        "lines": [
            {
                "id": line.pk,
                "category": line.category_id,
                "category_name": line.category.name,
                "amount": money_str(line.amount),
                "reason": line.reason,
            }
            for line in supplementary.lines.all()
        ],
        "approval": approval_json(SUPPLEMENTARY_DOCUMENT, supplementary.pk),
    }


LIST = "/receptions/{int:reception_id}/supplementary-budgets"
ONE = "/supplementary-budgets/{int:supplementary_id}"


@router.get(LIST, response={200: list[SupplementarySummaryOut], **error_responses(401, 404)}, summary="追加预算列表")
def supplementary_list_endpoint(request, reception_id: int):
    """policy 5.3.1: the visit's supplementary budgets, newest first."""
    reception = get_reception_for_money(request.auth, reception_id)
    return [_summary(s) for s in SupplementaryBudget.objects.filter(reception=reception).order_by("-id")]


@router.post(LIST, response={201: SupplementaryOut, **WRITE_ERRORS}, summary="申请追加预算")
def supplementary_create_endpoint(request, reception_id: int, payload: SupplementaryCreateIn):
    """policy 5.3.1: a new draft with its reason and lines (requester and lead only); 409 before the visit's
    budget is approved; 422 for a bad line (nothing is created)."""
    get_reception_for_money(request.auth, reception_id)  # 404 before the input is looked at
    supplementary = supplementary_create(
        reception_id=reception_id,
        by=request.auth,
        reason=payload.reason,
        lines=[line.model_dump() for line in payload.lines],
        ip=client_ip(request),
    )
    return Status(201, _detail(request.auth, supplementary.pk))


@router.get(ONE, response={200: SupplementaryOut, **error_responses(401, 404)}, summary="追加预算")
def supplementary_get_endpoint(request, supplementary_id: int):
    return _detail(request.auth, supplementary_id)


@router.put(ONE, response={200: SupplementaryOut, **WRITE_ERRORS}, summary="修改追加预算")
def supplementary_put_endpoint(request, supplementary_id: int, payload: SupplementaryIn):
    """Replace the lines (and the reason, if given) of a draft or returned one; 409 once submitted or when
    `expected_version` is not the current one."""
    _detail(request.auth, supplementary_id)  # 404 before the input is looked at
    supplementary_save_lines(
        supplementary_id=supplementary_id,
        by=request.auth,
        lines=[line.model_dump() for line in payload.lines],
        reason=payload.reason,
        expected_version=payload.expected_version,
        ip=client_ip(request),
    )
    return _detail(request.auth, supplementary_id)


@router.post(
    f"{ONE}/submit", response={200: SupplementaryOut, **error_responses(401, 403, 404, 409, 422)}, summary="提交审批"
)
def supplementary_submit_endpoint(request, supplementary_id: int):
    """policy 5.3.1: into the supplementary budget flow (host head → finance → supervising leader)."""
    _detail(request.auth, supplementary_id)
    supplementary_submit(supplementary_id=supplementary_id, by=request.auth, ip=client_ip(request))
    return _detail(request.auth, supplementary_id)


@router.post(
    f"{ONE}/withdraw", response={200: SupplementaryOut, **error_responses(401, 403, 404, 409)}, summary="撤回审批"
)
def supplementary_withdraw_endpoint(request, supplementary_id: int):
    _detail(request.auth, supplementary_id)
    supplementary_withdraw(supplementary_id=supplementary_id, by=request.auth, ip=client_ip(request))
    return _detail(request.auth, supplementary_id)
