"""Supplementary budget pages (policy 5.3.1): asked for in advance when the approved budget will not cover a visit
— from the budget page, or from a claim that goes over it (the form starts with the claim's gaps). One page per
supplementary budget: its reason and lines, what the visit may spend with it, the approval (host head, finance and
the leader decide from here), the history; its editors change it while draft or returned, submit or withdraw it.
Every view goes through expenses.access (outsiders 404, readers writing 403)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from jiedai.approvals.forms import DecisionForm
from jiedai.approvals.presentation import approval_view
from jiedai.approvals.selectors import instance_for
from jiedai.core.web import client_ip, domain_errors
from jiedai.expenses.access import SUPPLEMENTARY_DOCUMENT, get_reception_for_money, is_money_editor
from jiedai.expenses.forms_supplementary import SupplementaryLineFormSet, SupplementaryReasonForm, lines_initial
from jiedai.expenses.models import MONEY_EDITABLE, Claim, ExpenseCategory, SupplementaryBudget
from jiedai.expenses.selectors import allowance_rows
from jiedai.expenses.services.overrun import overrun_gaps
from jiedai.expenses.services.supplementary import (
    supplementary_create,
    supplementary_may_be_asked,
    supplementary_save_lines,
    supplementary_submit,
    supplementary_withdraw,
)
from jiedai.expenses.views import posted_version, save_line_rows

PREFIX = "lines"


def _formset(categories, data=None, initial=None):
    return SupplementaryLineFormSet(data, initial=initial, prefix=PREFIX, form_kwargs={"categories": categories})


def _gap_initial(request, reception) -> tuple[list[dict], str]:
    """From a claim over the budget (?claim=<id>): a line per category it exceeds, with the gap (policy 5.3.1)."""
    claim_id = request.GET.get("claim", "")
    claim = Claim.objects.filter(reception=reception, pk=int(claim_id)).first() if claim_id.isdigit() else None
    if claim is None:
        return [], ""
    claim.reception = reception
    lines = [
        {"category": str(gap.category_id), "amount": str(gap.gap), "reason": _("报销单 #%s 超出部分") % claim.pk}
        for gap in overrun_gaps(claim)
        if gap.category_id is not None
    ]
    return lines, _("报销单 #%s 超出已批准的预算，申请追加。") % claim.pk


def _context(request, reception, supplementary, categories, *, reason_form=None, formset=None):
    editor = is_money_editor(request.user, reception)
    can_edit = editor and (supplementary is None or supplementary.status in MONEY_EDITABLE)
    approval = approval_view(
        instance_for(SUPPLEMENTARY_DOCUMENT, supplementary.pk) if supplementary else None, request.user
    )
    if can_edit and formset is None:
        initial = lines_initial(supplementary) if supplementary else None
        formset = _formset(categories, initial=initial)
        reason_form = SupplementaryReasonForm(initial={"reason": supplementary.reason} if supplementary else None)
    return {
        "reception": reception,
        "supplementary": supplementary,
        "lines": list(supplementary.lines.all()) if supplementary else [],
        "allowance": allowance_rows(reception),
        "can_edit": can_edit,
        "is_editor": editor,
        "reason_form": reason_form,
        "formset": formset if can_edit else None,
        "approval": approval,
        "decision_form": DecisionForm(),
        "history": supplementary.history.select_related("actor").order_by("-at", "-id")[:30] if supplementary else [],
    }


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors(back="expenses:budget")
def supplementary_new_view(request, pk):
    """A new supplementary budget (requester and lead, once the budget is approved); ?claim=<id> starts it with
    that claim's gaps."""
    reception = get_reception_for_money(request.user, pk, write=True)
    supplementary_may_be_asked(reception)
    categories = list(ExpenseCategory.objects.filter(is_active=True))
    if request.method == "POST":
        reason_form = SupplementaryReasonForm(request.POST)
        formset = _formset(categories, request.POST)
        created = []
        if reason_form.is_valid():
            save_line_rows(
                request,
                formset,
                lambda lines: created.append(
                    supplementary_create(
                        reception_id=reception.pk,
                        by=request.user,
                        reason=reason_form.cleaned_data["reason"],
                        lines=lines,
                        ip=client_ip(request),
                    )
                ),
            )
        if created:
            messages.success(request, _("追加预算已保存，确认无误后请提交审批。"))
            return redirect("expenses:supplementary", pk=reception.pk, sid=created[0].pk)
        context = _context(request, reception, None, categories, reason_form=reason_form, formset=formset)
    else:
        lines, reason = _gap_initial(request, reception)
        context = _context(request, reception, None, categories)
        if lines or reason:
            context["formset"] = _formset(categories, initial=lines)
            context["reason_form"] = SupplementaryReasonForm(initial={"reason": reason})
    return render(request, "expenses/supplementary.html", context)


def _get(reception, sid) -> SupplementaryBudget:
    supplementary = (
        SupplementaryBudget.objects.filter(reception=reception, pk=sid)
        .select_related("created_by")
        .prefetch_related("lines__category")
        .first()
    )
    if supplementary is None:
        raise Http404(_("找不到该追加预算。"))
    supplementary.reception = reception
    return supplementary


def _back(request, pk, sid=None, **kwargs):
    from django.urls import reverse

    return reverse("expenses:supplementary", kwargs={"pk": pk, "sid": sid})


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors(back=_back)
def supplementary_view(request, pk, sid):
    reception = get_reception_for_money(request.user, pk, write=request.method == "POST")
    supplementary = _get(reception, sid)
    categories = list(ExpenseCategory.objects.filter(is_active=True))
    if request.method == "GET":
        return render(request, "expenses/supplementary.html", _context(request, reception, supplementary, categories))
    if supplementary.status not in MONEY_EDITABLE:
        messages.error(request, _("追加预算已提交或已批准，不能再修改。"))
        return redirect("expenses:supplementary", pk=reception.pk, sid=supplementary.pk)
    reason_form = SupplementaryReasonForm(request.POST)
    formset = _formset(categories, request.POST)
    if reason_form.is_valid() and save_line_rows(
        request,
        formset,
        lambda lines: supplementary_save_lines(
            supplementary_id=supplementary.pk,
            by=request.user,
            lines=lines,
            reason=reason_form.cleaned_data["reason"],
            expected_version=posted_version(request),
            ip=client_ip(request),
        ),
    ):
        messages.success(request, _("追加预算已保存。"))
        return redirect("expenses:supplementary", pk=reception.pk, sid=supplementary.pk)
    context = _context(request, reception, supplementary, categories, reason_form=reason_form, formset=formset)
    return render(request, "expenses/supplementary.html", context)


@login_required
@require_POST
@domain_errors(back=_back)
def supplementary_submit_view(request, pk, sid):
    supplementary = _get(get_reception_for_money(request.user, pk, write=True), sid)
    supplementary_submit(supplementary_id=supplementary.pk, by=request.user, ip=client_ip(request))
    messages.success(request, _("追加预算已提交审批。"))
    return redirect("expenses:supplementary", pk=pk, sid=sid)


@login_required
@require_POST
@domain_errors(back=_back)
def supplementary_withdraw_view(request, pk, sid):
    supplementary = _get(get_reception_for_money(request.user, pk, write=True), sid)
    supplementary_withdraw(
        supplementary_id=supplementary.pk,
        by=request.user,
        comment=request.POST.get("comment", "")[:500],
        ip=client_ip(request),
    )
    messages.success(request, _("追加预算已撤回，可以继续修改。"))
    return redirect("expenses:supplementary", pk=pk, sid=sid)
