"""The reception budget's page (policy 5.1): lines by category with their basis, the lines above the cost standard,
the approval (the head, finance and the leader decide from here), the history; its editors change the lines and
submit or withdraw it. Every view goes through expenses.access (outsiders 404, readers writing 403)."""

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from jiedai.approvals.forms import DecisionForm
from jiedai.approvals.presentation import approval_view
from jiedai.approvals.selectors import instance_for
from jiedai.core.errors import ValidationFailed
from jiedai.core.web import client_ip, describe, domain_errors
from jiedai.expenses.access import BUDGET_DOCUMENT, get_reception_for_money, is_money_editor
from jiedai.expenses.forms import BudgetLineFormSet, line_initial
from jiedai.expenses.models import MONEY_EDITABLE, Budget, ExpenseCategory, MoneyStatus
from jiedai.expenses.selectors import standard_breaches
from jiedai.expenses.services.budgets import budget_save_lines, budget_submit, budget_withdraw

PREFIX = "lines"


def _formset(budget, categories, data=None):
    initial = [line_initial(line) for line in budget.lines.all()] if budget and data is None else None
    return BudgetLineFormSet(data, initial=initial, prefix=PREFIX, form_kwargs={"categories": categories})


def save_line_rows(request, formset, save) -> bool:
    """Hand the filled rows of a lines formset to `save(lines)` (a service call); its per-line errors
    ("lines.<n>") go back onto their rows, the rest become messages. Budgets and supplementary budgets."""
    if not formset.is_valid():
        return False
    rows = [(form, form.line()) for form in formset.forms]
    rows = [(form, line) for form, line in rows if line is not None]
    try:
        save([line for _form, line in rows])
    except ValidationFailed as exc:
        for key, errors in exc.errors.items():
            index = key.split(".", 1)[1] if key.startswith("lines.") else ""
            if index.isdigit() and int(index) < len(rows):
                for error in errors:
                    rows[int(index)][0].add_error(None, error)
            else:
                messages.warning(request, " ".join(str(e) for e in errors))
        messages.warning(request, str(exc.message))
        return False
    return True


def posted_version(request) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def _save(request, reception, formset) -> bool:
    return save_line_rows(
        request,
        formset,
        lambda lines: budget_save_lines(
            reception_id=reception.pk,
            by=request.user,
            lines=lines,
            expected_version=posted_version(request),
            ip=client_ip(request),
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors(back="expenses:budget")
def budget_view(request, pk):
    reception = get_reception_for_money(request.user, pk, write=request.method == "POST")
    budget = Budget.objects.filter(reception=reception).prefetch_related("lines__category").first()
    if budget is not None:
        budget.reception = reception
    categories = list(ExpenseCategory.objects.filter(is_active=True))
    can_edit = is_money_editor(request.user, reception) and (budget is None or budget.status in MONEY_EDITABLE)
    formset = None
    if request.method == "POST":
        if not can_edit:
            messages.error(request, _("预算已提交或已批准，不能再修改。"))
            return redirect("expenses:budget", pk=reception.pk)
        formset = _formset(budget, categories, request.POST)
        if _save(request, reception, formset):
            messages.success(request, _("预算已保存。"))
            return redirect("expenses:budget", pk=reception.pk)
    elif can_edit:
        formset = _formset(budget, categories)
    lines = list(budget.lines.all()) if budget else []
    breaches = standard_breaches(budget) if lines else []
    broken = defaultdict(list)
    for breach in breaches:
        broken[breach.line.pk].append(breach)
    by_category = defaultdict(list)
    for line in lines:
        line.breaches = broken.get(line.pk, [])
        by_category[line.category].append(line)
    approval = approval_view(instance_for(BUDGET_DOCUMENT, budget.pk) if budget else None, request.user)
    context = {
        "reception": reception,
        "budget": budget,
        "status": budget.status if budget else MoneyStatus.DRAFT,
        "status_label": budget.get_status_display() if budget else MoneyStatus.DRAFT.label,
        "status_color": budget.status_color if budget else "secondary",
        "groups": [
            {"category": category, "lines": rows, "subtotal": sum(line.amount for line in rows)}
            for category, rows in by_category.items()
        ],
        "breach_count": len(breaches),
        "can_edit": can_edit,
        "is_editor": is_money_editor(request.user, reception),
        "formset": formset,
        "approval": approval,
        "decision_form": DecisionForm(),
        "history": budget.history.select_related("actor").order_by("-at", "-id")[:30] if budget else [],
        # policy 5.3.1: what was asked for on top, and asking for more once the budget is approved
        "supplementaries": (
            list(reception.supplementary_budgets.order_by("-id"))
            if budget and budget.status == MoneyStatus.APPROVED
            else []
        ),
    }
    return render(request, "expenses/budget.html", context)


@login_required
@require_POST
@domain_errors(back="expenses:budget")
def budget_submit_view(request, pk):
    try:
        budget_submit(reception_id=pk, by=request.user, ip=client_ip(request))
    except ValidationFailed as exc:
        messages.warning(request, describe(exc))
    else:
        messages.success(request, _("预算已提交审批。"))
    return redirect("expenses:budget", pk=pk)


@login_required
@require_POST
@domain_errors(back="expenses:budget")
def budget_withdraw_view(request, pk):
    budget_withdraw(
        reception_id=pk, by=request.user, comment=request.POST.get("comment", "")[:500], ip=client_ip(request)
    )
    messages.success(request, _("预算已撤回，可以继续修改。"))
    return redirect("expenses:budget", pk=pk)
