"""The plan's overview (status, deadline, review) and its submit / withdraw actions (policy 3.1.2)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jiedai.approvals.forms import DecisionForm
from jiedai.approvals.presentation import approval_view
from jiedai.approvals.selectors import instance_for
from jiedai.core.errors import ValidationFailed
from jiedai.core.page_cache import cached_page
from jiedai.core.web import client_ip, describe, domain_errors
from jiedai.notify.services import notifications_mark_read_for_document
from jiedai.planning.models import PlanAction
from jiedai.planning.review import plan_submit, plan_withdraw, submit_errors
from jiedai.planning.services.plan import DOCUMENT_TYPE
from jiedai.planning.views.common import plan_context


@login_required
@require_GET
@cached_page
@domain_errors(back="receptions:list")
def plan_overview_view(request, pk):
    context = plan_context(request, pk, tab="overview")
    plan = context["plan"]
    approval = approval_view(instance_for(DOCUMENT_TYPE, plan.pk), request.user)
    notifications_mark_read_for_document(user=request.user, document_type=DOCUMENT_TYPE, document_id=plan.pk)
    context.update(
        approval=approval,
        decision_form=DecisionForm(),
        # A flat list: a dict would not do in the template ("items" is one of its keys, and a dict's method).
        missing=[m for messages_ in submit_errors(plan).values() for m in messages_]
        if context["can_edit"] and plan.status in ("draft", "returned")
        else [],
        counts={
            "items": plan.items.count(),
            "staff": plan.staff.count(),
            "bookings": plan.bookings.exclude(status="cancelled").count(),
            "tasks_open": plan.tasks.filter(status="open").count(),
        },
        history=plan.history.select_related("actor").order_by("-at", "-id")[:30],
        alarming_actions=(PlanAction.CHANGED_AFTER_CONFIRMATION, PlanAction.OVERDUE),
    )
    return render(request, "planning/overview.html", context)


@login_required
@require_POST
@domain_errors(back="planning:overview")
def plan_submit_view(request, pk):
    try:
        plan_submit(reception_id=pk, by=request.user, ip=client_ip(request))
    except ValidationFailed as exc:
        messages.warning(request, describe(exc))
    else:
        messages.success(request, _("方案已提交审核。"))
    return redirect("planning:overview", pk=pk)


@login_required
@require_POST
@domain_errors(back="planning:overview")
def plan_withdraw_view(request, pk):
    plan_withdraw(
        reception_id=pk, by=request.user, comment=request.POST.get("comment", "")[:500], ip=client_ip(request)
    )
    messages.success(request, _("方案已撤回，可以继续修改。"))
    return redirect("planning:overview", pk=pk)
