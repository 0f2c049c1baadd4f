"""Writes for reimbursement (policy 5.2): claims by category with their invoices, checked on entry (amounts add
up, number format, date around the visit and never in the future, the buyer is our company, never the same
invoice or file twice; a likely duplicate is a warning), submitted through the
reimbursement flow (seeded as data: host head → finance audit → supervising leader → general manager → finance
pays, 5.2.2–5.2.3), locked once submitted and paid only when finance records the payment."""

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Sum
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jiedai.approvals.models import ApprovalTask, InstanceStatus, StepKind, TaskStatus
from jiedai.approvals.selectors import instance_for, last_comment
from jiedai.approvals.services import active_flow, approval_submit, approval_task_decide, approval_withdraw
from jiedai.core.errors import ConflictError, Forbidden, NotFound, ValidationFailed
from jiedai.core.runtime_settings import get_setting
from jiedai.expenses.access import CLAIM_DOCUMENT, get_reception_for_money
from jiedai.expenses.models import (
    CLAIM_EDITABLE,
    Budget,
    Claim,
    ClaimAction,
    ClaimHistory,
    ClaimLine,
    ClaimStatus,
    ExpenseCategory,
    Invoice,
    Payment,
)
from jiedai.expenses.services.budgets import money
from jiedai.expenses.services.invoice_reading import InvoiceReading, invoice_file_check, upload_bytes
from jiedai.expenses.services.overrun import check_claim
from jiedai.org.models import Role
from jiedai.org.selectors import user_has_role
from jiedai.receptions.models import LOCAL_TZ

FLOW_CODE = "reimbursement"

MAX_LINES = 200
MAX_INVOICES_PER_LINE = 50
CLASSIC_NUMBER, DIGITAL_NUMBER = 8, 20
CODE_RE = re.compile(r"^\d{10}(\d{2})?$")  # classic invoice codes: 10 or 12 digits
TAX_ID_RE = re.compile(r"^[0-9A-Z]{15,20}$")
ENDED = (ClaimStatus.REJECTED, ClaimStatus.WITHDRAWN)  # claims that no longer hold their invoices


def dedup_key(code: str, number: str) -> str:
    """The invoice's identity (policy 5.2.2): code + number, or the number alone for fully digital invoices."""
    return f"{code}:{number}" if code else f":{number}"


def _history(claim, action, *, by, summary="", comment="", ip=None):
    ClaimHistory.objects.create(
        claim=claim, action=action, actor=by, version=claim.version, summary=summary[:300], comment=comment, ip=ip
    )


def _claim_url(claim) -> str:
    try:
        return reverse("expenses:claim", kwargs={"pk": claim.pk})
    except NoReverseMatch:  # no claim page yet: the visit's money page
        return reverse("expenses:budget", kwargs={"pk": claim.reception_id})


def _lock(*, claim_id, by, write: bool = True) -> Claim:
    """The claim, locked, once the access layer says `by` may read (else 404) or write (else 403) its visit's money."""
    try:
        claim_id = int(claim_id)
    except (TypeError, ValueError):
        raise NotFound(_("找不到该报销单。")) from None
    reception_id = Claim.objects.filter(pk=claim_id).values_list("reception_id", flat=True).first()
    if reception_id is None:
        raise NotFound(_("找不到该报销单。"))
    get_reception_for_money(by, reception_id, write=write)
    return Claim.objects.select_for_update(of=("self",)).select_related("reception").get(pk=claim_id)


@transaction.atomic
def claim_create(*, reception_id: int, by, ip=None) -> Claim:
    """A new draft claim for the visit (policy 5.2.1); a visit may have several claims."""
    reception = get_reception_for_money(by, reception_id, write=True)
    claim = Claim.objects.create(reception=reception, created_by=by)
    _history(claim, ClaimAction.CREATED, by=by, ip=ip)
    return claim


# ---------------------------------------------------------------------------------------------------------------
# Entry checks


def _visit_window(reception):
    """The dates an invoice may carry: the visit's, widened by the run-time window (policy 5.2.2)."""
    if reception.visit_start is None or reception.visit_end is None:
        return None
    days = timedelta(days=get_setting("invoice_date_window_days"))
    start = reception.visit_start.astimezone(LOCAL_TZ).date()
    end = reception.visit_end.astimezone(LOCAL_TZ).date()
    return start - days, end + days


def claims_today() -> date:
    """Today in Asia/Shanghai: no invoice is dated after it, nor after the claim's submission (policy 5.2.2).
    One function, so tests of claims entered ahead of their (future) visits can move the clock."""
    return timezone.now().astimezone(LOCAL_TZ).date()


@dataclass(frozen=True)
class EntryRules:
    """What a claim's invoices are checked against (policy 5.2.2), read once per save."""

    window: tuple[date, date] | None  # the visit ± the run-time window
    today: date
    company_tax_id: str  # our 统一社会信用代码; empty: the buyer is not checked

    @classmethod
    def for_claim(cls, claim) -> "EntryRules":
        return cls(
            window=_visit_window(claim.reception),
            today=claims_today(),
            company_tax_id=get_setting("company_tax_id").upper(),
        )


def buyer_mismatch(buyer_tax_id: str, company_tax_id: str) -> str | None:
    """policy 5.2.2: an invoice that names its buyer must name our company (the company_tax_id setting)."""
    if buyer_tax_id and company_tax_id and buyer_tax_id.upper() != company_tax_id:
        return _("发票购买方纳税人识别号 %(buyer)s 与本公司 %(company)s 不一致，抬头不是本公司的发票不能报销。") % {
            "buyer": buyer_tax_id.upper(),
            "company": company_tax_id,
        }
    return None


def invoice_reading_notes(reading: InvoiceReading) -> list[str]:
    """What the user should check before confirming what a file said (policy 5.2.2): the reading's own notes,
    then whether the buyer is our company — by tax ID (the entry check will refuse another), else by name."""
    notes = list(reading.notes)
    company_tax_id = get_setting("company_tax_id").upper()
    buyer_tax_id = reading.fields.get("buyer_tax_id", "")
    mismatch = buyer_mismatch(buyer_tax_id, company_tax_id)
    if mismatch:
        notes.append(mismatch)
    elif not (buyer_tax_id and company_tax_id):
        company_name, buyer_name = get_setting("company_name"), reading.fields.get("buyer_name", "")
        if company_name and buyer_name and buyer_name != company_name:
            notes.append(
                _("发票的购买方名称“%(buyer)s”与本公司名称“%(company)s”不一致，请核对。")
                % {"buyer": buyer_name, "company": company_name}
            )
    return notes


def _read_file(upload, errors, key):
    """The file's bytes if it is an invoice file — PDF, OFD, XML or an image of at most 20 MB, told by its content
    and matching its name's extension, an OFD a real one and no zip bomb — else an error."""
    try:
        content = upload_bytes(upload)
        invoice_file_check(content=content, name=getattr(upload, "name", "") or "")
    except ValidationFailed as exc:
        errors.setdefault(key, []).extend(exc.errors.get("file") or [exc.message])
        return None
    return content


def _parse_date(value, errors, key, message=None):
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value or ""))
    except ValueError:
        errors.setdefault(key, []).append(message or _("请填写正确的开票日期。"))
        return None


def _clean_invoice(data, *, key, errors, rules: EntryRules, kept: dict) -> Invoice | None:
    """One invoice's data (policy 5.2.2): number 8 digits (classic, with its code) or 20 (fully digital, no
    code), amount + tax = total, dated within the visit's window and not in the future, bought by our company
    when it says who bought; its file read and hashed."""
    before = len(errors.get(key, []))
    code = str(data.get("code") or "").strip()
    number = str(data.get("number") or "").strip()
    if not number.isascii() or not number.isdigit() or len(number) not in (CLASSIC_NUMBER, DIGITAL_NUMBER):
        errors.setdefault(key, []).append(_("发票号码必须是 8 位（普通发票）或 20 位（全电发票）数字。"))
    elif len(number) == CLASSIC_NUMBER and not CODE_RE.match(code):
        errors.setdefault(key, []).append(_("8 位号码的发票须填写 10 位或 12 位数字的发票代码。"))
    elif len(number) == DIGITAL_NUMBER and code:
        errors.setdefault(key, []).append(_("全电发票没有发票代码，请留空。"))
    invoice_date = _parse_date(data.get("date"), errors, key)
    window = rules.window
    if invoice_date is not None and invoice_date > rules.today:
        errors.setdefault(key, []).append(
            _("开票日期 %(date)s 晚于今天（%(today)s），不能报销未来日期的发票。")
            % {"date": invoice_date, "today": rules.today}
        )
    elif invoice_date is not None and window is not None and not window[0] <= invoice_date <= window[1]:
        errors.setdefault(key, []).append(
            _("开票日期须在来访期间前后的 %(start)s 至 %(end)s 之间。") % {"start": window[0], "end": window[1]}
        )
    amount = money(data.get("amount_before_tax"), _("金额"), errors, key, required=True)
    tax = money(data.get("tax"), _("税额"), errors, key, required=True)
    total = money(data.get("total"), _("价税合计"), errors, key, required=True)
    if None not in (amount, tax, total) and amount + tax != total:
        errors.setdefault(key, []).append(
            _("金额 %(amount)s + 税额 %(tax)s 不等于价税合计 %(total)s。")
            % {
                "amount": amount,
                "tax": tax,
                "total": total,
            }
        )
    tax_ids = {}
    for field, label in (("seller_tax_id", _("销售方纳税人识别号")), ("buyer_tax_id", _("购买方纳税人识别号"))):
        value = str(data.get(field) or "").strip().upper()
        if value and not TAX_ID_RE.match(value):
            errors.setdefault(key, []).append(_("%s应为 15 到 20 位数字或大写字母。") % label)
        elif field == "buyer_tax_id" and (mismatch := buyer_mismatch(value, rules.company_tax_id)):
            errors.setdefault(key, []).append(mismatch)
        tax_ids[field] = value
    file, sha256 = None, ""
    if data.get("file") is not None:
        content = _read_file(data["file"], errors, key)
        if content is not None:
            sha256 = hashlib.sha256(content).hexdigest()
            name = getattr(data["file"], "name", "") or "invoice"
            file = ContentFile(content, name=name.rsplit("/", 1)[-1][:100])
    elif data.get("id") and data.get("id") in kept:  # keep the file already on this claim
        file, sha256 = kept[data["id"]]
    if len(errors.get(key, [])) > before:
        return None
    return Invoice(
        code=code,
        number=number,
        date=invoice_date,
        amount_before_tax=amount,
        tax=tax,
        total=total,
        seller_name=str(data.get("seller_name") or "").strip()[:200],
        file=file or "",
        sha256=sha256,
        dedup_key=dedup_key(code, number),
        **tax_ids,
    )


def _claim_label(claim_id) -> str:
    claim = Claim.objects.filter(pk=claim_id).select_related("reception").first()
    if claim is None:
        return _("另一张报销单")
    return _("报销单 #%(claim)s（%(reception)s）") % {"claim": claim.pk, "reception": claim.reception.title}


def _duplicate_message(invoice, claim_id) -> str:
    return _("发票 %(invoice)s 已在%(claim)s中报销，同一张发票不能重复报销。") % {
        "invoice": invoice.number,
        "claim": _claim_label(claim_id),
    }


def _check_duplicates(claim, pending: list[tuple[str, Invoice]], errors: dict) -> None:
    """policy 5.2.2: the same invoice (code + number) or the same file is never claimed twice, across all claims
    that are not rejected — checked here with a message naming the claim that has it."""
    seen_keys, seen_files = {}, {}
    for key, invoice in pending:
        if invoice.dedup_key in seen_keys:
            errors.setdefault(key, []).append(_("发票 %s 在本报销单中重复填写。") % invoice.number)
        seen_keys.setdefault(invoice.dedup_key, key)
        if invoice.sha256:
            if invoice.sha256 in seen_files:
                errors.setdefault(key, []).append(_("同一个发票文件在本报销单中重复上传。"))
            seen_files.setdefault(invoice.sha256, key)
    others = Invoice.objects.exclude(line__claim=claim)
    taken = dict(others.filter(dedup_key__in=list(seen_keys)).values_list("dedup_key", "line__claim_id"))
    files = dict(
        others.filter(sha256__in=list(seen_files))
        .exclude(line__claim__status__in=(ClaimStatus.REJECTED, ClaimStatus.WITHDRAWN))
        .values_list("sha256", "line__claim_id")
    )
    for key, invoice in pending:
        if invoice.dedup_key in taken:
            errors.setdefault(key, []).append(_duplicate_message(invoice, taken[invoice.dedup_key]))
        if invoice.sha256 in files:
            errors.setdefault(key, []).append(
                _("该发票文件已在%s中上传，同一个文件不能重复报销。") % _claim_label(files[invoice.sha256])
            )


def _clean_lines(claim, lines) -> list[tuple[ClaimLine, list[Invoice]]]:
    if not isinstance(lines, list) or len(lines) > MAX_LINES:
        raise ValidationFailed(_("报销明细有误。"), errors={"lines": [_("最多 %s 行。") % MAX_LINES]})
    categories = {c.pk: c for c in ExpenseCategory.objects.filter(is_active=True)}
    rules = EntryRules.for_claim(claim)
    kept = {
        pk: (file, sha)
        for pk, file, sha in Invoice.objects.filter(line__claim=claim)
        .exclude(file="")
        .values_list("pk", "file", "sha256")
    }
    clean, pending, errors = [], [], {}
    for i, data in enumerate(lines):
        key = f"lines.{i}"
        if not isinstance(data, dict):
            errors.setdefault(key, []).append(_("报销明细有误。"))
            continue
        category = data.get("category")
        category = categories.get(getattr(category, "pk", category))
        if category is None:
            errors.setdefault(key, []).append(_("请选择启用中的费用类别。"))
        description = str(data.get("description") or "").strip()
        if not description:
            errors.setdefault(key, []).append(_("请填写内容。"))
        amount = money(data.get("amount_claimed"), _("报销金额"), errors, key, required=True)
        invoices = data.get("invoices") or []
        if not isinstance(invoices, list) or len(invoices) > MAX_INVOICES_PER_LINE:
            errors.setdefault(key, []).append(_("每行最多 %s 张发票。") % MAX_INVOICES_PER_LINE)
            invoices = []
        cleaned = []
        for j, invoice_data in enumerate(invoices):
            invoice_key = f"{key}.invoices.{j}"
            if not isinstance(invoice_data, dict):
                errors.setdefault(invoice_key, []).append(_("发票信息有误。"))
                continue
            invoice = _clean_invoice(invoice_data, key=invoice_key, errors=errors, rules=rules, kept=kept)
            if invoice is not None:
                cleaned.append(invoice)
                pending.append((invoice_key, invoice))
        line = ClaimLine(category=category, description=description[:200], amount_claimed=amount, position=i)
        clean.append((line, cleaned))
    _check_duplicates(claim, pending, errors)
    if errors:
        raise ValidationFailed(_("请检查标红的报销明细和发票。"), errors=errors)
    return clean


def _lock_editable(*, claim_id, by, expected_version: int | None) -> Claim:
    claim = _lock(claim_id=claim_id, by=by)
    if claim.status not in CLAIM_EDITABLE:  # policy 5.2.3: locked once submitted; changes go through return
        raise ConflictError(_("报销单已提交，不能再修改；如需修改请由审批人退回。"))
    if expected_version is not None and expected_version != claim.version:
        raise ConflictError(_("报销单已在别处被修改，请刷新后再编辑。"))
    return claim


def _save_invoices(claim, invoices: list[Invoice]) -> None:
    try:
        with transaction.atomic():  # the unique key is the last line of defence when two claims race
            for invoice in invoices:
                invoice.save()
    except IntegrityError:
        keys = [invoice.dedup_key for invoice in invoices]
        holder = (
            Invoice.objects.exclude(line__claim=claim)
            .filter(dedup_key__in=keys)
            .values_list("dedup_key", "line__claim_id")
            .first()
        )
        if holder is None:
            raise ConflictError(_("发票保存失败，请重试。")) from None
        invoice = next(i for i in invoices if i.dedup_key == holder[0])
        raise ValidationFailed(
            _("请检查标红的报销明细和发票。"), errors={"invoices": [_duplicate_message(invoice, holder[1])]}
        ) from None


@transaction.atomic
def claim_save_lines(*, claim_id: int, by, lines: list[dict], expected_version: int | None = None, ip=None) -> Claim:
    """Replace a draft's (or returned claim's) lines with their invoices (policy 5.2.1–5.2.2). Each line:
    category, description, amount_claimed and `invoices` (dicts: code, number, date, amount_before_tax, tax, total,
    seller_name, seller_tax_id, buyer_tax_id, file — or the `id` of an invoice already on this claim to keep its
    file). `expected_version` turns a lost update into a conflict."""
    claim = _lock_editable(claim_id=claim_id, by=by, expected_version=expected_version)
    clean = _clean_lines(claim, lines)
    ClaimLine.objects.filter(claim=claim).delete()  # the old invoices go with their lines, freeing their keys
    invoices = []
    for line, line_invoices in clean:
        line.claim = claim
        line.save()
        for invoice in line_invoices:
            invoice.line = line
            invoices.append(invoice)
    _save_invoices(claim, invoices)
    claim.total_claimed = sum((line.amount_claimed for line, _i in clean), Decimal("0.00"))
    claim.version = F("version") + 1
    claim.save(update_fields=["total_claimed", "version", "updated_at"])
    claim.refresh_from_db()
    summary = _("报销合计 ¥%(total)s，发票 %(count)s 张") % {"total": claim.total_claimed, "count": len(invoices)}
    _history(claim, ClaimAction.UPDATED, by=by, summary=summary, ip=ip)
    return claim


@transaction.atomic
def claim_invoice_add(
    *, claim_id: int, line_id: int, by, data: dict, expected_version: int | None = None, ip=None
) -> Invoice:
    """One more invoice, usually with its file, on a line of a draft (or returned) claim (policy 5.2.2): the same
    entry checks as claim_save_lines, and never an invoice or file already on this claim or another one."""
    claim = _lock_editable(claim_id=claim_id, by=by, expected_version=expected_version)
    line = ClaimLine.objects.filter(pk=line_id, claim=claim).first()
    if line is None:
        raise NotFound(_("找不到该报销明细。"))
    if line.invoices.count() >= MAX_INVOICES_PER_LINE:
        raise ValidationFailed(_("每行最多 %s 张发票。") % MAX_INVOICES_PER_LINE)
    key, errors = "invoice", {}
    invoice = _clean_invoice(data, key=key, errors=errors, rules=EntryRules.for_claim(claim), kept={})
    if invoice is not None:
        on_claim = Invoice.objects.filter(line__claim=claim)
        if on_claim.filter(dedup_key=invoice.dedup_key).exists():
            errors.setdefault(key, []).append(_("发票 %s 在本报销单中重复填写。") % invoice.number)
        if invoice.sha256 and on_claim.filter(sha256=invoice.sha256).exists():
            errors.setdefault(key, []).append(_("同一个发票文件在本报销单中重复上传。"))
        _check_duplicates(claim, [(key, invoice)], errors)
    if errors:
        raise ValidationFailed(_("请检查发票。"), errors=errors)
    invoice.line = line
    _save_invoices(claim, [invoice])
    claim.version = F("version") + 1
    claim.save(update_fields=["version", "updated_at"])
    claim.refresh_from_db()
    summary = _("%(line)s：添加发票 %(number)s（¥%(total)s）") % {
        "line": line.description,
        "number": invoice.number,
        "total": invoice.total,
    }
    _history(claim, ClaimAction.UPDATED, by=by, summary=summary, ip=ip)
    return invoice


def claim_duplicate_warnings(claim) -> dict[int, str]:
    """policy 5.2.2, Odoo's rule: an invoice of the same host department, category, date and total on another live
    claim is likely the same expense claimed twice — a warning for the requester and the approvers, not an error
    (two equal meals on one day happen). Invoice id → message. Reads the claim's lines and invoices as loaded
    (prefetch them) and asks the database once, whatever their number."""
    mine = [(line.category_id, invoice) for line in claim.lines.all() for invoice in line.invoices.all()]
    if not mine:
        return {}
    others = (
        Invoice.objects.exclude(line__claim=claim)
        .exclude(line__claim__status__in=ENDED)
        .filter(
            line__claim__reception__host_department_id=claim.reception.host_department_id,
            line__category_id__in={category for category, _i in mine},
            date__in={invoice.date for _c, invoice in mine},
            total__in={invoice.total for _c, invoice in mine},
        )
        .order_by("line__claim_id", "id")
        .values_list("line__category_id", "date", "total", "number", "line__claim_id")
    )
    found = defaultdict(list)
    for category, day, total, number, other_claim in others:
        found[(category, day, total)].append((number, other_claim))
    warnings = {}
    for category, invoice in mine:
        matches = found.get((category, invoice.date, invoice.total))
        if matches:
            number, other_claim = matches[0]
            warnings[invoice.pk] = _(
                "发票 %(number)s 与报销单 #%(claim)s 的发票 %(other)s 类别、日期和金额相同，可能重复报销。"
            ) % {
                "number": invoice.number,
                "claim": other_claim,
                "other": number,
            }
    return warnings


# ---------------------------------------------------------------------------------------------------------------
# Approval


@transaction.atomic
def claim_submit(*, claim_id: int, by, ip=None) -> Claim:
    """Into the reimbursement flow (policy 5.2.2–5.2.3); a returned claim goes in again as a new round. The
    submitter never approves their own claim: the flow must not allow self-approval (the engine then skips and
    records any step that would fall to the submitter)."""
    claim = _lock(claim_id=claim_id, by=by)
    if claim.status not in CLAIM_EDITABLE:
        raise ConflictError(_("报销单已提交或已结束，不能再次提交。"))
    lines = list(
        claim.lines.annotate(invoice_total=Sum("invoices__total"), latest_invoice=Max("invoices__date")).order_by(
            "position"
        )
    )
    if not lines:
        raise ValidationFailed(_("报销单还没有明细。"), errors={"lines": [_("请至少填写一行报销明细。")]})
    errors, today = {}, claims_today()
    for line in lines:
        if line.latest_invoice is not None and line.latest_invoice > today:  # policy 5.2.2: none after submission
            errors.setdefault(f"lines.{line.position}", []).append(
                _("开票日期 %(date)s 晚于提交日期 %(today)s。") % {"date": line.latest_invoice, "today": today}
            )
        if line.invoice_total is None:
            errors.setdefault(f"lines.{line.position}", []).append(_("每行报销明细至少需要一张发票。"))
        elif line.amount_claimed > line.invoice_total:
            errors.setdefault(f"lines.{line.position}", []).append(
                _("报销金额 %(amount)s 超过发票合计 %(total)s。")
                % {"amount": line.amount_claimed, "total": line.invoice_total}
            )
    if errors:
        raise ValidationFailed(_("请检查标红的报销明细和发票。"), errors=errors)
    # policy 5.3.1: no overrun without approval in advance. The visit's budget row is locked so two claims
    # submitted at once are checked one after the other and cannot together overspend.
    Budget.objects.select_for_update(of=("self",)).filter(reception_id=claim.reception_id).first()
    check_claim(claim)
    if active_flow(FLOW_CODE).allow_self_approval:
        raise ConflictError(_("报销流程不能允许审批人审批自己提交的报销单，请联系管理员调整流程。"))
    action = ClaimAction.RESUBMITTED if claim.status == ClaimStatus.RETURNED else ClaimAction.SUBMITTED
    claim.lines.update(amount_approved=None, rejected_reason="")
    claim.status, claim.submitted_at, claim.total_approved = ClaimStatus.PENDING_APPROVAL, timezone.now(), None
    claim.save(update_fields=["status", "submitted_at", "total_approved", "updated_at"])
    _history(claim, action, by=by, summary=_("报销合计 ¥%s") % claim.total_claimed, ip=ip)
    reception = claim.reception
    approval_submit(
        flow_code=FLOW_CODE,
        document_type=CLAIM_DOCUMENT,
        document_id=claim.pk,
        applicant=by,
        department=reception.host_department,
        title=_("接待费用报销：%s") % reception.title,
        url=_claim_url(claim),
        snapshot={"total": str(claim.total_claimed), "importance": reception.importance},
        by=by,
        ip=ip,
    )
    return claim


def claim_withdraw(*, claim_id: int, by, comment: str = "", ip=None) -> Claim:
    """The submitter takes a pending claim back; it ends (withdrawn) and its invoices are free again."""
    claim = Claim.objects.filter(pk=claim_id).first()
    if claim is None:
        raise NotFound(_("找不到该报销单。"))
    get_reception_for_money(by, claim.reception_id, write=True)
    if claim.status != ClaimStatus.PENDING_APPROVAL:
        raise ConflictError(_("只有审批中的报销单可以撤回。"))
    approval_withdraw(document_type=CLAIM_DOCUMENT, document_id=claim.pk, by=by, comment=comment, ip=ip)
    claim.refresh_from_db()
    return claim


def _pending_task(claim, user, *, kind: str):
    """The user's open task on the claim at the current step, if that step is of `kind`."""
    return (
        ApprovalTask.objects.filter(
            document_type=CLAIM_DOCUMENT,
            document_id=claim.pk,
            assignee=user,
            status=TaskStatus.PENDING,
            instance__status=InstanceStatus.PENDING,
            step__kind=kind,
            step__resolver="role",
            step__resolver_value=Role.FINANCE,
        )
        .select_related("step")
        .first()
    )


@transaction.atomic
def line_approve_amount(*, line_id: int, by, amount, reason: str = "", ip=None) -> ClaimLine:
    """policy 5.2.2: at the finance audit step, finance sets what a line is approved at — never more than
    claimed, and with a reason when less (0 with a reason rejects the line)."""
    line = ClaimLine.objects.filter(pk=line_id).values("claim_id").first()
    if line is None:
        raise NotFound(_("找不到该报销明细。"))
    claim = _lock(claim_id=line["claim_id"], by=by, write=False)
    if claim.status != ClaimStatus.PENDING_APPROVAL or _pending_task(claim, by, kind=StepKind.APPROVE) is None:
        raise Forbidden(_("只有财务审核这一步的审核人可以核定报销金额。"))
    line = ClaimLine.objects.select_for_update().get(pk=line_id)
    errors = {}
    value = money(amount, _("核准金额"), errors, "amount", required=True)
    reason = (reason or "").strip()
    if value is not None and value > line.amount_claimed:
        errors.setdefault("amount", []).append(_("核准金额不能高于报销金额 %s。") % line.amount_claimed)
    elif value is not None and value < line.amount_claimed and not reason:
        errors.setdefault("reason", []).append(_("核准金额低于报销金额时必须填写理由。"))
    if errors:
        raise ValidationFailed(_("核准金额有误。"), errors=errors)
    line.amount_approved, line.rejected_reason = value, reason[:300] if value < line.amount_claimed else ""
    line.save(update_fields=["amount_approved", "rejected_reason"])
    summary = _("%(line)s：核准 ¥%(approved)s（报销 ¥%(claimed)s）") % {
        "line": line.description,
        "approved": value,
        "claimed": line.amount_claimed,
    }
    _history(claim, ClaimAction.LINE_APPROVED, by=by, summary=summary, comment=line.rejected_reason, ip=ip)
    return line


@transaction.atomic
def claim_pay(*, claim_id: int, by, date, method: str, reference: str = "", ip=None) -> Claim:
    """policy 5.2.3: finance records the payment (date, method, reference); only then is the claim paid. If the
    flow's "finance pays" step is still open with `by`, recording the payment completes it."""
    if not user_has_role(by, Role.FINANCE):
        raise Forbidden(_("只有财务接待岗可以登记付款。"))
    claim = _lock(claim_id=claim_id, by=by, write=False)
    if claim.created_by_id == by.pk or (
        (instance := instance_for(CLAIM_DOCUMENT, claim.pk)) is not None and instance.applicant_id == by.pk
    ):
        raise Forbidden(_("不能为自己提交的报销单登记付款。"))
    errors = {}
    method = (method or "").strip()
    if not method:
        errors["method"] = [_("请填写付款方式。")]
    pay_date = _parse_date(date, errors, "date", _("请填写正确的付款日期。"))
    if errors:
        raise ValidationFailed(_("付款信息不完整。"), errors=errors)
    if claim.status == ClaimStatus.PENDING_APPROVAL:
        task = _pending_task(claim, by, kind=StepKind.HANDLE)
        if task is None:
            raise ConflictError(_("报销单尚未审批通过，不能付款。"))
        approval_task_decide(task_id=task.pk, by=by, decision="approve", comment=reference, ip=ip)
        claim = Claim.objects.select_for_update(of=("self",)).get(pk=claim.pk)
    if claim.status != ClaimStatus.APPROVED or Payment.objects.filter(claim=claim).exists():
        raise ConflictError(_("只有已批准且未付款的报销单可以登记付款。"))
    Payment.objects.create(
        claim=claim, date=pay_date, method=method[:40], reference=(reference or "").strip()[:100], paid_by=by
    )
    claim.status, claim.paid_at = ClaimStatus.PAID, timezone.now()
    claim.save(update_fields=["status", "paid_at", "updated_at"])
    amount = claim.total_approved if claim.total_approved is not None else claim.total_claimed
    _history(
        claim,
        ClaimAction.PAID,
        by=by,
        summary=_("付款 ¥%(amount)s（%(method)s）")
        % {
            "amount": amount,
            "method": method,
        },
        ip=ip,
    )
    return claim


def _scan_for_anomalies(claim_id: int) -> None:
    """Queued, so the approval does not wait for it; imported here, so the claim service does not load the scan.
    If it fails, the daily scan (tasks.anomalies_daily) finds the same."""
    from jiedai.expenses.tasks import anomalies_after_approval

    anomalies_after_approval.delay(claim_id)


class ClaimApprovalHandler:
    """The engine calls these inside its transaction when the claim's approval ends (policy 5.2.2–5.2.3)."""

    def _claim(self, instance) -> Claim:
        claim = Claim.objects.select_for_update(of=("self",)).filter(pk=instance.document_id).first()
        if claim is None:
            raise NotFound(_("找不到该报销单。"))
        return claim

    def _finish(self, instance, status, action, *, by, comment=""):
        claim = self._claim(instance)
        claim.status = status
        fields = ["status", "updated_at"]
        if status == ClaimStatus.APPROVED:
            # Lines finance did not touch are approved as claimed; the claim waits for its payment (5.2.3).
            claim.lines.filter(amount_approved__isnull=True).update(amount_approved=F("amount_claimed"))
            claim.total_approved = claim.lines.aggregate(total=Sum("amount_approved"))["total"] or Decimal("0.00")
            claim.approved_at = timezone.now()
            fields += ["total_approved", "approved_at"]
        claim.save(update_fields=fields)
        if status in (ClaimStatus.REJECTED, ClaimStatus.WITHDRAWN):
            # policy 5.2.2: only claims that are not rejected hold their invoices.
            Invoice.objects.filter(line__claim=claim).update(dedup_key=None)
        summary = _("核准合计 ¥%s") % claim.total_approved if status == ClaimStatus.APPROVED else ""
        _history(claim, action, by=by, summary=summary, comment=comment)

    def on_approved(self, instance, *, by):
        self._finish(instance, ClaimStatus.APPROVED, ClaimAction.APPROVED, by=by)
        # policy 5.3.2: look for anomalies in this visit's spending once the approval is committed.
        transaction.on_commit(partial(_scan_for_anomalies, instance.document_id), robust=True)

    def on_rejected(self, instance, *, by):
        self._finish(instance, ClaimStatus.REJECTED, ClaimAction.REJECTED, by=by, comment=last_comment(instance))

    def on_returned(self, instance, *, by):
        self._finish(instance, ClaimStatus.RETURNED, ClaimAction.RETURNED, by=by, comment=last_comment(instance))

    def on_withdrawn(self, instance, *, by):
        self._finish(instance, ClaimStatus.WITHDRAWN, ClaimAction.WITHDRAWN, by=by)
