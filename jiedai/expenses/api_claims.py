"""/api/v1/receptions/{id}/claims and /api/v1/claims/{claim_id}: reimbursement claims (policy 5.2) over JSON —
lines with their invoices; an invoice with its file is uploaded (multipart) to
/claims/{claim_id}/lines/{line_id}/invoices, and /invoices/read says what an XML or OFD invoice file holds (nothing
saved). Thin: check the input's shape here, call one service, render. Reads go through expenses.access (outsiders
404); the services check the writer (requester or lead, else 403), the payer (finance, else 403) and the rules
(locked once submitted: 409; bad input: 422; a file over 20 MB: 413)."""

import datetime
import functools
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile
from ninja.decorators import decorate_view
from pydantic import ConfigDict

from jiedai.core.api_schema import MAX_ID, Text, error_responses, local
from jiedai.core.errors import NotFound, ValidationFailed
from jiedai.core.web import client_ip
from jiedai.expenses.access import CLAIM_DOCUMENT, get_reception_for_money, is_money_editor
from jiedai.expenses.api_common import ApprovalOut, approval_json, money_str
from jiedai.expenses.models import CLAIM_EDITABLE, Claim, ClaimLine
from jiedai.expenses.services.claims import (
    MAX_INVOICES_PER_LINE,
    MAX_LINES,
    claim_create,
    claim_duplicate_warnings,
    claim_invoice_add,
    claim_pay,
    claim_save_lines,
    claim_submit,
    claim_withdraw,
    invoice_reading_notes,
    line_approve_amount,
)
from jiedai.expenses.services.invoice_reading import (
    MAX_FILE_BYTES,
    FileTooLarge,
    invoice_read,
    too_large_message,
    upload_bytes,
)
from jiedai.planning.uploads import SizeLimitUploadHandler

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


class InvoiceUploadIn(_In):
    """The form fields of an invoice uploaded with its file (multipart): as InvoiceIn, without `id`."""

    code: Text(12) = ""
    number: Text(20)
    date: Text(10) = Field(description="YYYY-MM-DD")
    amount_before_tax: Amount
    tax: Amount
    total: Amount
    seller_name: Text(200) = ""
    seller_tax_id: Text(20) = ""
    buyer_tax_id: Text(20) = ""
    expected_version: int | None = Field(
        None, ge=1, le=MAX_ID, description="the claim's version read; a newer one on the server: 409"
    )


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


class LineApproveIn(_In):
    amount: Amount = Field(description="what the line is approved at: at most the claimed amount; 0 rejects it")
    reason: Text(300) = Field("", description="required when less than claimed")


class PayIn(_In):
    date: Text(10) = Field(description="YYYY-MM-DD")
    method: Text(40)
    reference: Text(100) = ""


class InvoiceFieldsOut(Schema):
    """What a file said, each field as the claim takes it ("" when not read): date YYYY-MM-DD, money "106.00"."""

    code: str
    number: str
    date: str
    amount_before_tax: str
    tax: str
    total: str
    seller_name: str
    seller_tax_id: str
    buyer_name: str
    buyer_tax_id: str
    check_code: str


class InvoiceReadingOut(Schema):
    kind: str = Field(description="xml (数电票 EInvoice) or ofd")
    fields: InvoiceFieldsOut
    missing: list[str] = Field(description="the fields that could not be read (names as in `fields`)")
    notes: list[str] = Field(description="what to check before saving: computed amounts, a buyer not our company")


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


class ClaimWarningOut(Schema):
    invoice: int
    message: str


class ClaimOut(ClaimSummaryOut):
    can_edit: bool = Field(description="the caller may change the lines now")
    lines: list[ClaimLineOut]
    warnings: list[ClaimWarningOut] = Field(
        description="policy 5.2.2: invoices likely claimed twice (same host department, category, date and total "
        "on another live claim) — a warning, not an error"
    )
    payment: PaymentOut | None
    approval: ApprovalOut | None = Field(description="null until first submitted (policy 5.2.2)")


def _summary(claim) -> dict:
    return {
        "id": claim.pk,
        "reception": claim.reception_id,
        "status": claim.status,
        "total_claimed": money_str(claim.total_claimed),
        "total_approved": money_str(claim.total_approved),
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
    claim.reception = reception
    warnings = claim_duplicate_warnings(claim)
    return {
        **_summary(claim),
        "warnings": [{"invoice": invoice, "message": message} for invoice, message in warnings.items()],
        "can_edit": is_money_editor(user, reception) and claim.status in CLAIM_EDITABLE,
        "lines": [
            {
                "id": line.pk,
                "category": line.category_id,
                "category_name": line.category.name,
                "description": line.description,
                "amount_claimed": money_str(line.amount_claimed),
                "amount_approved": money_str(line.amount_approved),
                "rejected_reason": line.rejected_reason,
                "invoices": [
                    {
                        "id": invoice.pk,
                        "code": invoice.code,
                        "number": invoice.number,
                        "date": invoice.date,
                        "amount_before_tax": money_str(invoice.amount_before_tax),
                        "tax": money_str(invoice.tax),
                        "total": money_str(invoice.total),
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
        "approval": approval_json(CLAIM_DOCUMENT, claim.pk),
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


@router.post(f"{CLAIM}/lines/{{int:line_id}}/approve", response={200: ClaimOut, **WRITE_ERRORS}, summary="核定明细金额")
def claim_line_approve_endpoint(request, claim_id: int, line_id: int, payload: LineApproveIn):
    """policy 5.2.2: at the finance audit step, its auditor sets what a line is approved at — never more than
    claimed, with a reason when less (0 with a reason rejects the line). 403 for anyone else; 404 for a line that
    is not on this claim."""
    _readable_claim(request.auth, claim_id)
    if not ClaimLine.objects.filter(pk=line_id, claim_id=claim_id).exists():
        raise NotFound(_("找不到该报销明细。"))
    line_approve_amount(
        line_id=line_id, by=request.auth, amount=payload.amount, reason=payload.reason, ip=client_ip(request)
    )
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


def _limit_upload(run):
    """Stop reading an uploaded file past the invoice limit (20 MB) while the body is parsed: a 50-MB upload is
    dropped, never written out, and answered with a 413 (see _upload)."""

    @functools.wraps(run)
    def wrapper(request, *args, **kwargs):
        request.upload_handlers.insert(0, SizeLimitUploadHandler(request, limit=MAX_FILE_BYTES))
        return run(request, *args, **kwargs)

    return wrapper


def _upload(request, file):
    if getattr(request, "upload_too_large", False):
        raise FileTooLarge(too_large_message(), errors={"file": [too_large_message()]})
    if file is None:
        raise ValidationFailed(_("请上传发票文件。"), errors={"file": [_("请上传发票文件。")]})
    return file


FILE_PART = File(None, description="the invoice file (PDF, OFD, XML, PNG or JPG, at most 20 MB); required")


@router.post(
    "/invoices/read",
    response={200: InvoiceReadingOut, **error_responses(400, 401, 413, 422)},
    summary="读取发票文件",
)
@decorate_view(_limit_upload)
def invoice_read_endpoint(request, file: UploadedFile = FILE_PART):
    """policy 5.2.2: the fields an XML (数电票) or OFD invoice file holds, for the caller to confirm before saving
    the invoice (nothing is saved). 422 for a file that is not an invoice file (a forged type, an OFD that is not
    one, a zip bomb) or one that cannot be read (PDF, images); 413 over 20 MB."""
    upload = _upload(request, file)
    reading = invoice_read(content=upload_bytes(upload), name=upload.name or "")
    return {
        "kind": reading.kind,
        "fields": reading.as_strings(),
        "missing": list(reading.missing),
        "notes": invoice_reading_notes(reading),
    }


@router.post(
    f"{CLAIM}/lines/{{int:line_id}}/invoices",
    response={201: ClaimOut, **WRITE_ERRORS},
    summary="上传发票",
)
@decorate_view(_limit_upload)
def claim_invoice_upload_endpoint(
    request, claim_id: int, line_id: int, payload: Form[InvoiceUploadIn], file: UploadedFile = FILE_PART
):
    """policy 5.2.2: one more invoice with its file (multipart: the fields and `file`) on a line of a draft or
    returned claim (requester and lead only). 409 once submitted or when `expected_version` is not the current
    one; 422 for a bad amount, number, date or buyer, a forged file, an invoice or file already claimed; 413 over
    20 MB. Nothing is saved unless all of it is right."""
    _readable_claim(request.auth, claim_id)
    upload = _upload(request, file)
    data = payload.model_dump(exclude={"expected_version"})
    claim_invoice_add(
        claim_id=claim_id,
        line_id=line_id,
        by=request.auth,
        data={**data, "file": upload},
        expected_version=payload.expected_version,
        ip=client_ip(request),
    )
    return Status(201, _claim_detail(request.auth, claim_id))
