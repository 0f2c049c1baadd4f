"""The reimbursement pages (policy 5.2): a visit's claims, and one claim — its lines with their invoices beside the
approved budget per category (5.2.1), the approval (the host head, finance, the leader and the GM decide from here;
finance approves a line lower with its reason and records the payment, 5.2.2–5.2.3), the history; its editors
(draft or returned) change the lines and invoices and submit or withdraw; an XML or OFD invoice file fills its row
in (htmx "读取发票", for the user to confirm). Every view goes through expenses.access (outsiders 404, readers
writing 403); the services' errors come back on the page. Uploads are capped while the body is read (a 50-MB file
is dropped, never written out, and answered with a 413)."""

from collections import defaultdict
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from jiedai.approvals.forms import DecisionForm
from jiedai.approvals.models import StepKind
from jiedai.approvals.presentation import approval_view
from jiedai.approvals.selectors import instance_for
from jiedai.core.errors import ConflictError, ValidationFailed
from jiedai.core.web import client_ip, describe, domain_errors
from jiedai.expenses.access import CLAIM_DOCUMENT, get_reception_for_money, is_money_editor
from jiedai.expenses.forms_claims import ClaimRowForm, ClaimRowFormSet, LineApproveForm, PaymentForm, rows_initial
from jiedai.expenses.models import CLAIM_EDITABLE, Claim, ClaimLine, ClaimStatus, ExpenseCategory, Invoice
from jiedai.expenses.selectors import claim_documents
from jiedai.expenses.services.claims import (
    claim_create,
    claim_duplicate_warnings,
    claim_pay,
    claim_save_lines,
    claim_submit,
    claim_withdraw,
    claims_today,
    invoice_reading_notes,
    line_approve_amount,
)
from jiedai.expenses.services.invoice_reading import MAX_FILE_BYTES, invoice_read, too_large_message, upload_bytes
from jiedai.expenses.services.overrun import allowance, claimed
from jiedai.org.models import Role
from jiedai.org.selectors import user_has_role
from jiedai.planning.uploads import SizeLimitUploadHandler

PREFIX = "rows"


def _claim_back(request, pk, claim_id=None, **kwargs):
    from django.urls import reverse

    if claim_id is not None:
        return reverse("expenses:claim", kwargs={"pk": pk, "claim_id": claim_id})
    return reverse("expenses:claims", kwargs={"pk": pk})


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors(back=_claim_back)
def claims_view(request, pk):
    """The visit's claims (policy 5.2.1); POST: a new draft claim (requester and lead)."""
    reception = get_reception_for_money(request.user, pk, write=request.method == "POST")
    if request.method == "POST":
        claim = claim_create(reception_id=reception.pk, by=request.user, ip=client_ip(request))
        messages.success(request, _("报销单已创建，请填写报销明细和发票。"))
        return redirect("expenses:claim", pk=reception.pk, claim_id=claim.pk)
    claims = list(
        Claim.objects.filter(reception=reception).annotate(line_count=Count("lines")).select_related("created_by")
    )
    active = [c for c in claims if c.status not in (ClaimStatus.REJECTED, ClaimStatus.WITHDRAWN)]
    context = {
        "reception": reception,
        "claims": claims,
        "total_claimed": sum((c.total_claimed for c in active), Decimal("0.00")),
        "total_paid": sum(
            (c.total_approved or Decimal("0.00") for c in claims if c.status == ClaimStatus.PAID), Decimal("0.00")
        ),
        "is_editor": is_money_editor(request.user, reception),
    }
    return render(request, "expenses/claims.html", context)


def _get_claim(reception, claim_id) -> Claim:
    claim = (
        Claim.objects.filter(reception=reception, pk=claim_id)
        .select_related("payment", "payment__paid_by")
        .prefetch_related("lines__category", "lines__invoices")
        .first()
    )
    if claim is None:
        raise Http404(_("找不到该报销单。"))
    claim.reception = reception
    return claim


def _formset(claim, categories, data=None, files=None):
    initial = rows_initial(claim) if data is None else None
    return ClaimRowFormSet(data, files, initial=initial, prefix=PREFIX, form_kwargs={"categories": categories})


def _save(request, claim, formset) -> bool:
    """Rows with the same line number make one line; the service's per-line and per-invoice errors go back onto
    their rows."""
    if not formset.is_valid():
        return False
    groups: dict[str, int] = {}
    lines, line_rows, invoice_rows = [], [], {}
    for n, form in enumerate(formset.forms, start=1):
        if form.is_blank():
            continue
        number = form.text("line") or f"row-{n}"
        if number not in groups:
            groups[number] = len(lines)
            lines.append(form.line_data())
            line_rows.append(form)
        index = groups[number]
        if form.has_invoice():
            invoice_rows[(index, len(lines[index]["invoices"]))] = form
            lines[index]["invoices"].append(form.invoice_data())
    try:
        expected = int(request.POST.get("version", ""))
    except ValueError:
        expected = None
    try:
        claim_save_lines(
            claim_id=claim.pk, by=request.user, lines=lines, expected_version=expected, ip=client_ip(request)
        )
    except ValidationFailed as exc:
        for key, errors in exc.errors.items():
            parts = key.split(".")
            form = None
            if len(parts) == 4 and parts[1].isdigit() and parts[3].isdigit():
                form = invoice_rows.get((int(parts[1]), int(parts[3])))
            elif len(parts) == 2 and parts[1].isdigit() and int(parts[1]) < len(line_rows):
                form = line_rows[int(parts[1])]
            for error in errors:
                if form is not None:
                    form.add_error(None, error)
                else:
                    messages.warning(request, str(error))
        messages.warning(request, str(exc.message))
        return False
    return True


def _budget_comparison(reception, claim, names: dict) -> list[dict]:
    """policy 5.2.1, 5.3.1: per category, the approved budget (with approved supplementary budgets), what the visit's
    other submitted claims hold, and what this claim asks for."""
    allowed = allowance(reception).by_category
    others = claimed(reception, exclude_claim=claim).by_category
    mine = defaultdict(lambda: Decimal("0.00"))
    for line in claim.lines.all():
        mine[line.category_id] += line.amount_claimed
    rows = []
    for category_id in sorted({*allowed, *mine}, key=lambda pk: (names[pk].position if pk in names else 0, pk)):
        budget = allowed[category_id] if category_id in allowed else None
        other, this = others.get(category_id, Decimal("0.00")), mine.get(category_id, Decimal("0.00"))
        rows.append(
            {
                "name": names[category_id].name if category_id in names else "—",
                "budget": budget,
                "others": other,
                "claimed": this,
                "over": this > 0 and (budget is None or other + this > budget),
            }
        )
    return rows


def _limit_uploads(request) -> None:
    """Stop reading any file past the invoice limit (policy 5.2.2: 20 MB), before anything reads the body — the
    CSRF check included, so the views below check the token themselves (csrf_protect inside csrf_exempt)."""
    if request.method == "POST":
        request.upload_handlers.insert(0, SizeLimitUploadHandler(request, limit=MAX_FILE_BYTES))


@csrf_exempt
@login_required
@require_http_methods(["GET", "POST"])
def claim_view(request, pk, claim_id):
    _limit_uploads(request)
    return _claim_page(request, pk, claim_id)


@csrf_protect
@domain_errors(back=_claim_back)
def _claim_page(request, pk, claim_id):
    reception = get_reception_for_money(request.user, pk, write=request.method == "POST")
    claim = _get_claim(reception, claim_id)
    every = list(ExpenseCategory.objects.all())
    categories = [c for c in every if c.is_active]
    is_editor = is_money_editor(request.user, reception)
    can_edit = is_editor and claim.status in CLAIM_EDITABLE
    formset, status = None, 200
    if request.method == "POST":
        if not can_edit:
            messages.error(request, _("报销单已提交，不能再修改；如需修改请由审批人退回。"))
            return redirect("expenses:claim", pk=reception.pk, claim_id=claim.pk)
        formset = _formset(claim, categories, request.POST, request.FILES)
        if getattr(request, "upload_too_large", False):  # the handler dropped the file: save nothing, say why
            messages.error(request, too_large_message())
            status = 413
        elif _save(request, claim, formset):
            messages.success(request, _("报销单已保存。"))
            return redirect("expenses:claim", pk=reception.pk, claim_id=claim.pk)
    elif can_edit:
        formset = _formset(claim, categories)
    approval = approval_view(instance_for(CLAIM_DOCUMENT, claim.pk), request.user)
    task = approval.my_task
    finance = user_has_role(request.user, Role.FINANCE)
    auditing = (
        task is not None
        and task.step.kind == StepKind.APPROVE
        and task.step.resolver == "role"
        and task.step.resolver_value == Role.FINANCE
    )
    paying = finance and (
        claim.status == ClaimStatus.APPROVED or (task is not None and task.step.kind == StepKind.HANDLE)
    )
    paid = getattr(claim, "payment", None) if claim.status == ClaimStatus.PAID else None
    comparison = _budget_comparison(reception, claim, {c.pk: c for c in every})
    context = {
        "reception": reception,
        "claim": claim,
        "lines": list(claim.lines.all()),
        "comparison": comparison,
        "documents": claim_documents(reception),  # policy 5.2.1: the approved plan and budget, linked
        "over_budget": any(row["over"] for row in comparison),  # policy 5.3.1: offer a supplementary budget
        "can_edit": can_edit,
        "is_editor": is_editor,
        "formset": formset,
        "approval": approval,
        "decision_form": DecisionForm(),
        "auditing": auditing,
        "paying": paying and paid is None,
        "payment": paid,
        "payment_form": PaymentForm(initial={"date": claims_today().isoformat()}),  # paid today, as a rule
        "history": claim.history.select_related("actor").order_by("-at", "-id")[:30],
        "duplicate_warnings": _mark_duplicates(claim, formset),  # policy 5.2.2: likely duplicates, a warning
    }
    return render(request, "expenses/claim.html", context, status=status)


def _mark_duplicates(claim, formset) -> dict[int, str]:
    """policy 5.2.2: the likely duplicates (a warning, not an error), put on the invoices shown and on their rows in
    the form, for the requester and the approvers alike."""
    warnings = claim_duplicate_warnings(claim)
    for line in claim.lines.all():
        for invoice in line.invoices.all():
            invoice.duplicate_warning = warnings.get(invoice.pk)
    for form in formset.forms if formset is not None else ():
        invoice_id = str(form.initial.get("invoice_id") or "")
        form.duplicate_warning = warnings.get(int(invoice_id)) if invoice_id.isdigit() else None
    return warnings


@csrf_exempt
@login_required
@require_POST
def claim_invoice_read_view(request, pk, claim_id):
    _limit_uploads(request)
    return _invoice_read(request, pk, claim_id)


@csrf_protect
@domain_errors(back=_claim_back)
def _invoice_read(request, pk, claim_id):
    """htmx "读取发票" (policy 5.2.2): one row's invoice fields filled from the XML or OFD file chosen in it, for the
    user to confirm and save with the form (the file stays in its input); nothing is saved here. What could not be
    read, or why the file cannot be read, is said in the row; a failed read leaves what the user typed alone."""
    reception = get_reception_for_money(request.user, pk, write=True)
    claim = _get_claim(reception, claim_id)
    if claim.status not in CLAIM_EDITABLE:
        raise ConflictError(_("报销单已提交，不能再修改；如需修改请由审批人退回。"))
    row = request.POST.get("row", "")
    row = row if row.isdigit() and len(row) <= 3 else "0"
    upload = request.FILES.get(f"{PREFIX}-{row}-file")
    form = ClaimRowForm(prefix=f"{PREFIX}-{row}")
    context = {"form": form, "read_error": None, "reading": None}
    try:
        if getattr(request, "upload_too_large", False):
            raise ValidationFailed(too_large_message())
        if upload is None:
            raise ValidationFailed(_("请先选择要读取的发票文件（XML 或 OFD）。"))
        reading = invoice_read(content=upload_bytes(upload), name=upload.name or "")
    except ValidationFailed as exc:
        context["read_error"] = (exc.errors.get("file") or [exc.message])[0]
        response = render(request, "expenses/_claim_invoice_fields.html#read-note", context)
        response["HX-Retarget"] = f"#invoice-read-note-{form.prefix}"  # only the note: keep the typed fields
        response["HX-Reswap"] = "outerHTML"
        return response
    form.initial = reading.as_strings()
    context.update(reading=reading, notes=invoice_reading_notes(reading))
    return render(request, "expenses/_claim_invoice_fields.html", context)


@login_required
@require_POST
@domain_errors(back=_claim_back)
def claim_submit_view(request, pk, claim_id):
    reception = get_reception_for_money(request.user, pk, write=True)
    claim = _get_claim(reception, claim_id)
    try:
        claim_submit(claim_id=claim.pk, by=request.user, ip=client_ip(request))
    except ValidationFailed as exc:  # also the budget overrun check (policy 5.2.1)
        messages.warning(request, describe(exc))
    else:
        messages.success(request, _("报销单已提交审批。"))
    return redirect("expenses:claim", pk=pk, claim_id=claim.pk)


@login_required
@require_POST
@domain_errors(back=_claim_back)
def claim_withdraw_view(request, pk, claim_id):
    reception = get_reception_for_money(request.user, pk, write=True)
    claim = _get_claim(reception, claim_id)
    claim_withdraw(
        claim_id=claim.pk, by=request.user, comment=request.POST.get("comment", "")[:500], ip=client_ip(request)
    )
    messages.success(request, _("报销单已撤回，发票可以重新报销。"))
    return redirect("expenses:claim", pk=pk, claim_id=claim.pk)


@login_required
@require_POST
@domain_errors(back=_claim_back)
def claim_line_approve_view(request, pk, claim_id, line_id):
    """policy 5.2.2: finance, at the audit step, approves a line at a lower amount with a reason."""
    reception = get_reception_for_money(request.user, pk)
    claim = _get_claim(reception, claim_id)
    if not ClaimLine.objects.filter(pk=line_id, claim=claim).exists():
        raise Http404(_("找不到该报销明细。"))
    form = LineApproveForm(request.POST)
    form.is_valid()  # the service gives the one message for a missing or bad amount, and checks the rights first
    try:
        line_approve_amount(
            line_id=line_id,
            by=request.user,
            amount=form.cleaned_data.get("amount", ""),
            reason=form.cleaned_data.get("reason", ""),
            ip=client_ip(request),
        )
    except ValidationFailed as exc:
        messages.warning(request, describe(exc))
    else:
        messages.success(request, _("核准金额已保存。"))
    return redirect("expenses:claim", pk=pk, claim_id=claim.pk)


@login_required
@require_POST
@domain_errors(back=_claim_back)
def claim_pay_view(request, pk, claim_id):
    """policy 5.2.3: finance records the payment."""
    reception = get_reception_for_money(request.user, pk)
    claim = _get_claim(reception, claim_id)
    form = PaymentForm(request.POST)
    form.is_valid()  # the service checks the payer first, then gives the one message for what is missing
    try:
        claim_pay(
            claim_id=claim.pk,
            by=request.user,
            date=form.cleaned_data.get("date", ""),
            method=form.cleaned_data.get("method", ""),
            reference=form.cleaned_data.get("reference", ""),
            ip=client_ip(request),
        )
    except ValidationFailed as exc:
        messages.warning(request, describe(exc))
    else:
        messages.success(request, _("付款已登记。"))
    return redirect("expenses:claim", pk=pk, claim_id=claim.pk)


@login_required
@require_http_methods(["GET"])
@domain_errors(back=_claim_back)
def claim_invoice_file_view(request, pk, claim_id, invoice_id):
    """An invoice's file, for whoever reads the visit's money (policy 5.2.2); media is never served directly."""
    reception = get_reception_for_money(request.user, pk)
    invoice = (
        Invoice.objects.filter(pk=invoice_id, line__claim_id=claim_id, line__claim__reception=reception)
        .exclude(file="")
        .first()
    )
    if invoice is None:
        raise Http404(_("找不到该发票文件。"))
    name = invoice.file.name.rsplit("/", 1)[-1]
    return FileResponse(invoice.file.open("rb"), as_attachment=True, filename=name)
