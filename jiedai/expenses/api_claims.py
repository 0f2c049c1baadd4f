"""/api/v1/receptions/{id}/claims and /api/v1/claims/{claim_id}: reimbursement claims (policy 5.2) over JSON —
lines with their invoices (files are uploaded on the web page). Thin: check the input's shape here, call one
service, render. Reads go through expenses.access (outsiders 404); the services check the writer (requester or
lead, else 403), the payer (finance, else 403) and the rules (locked once submitted: 409; bad input: 422)."""

import datetime
from typing import Annotated

from django.db.models import F
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from jiedai.approvals.models import ApprovalInstance, ApprovalTask
from jiedai.approvals.models import TaskStatus as ApprovalTaskStatus
from jiedai.core.api_schema import MAX_ID, Text, error_responses, local
from jiedai.core.errors import NotFound
from jiedai.core.web import client_ip
from jiedai.expenses.access import CLAIM_DOCUMENT, get_reception_for_money, is_money_editor
from jiedai.expenses.api import ApprovalOut
from jiedai.expenses.models import CLAIM_EDITABLE, Claim
from jiedai.expenses.services.claims import (
    MAX_INVOICES_PER_LINE,
    MAX_LINES,
    claim_create,
    claim_pay,
    claim_save_lines,
    claim_submit,
    claim_withdraw,
)

router = Router(tags=["claims"])

Ref = Annotated[int, Field(ge=1, le=MAX_ID, strict=True)]
# Money is a decimal string ("106.00"): a JSON number would pass through a float. The service checks the value.
Amount = Annotated[Text(20), Field(description='a decimal string, at most two places, e.g. "106.00"')]

WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 422)


class _In(Schema):
    model_config = ConfigDict(extra="forbid")


class InvoiceIn(_In):
    """policy 5.2.2: classic (10/12-digit code + 8-digit number) or fully digital (20-digit number, no code);
    amount_before_tax + tax = total; dated around the visit."""

    id: Ref | None = Field(None, description="an invoice already on this claim: keeps its uploaded file")
    code: Text(12) = ""
    number: Text(20)
    date: Text(10) = Field(description="YYYY-MM-DD")
    amount_before_tax: Amount
    tax: Amount
    total: Amount
    seller_name: Text(200) = ""
    seller_tax_id: Text(20) = ""
    buyer_tax_id: Text(20) = ""


class ClaimLineIn(_In):
    category: Ref = Field(description="an active expense category's id")
    description: Text(200)
    amount_claimed: Amount
    invoices: list[InvoiceIn] = Field(default_factory=list, max_length=MAX_INVOICES_PER_LINE)


class ClaimIn(_In):
    lines: list[ClaimLineIn] = Field(max_length=MAX_LINES, description="replaces all the lines")
    expected_version: int | None = Field(
        None, ge=1, le=MAX_ID, strict=True, description="the version read; a newer one on the server: 409"
    )


class PayIn(_In):
    date: Text(10) = Field(description="YYYY-MM-DD")
    method: Text(40)
    reference: Text(100) = ""


class InvoiceOut(Schema):
    id: int
    code: str
    number: str
    date: datetime.date
    amount_before_tax: str
    tax: str
    total: str
    seller_name: str
    seller_tax_id: str
    buyer_tax_id: str
    has_file: bool


class ClaimLineOut(Schema):
    id: int
    category: int
    category_name: str
    description: str
    amount_claimed: str
    amount_approved: str | None
    rejected_reason: str
    invoices: list[InvoiceOut]


class PaymentOut(Schema):
    date: datetime.date
    method: str
    reference: str


class ClaimSummaryOut(Schema):
    id: int
    reception: int
    status: str = Field(description="draft, pending_approval, returned, rejected, withdrawn, approved or paid")
    total_claimed: str
    total_approved: str | None
    version: int
    submitted_at: datetime.datetime | None
    approved_at: datetime.datetime | None
    paid_at: datetime.datetime | None


class ClaimOut(ClaimSummaryOut):
    can_edit: bool = Field(description="the caller may change the lines now")
    lines: list[ClaimLineOut]
    payment: PaymentOut | None
    approval: ApprovalOut | None = Field(description="null until first submitted (policy 5.2.2)")


def _money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def _approval(claim) -> dict | None:
    instance = (
        ApprovalInstance.objects.filter(document_type=CLAIM_DOCUMENT, document_id=claim.pk)
        .only("id", "status", "round")
        .first()
    )
    if instance is None:
        return None
    tasks = (
        ApprovalTask.objects.filter(instance=instance, round=F("instance__round"))
        .exclude(status=ApprovalTaskStatus.CANCELLED)
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


def _summary(claim) -> dict:
    return {
        "id": claim.pk,
        "reception": claim.reception_id,
        "status": claim.status,
        "total_claimed": _money(claim.total_claimed),
        "total_approved": _money(claim.total_approved),
        "version": claim.version,
        "submitted_at": local(claim.submitted_at),
        "approved_at": local(claim.approved_at),
        "paid_at": local(claim.paid_at),
    }


def _readable_claim(user, claim_id: int):
    """The claim and its visit once the access layer says the user may read the visit's money (else 404)."""
    reception_id = Claim.objects.filter(pk=claim_id).values_list("reception_id", flat=True).first()
    if reception_id is None:
        raise NotFound(_("找不到该报销单。"))
    return get_reception_for_money(user, reception_id)


def _claim_detail(user, claim_id: int) -> dict:
    reception = _readable_claim(user, claim_id)
    claim = (
        Claim.objects.filter(pk=claim_id)
        .select_related("payment")
        .prefetch_related("lines__category", "lines__invoices")
        .get()
    )
    payment = getattr(claim, "payment", None)
    return {
        **_summary(claim),
        "can_edit": is_money_editor(user, reception) and claim.status in CLAIM_EDITABLE,
        "lines": [
            {
                "id": line.pk,
                "category": line.category_id,
                "category_name": line.category.name,
                "description": line.description,
                "amount_claimed": _money(line.amount_claimed),
                "amount_approved": _money(line.amount_approved),
                "rejected_reason": line.rejected_reason,
                "invoices": [
                    {
                        "id": invoice.pk,
                        "code": invoice.code,
                        "number": invoice.number,
                        "date": invoice.date,
                        "amount_before_tax": _money(invoice.amount_before_tax),
                        "tax": _money(invoice.tax),
                        "total": _money(invoice.total),
                        "seller_name": invoice.seller_name,
                        "seller_tax_id": invoice.seller_tax_id,
                        "buyer_tax_id": invoice.buyer_tax_id,
                        "has_file": bool(invoice.file),
                    }
                    for invoice in line.invoices.all()
                ],
            }
            for line in claim.lines.all()
        ],
        "payment": (
            {"date": payment.date, "method": payment.method, "reference": payment.reference} if payment else None
        ),
        "approval": _approval(claim),
    }


CLAIMS = "/receptions/{int:reception_id}/claims"
CLAIM = "/claims/{int:claim_id}"


@router.get(CLAIMS, response={200: list[ClaimSummaryOut], **error_responses(401, 404)}, summary="报销单列表")
def claims_list_endpoint(request, reception_id: int):
    """policy 5.2.1: the visit's claims, newest first. 404 for whoever may not see the visit's money."""
    reception = get_reception_for_money(request.auth, reception_id)
    return [_summary(claim) for claim in Claim.objects.filter(reception=reception)]


@router.post(CLAIMS, response={201: ClaimOut, **error_responses(401, 403, 404)}, summary="新建报销单")
def claim_create_endpoint(request, reception_id: int):
    """policy 5.2.1: a new draft claim (requester and lead only)."""
    claim = claim_create(reception_id=reception_id, by=request.auth, ip=client_ip(request))
    return Status(201, _claim_detail(request.auth, claim.pk))


@router.get(CLAIM, response={200: ClaimOut, **error_responses(401, 404)}, summary="报销单")
def claim_get_endpoint(request, claim_id: int):
    """policy 5.2: the claim — lines with their invoices, totals, the payment, the approval's steps."""
    return _claim_detail(request.auth, claim_id)


@router.put(CLAIM, response={200: ClaimOut, **WRITE_ERRORS}, summary="修改报销明细")
def claim_put_endpoint(request, claim_id: int, payload: ClaimIn):
    """policy 5.2.1–5.2.2: replace the lines and invoices (requester and lead only). 409 once submitted or when
    `expected_version` is not the current one; 422 with per-line/per-invoice errors (`lines.0.invoices.1`) for a
    bad amount, number or date, or an invoice already claimed."""
    _readable_claim(request.auth, claim_id)  # 404 before the input is looked at
    lines = []
    for line in payload.lines:
        data = line.model_dump()
        data["invoices"] = [{k: v for k, v in invoice.items() if v is not None} for invoice in data["invoices"]]
        lines.append(data)
    claim_save_lines(
        claim_id=claim_id,
        by=request.auth,
        lines=lines,
        expected_version=payload.expected_version,
        ip=client_ip(request),
    )
    return _claim_detail(request.auth, claim_id)


@router.post(
    f"{CLAIM}/submit", response={200: ClaimOut, **error_responses(401, 403, 404, 409, 422)}, summary="提交报销审批"
)
def claim_submit_endpoint(request, claim_id: int):
    """policy 5.2.2–5.3.1: into the reimbursement flow. 422 without lines, invoices or over the approved budget;
    409 when already submitted."""
    _readable_claim(request.auth, claim_id)
    claim_submit(claim_id=claim_id, by=request.auth, ip=client_ip(request))
    return _claim_detail(request.auth, claim_id)


@router.post(f"{CLAIM}/withdraw", response={200: ClaimOut, **error_responses(401, 403, 404, 409)}, summary="撤回报销单")
def claim_withdraw_endpoint(request, claim_id: int):
    """The submitter takes a claim under approval back; it ends and its invoices are free again. 409 unless
    under approval."""
    _readable_claim(request.auth, claim_id)
    claim_withdraw(claim_id=claim_id, by=request.auth, ip=client_ip(request))
    return _claim_detail(request.auth, claim_id)


@router.post(f"{CLAIM}/pay", response={200: ClaimOut, **WRITE_ERRORS}, summary="登记付款")
def claim_pay_endpoint(request, claim_id: int, payload: PayIn):
    """policy 5.2.3: finance records the payment of an approved claim (403 for anyone else, 409 unless approved
    and unpaid)."""
    _readable_claim(request.auth, claim_id)
    claim_pay(
        claim_id=claim_id,
        by=request.auth,
        date=payload.date,
        method=payload.method,
        reference=payload.reference,
        ip=client_ip(request),
    )
    return _claim_detail(request.auth, claim_id)
