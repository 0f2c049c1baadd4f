"""The reception request's pages (policy 2.1–2.2). Thin: parse the input, go through the access layer, call a
service or selector, render. Domain errors become pages and messages in one place (core.web.domain_errors)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiedai.approvals.forms import DecisionForm
from jiedai.approvals.presentation import approval_view
from jiedai.approvals.selectors import instance_for
from jiedai.approvals.services import cc_mark_read
from jiedai.core.errors import ValidationFailed
from jiedai.core.page_cache import cached_page
from jiedai.core.pagination import SuppliedPaginator
from jiedai.core.runtime_settings import get_setting
from jiedai.core.web import add_domain_errors, client_ip, domain_errors, is_htmx
from jiedai.notify.services import notifications_mark_read_for_document
from jiedai.receptions.access import DOCUMENT_TYPE, can_edit, can_withdraw, get_reception_for_user
from jiedai.receptions.forms import ClientRows, ReceptionForm, WithdrawForm
from jiedai.receptions.models import HistoryAction, Importance, ReceptionHistory, ReceptionStatus
from jiedai.receptions.selectors import (
    PAGE_SIZE,
    ReceptionListing,
    contacts_search,
    earlier_visits,
    reception_detail_queryset,
)
from jiedai.receptions.services import reception_create, reception_submit, reception_update, reception_withdraw


def _client_organisations(reception) -> list[str]:
    return list(dict.fromkeys(link.contact.organization.name for link in reception.client_links.all()))


@login_required
@require_GET
@cached_page
def reception_list_view(request):
    status = request.GET.get("status", "")
    status = status if status in ReceptionStatus.values else ""
    q = request.GET.get("q", "").strip()[:100]
    mine = request.GET.get("mine") == "1"
    listing = ReceptionListing(request.user, status=status, q=q, mine=mine)
    paginator = SuppliedPaginator(
        PAGE_SIZE,
        count=listing.count,
        rows=listing.rows,
        rows_before=listing.rows_before,
        rows_after=listing.rows_after,
    )
    page = paginator.get_keyset_page(
        request.GET.get("page"), before=request.GET.get("before"), after=request.GET.get("after")
    )
    rows = list(page.object_list)
    for reception in rows:
        reception.client_organisations = _client_organisations(reception)
    context = {
        "page_obj": page,
        "receptions": rows,
        "status": status,
        "q": q,
        "mine": mine,
        "status_tabs": [("", _("全部")), *ReceptionStatus.choices],
    }
    # The search box swaps only the results; a history restore (back button) needs the whole page.
    partial = is_htmx(request) and not request.headers.get("HX-History-Restore-Request")
    template = "receptions/list.html#results" if partial else "receptions/list.html"
    return render(request, template, context)


def _form_context(request, form, clients, reception=None) -> dict:
    host = reception.host_department if reception else request.user.department
    return {
        "form": form,
        "clients": clients,
        "client_rows": clients.for_display(),
        "reception": reception,
        "host_department": host,
        "gm_cost_threshold": get_setting("gm_cost_threshold"),
        "important_values": [Importance.IMPORTANT.value, Importance.MAJOR.value],
    }


def _render_form(request, form, clients, reception=None, status=200):
    return render(request, "receptions/form.html", _form_context(request, form, clients, reception), status=status)


def _show_errors(form, clients, exc: ValidationFailed) -> None:
    rest = add_domain_errors(form, exc)
    clients.add_errors(rest)


def _parse(request, host_department):
    form = ReceptionForm(request.POST, host_department=host_department)
    clients = ClientRows.from_post(request.POST)
    valid = form.is_valid()
    return form, clients, clients.is_valid() and valid


def _submit_or_show(request, reception, form, clients):
    """After saving: if the requester pressed 提交审批, submit; when the submit checks fail, the draft stays saved
    and the form comes back (now editing that draft) with the fields to complete."""
    if request.POST.get("action") != "submit":
        messages.success(request, _("草稿已保存。"))
        return redirect("receptions:detail", pk=reception.pk)
    data = request.POST.copy()
    data["expected_version"] = str(reception.version)
    return _submit(request, reception, data, clients, _("已保存为草稿。提交审批前，请补全标红的项目。"))


def _submit(request, reception, data, clients, incomplete_message):
    """Submit; when the request is not complete, show the form with what is missing marked (policy 2.1.1)."""
    try:
        reception = reception_submit(reception_id=reception.pk, by=request.user, ip=client_ip(request))
    except ValidationFailed as exc:
        form = ReceptionForm(data, host_department=reception.host_department)
        form.is_valid()
        _show_errors(form, clients, exc)
        messages.warning(request, incomplete_message)
        return _render_form(request, form, clients, reception)
    messages.success(request, _("已提交审批，编号 %(number)s。") % {"number": reception.number})
    return redirect("receptions:detail", pk=reception.pk)


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors(back="receptions:list")
def reception_create_view(request):
    if request.method == "GET":
        return _render_form(request, ReceptionForm(host_department=request.user.department), ClientRows([]))
    form, clients, valid = _parse(request, request.user.department)
    if valid:
        try:
            reception = reception_create(
                by=request.user, data=form.service_data(clients.cleaned()), ip=client_ip(request)
            )
        except ValidationFailed as exc:
            _show_errors(form, clients, exc)
        else:
            return _submit_or_show(request, reception, form, clients)
    return _render_form(request, form, clients)


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors(back="receptions:detail")
def reception_edit_view(request, pk):
    reception = get_reception_for_user(request.user, pk, write=True)
    if request.method == "GET":
        form = ReceptionForm(initial=ReceptionForm.initial_for(reception), host_department=reception.host_department)
        return _render_form(request, form, ClientRows.from_reception(reception), reception)
    form, clients, valid = _parse(request, reception.host_department)
    if valid:
        try:
            reception = reception_update(
                reception_id=reception.pk,
                by=request.user,
                data=form.service_data(clients.cleaned()),
                expected_version=form.cleaned_data.get("expected_version"),
                ip=client_ip(request),
            )
        except ValidationFailed as exc:
            _show_errors(form, clients, exc)
        else:
            return _submit_or_show(request, reception, form, clients)
    return _render_form(request, form, clients, reception)


@login_required
@require_POST
@domain_errors(back="receptions:detail")
def reception_submit_view(request, pk):
    """提交审批 from the detail page. If the request is not complete yet, the form shows what is missing."""
    reception = get_reception_for_user(request.user, pk)
    clients = ClientRows.from_reception(reception)
    data = ReceptionForm.data_for(reception, clients)
    return _submit(request, reception, data, clients, _("提交审批前，请补全标红的项目。"))


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors(back="receptions:detail")
def reception_withdraw_view(request, pk):
    """撤回 (policy 2.2; DESIGN: the requester may withdraw while pending). GET asks for confirmation (the page
    behind the detail page's dialog, for browsers without JavaScript); POST withdraws."""
    reception = get_reception_for_user(request.user, pk)
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        reception_withdraw(
            reception_id=reception.pk, by=request.user, comment=form.cleaned_data["comment"], ip=client_ip(request)
        )
        messages.success(request, _("申请已撤回，审批已终止。"))
        return redirect("receptions:detail", pk=reception.pk)
    if request.method == "GET" and not can_withdraw(request.user, reception):
        messages.info(request, _("只有审批中的申请可以由申请人撤回。"))
        return redirect("receptions:detail", pk=reception.pk)
    return render(request, "receptions/withdraw.html", {"reception": reception, "form": form})


@login_required
@require_GET
@cached_page
@domain_errors(back="receptions:list")
def reception_detail_view(request, pk):
    reception = get_reception_for_user(request.user, pk)
    reception = reception_detail_queryset().prefetch_related(_history()).get(pk=reception.pk)
    approval = approval_view(instance_for(DOCUMENT_TYPE, reception.pk), request.user)
    notifications_mark_read_for_document(user=request.user, document_type=DOCUMENT_TYPE, document_id=reception.pk)
    if approval.my_cc is not None and approval.my_cc.read_at is None:
        cc_mark_read(instance=approval.instance, user=request.user)  # policy 2.2.3: the copy has been seen
        approval.my_cc.read_at = timezone.now()  # and this page, the reading, already shows it as read (已阅)
    context = {
        "reception": reception,
        "approval": approval,
        "client_links": list(reception.client_links.all()),
        "history": list(reception.history.all()),
        "last_return": _last_return(reception),
        "can_edit": can_edit(request.user, reception),
        "can_withdraw": can_withdraw(request.user, reception),
        "withdraw_form": WithdrawForm(),
    }
    if approval.my_task is not None:
        # policy 2.2.2: the approver weighs importance, necessity and budget, and this client's earlier visits.
        context.update(
            decision_form=DecisionForm(),
            gm_cost_threshold=get_setting("gm_cost_threshold"),
            earlier_visits=list(earlier_visits(reception, limit=5)),
        )
    return render(request, "receptions/detail.html", context)


def _history():
    return Prefetch("history", queryset=ReceptionHistory.objects.select_related("actor"))


def _last_return(reception):
    if reception.status != ReceptionStatus.RETURNED:
        return None
    returns = [h for h in reception.history.all() if h.action == HistoryAction.RETURNED]
    return returns[-1] if returns else None


@login_required
@require_GET
@domain_errors(back="receptions:list")
def reception_print_view(request, pk):
    """The paper form 客户接待通知申请表 with the approval record as its signatures (policy 2.2.1)."""
    reception = get_reception_for_user(request.user, pk)
    reception = reception_detail_queryset().get(pk=reception.pk)
    approval = approval_view(instance_for(DOCUMENT_TYPE, reception.pk), request.user)
    signatures = [
        item for round_ in approval.rounds[-1:] for item in round_.items if item.kind == "task" and not item.pending
    ]
    return render(
        request,
        "receptions/print.html",
        {
            "reception": reception,
            "client_links": list(reception.client_links.all()),
            "approval": approval,
            "signatures": signatures,
        },
    )


@login_required
@require_GET
def client_search_view(request):
    """The directory picker's results (an htmx partial): at most ten contacts."""
    q = request.GET.get("q", "").strip()[:100]
    return render(request, "receptions/_client_results.html", {"contacts": list(contacts_search(q)), "q": q})
