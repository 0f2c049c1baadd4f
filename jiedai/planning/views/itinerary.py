"""The plan's 行程与人员 tab (policy 3.1.1): the itinerary day by day and the staff with their duties.

Everyone who may read the plan sees the page; the requester and the lead edit it (the forms open on the same page,
under their own URLs, so the flow is a plain POST-redirect-GET). Thin: parse, call one service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiedai.core.errors import ConflictError, Forbidden, ValidationFailed
from jiedai.core.web import add_domain_errors, client_ip, domain_errors
from jiedai.planning.forms_itinerary import ItemForm, StaffForm
from jiedai.planning.selectors_itinerary import item_label, itinerary_page, plan_assignment, plan_item
from jiedai.planning.services.itinerary import (
    item_create,
    item_delete,
    item_update,
    staff_assign,
    staff_label,
    staff_remove,
    staff_update,
)
from jiedai.planning.views.common import plan_context


def _tab_url(pk, anchor: str = "") -> str:
    url = reverse("planning:itinerary", args=[pk])
    return f"{url}#{anchor}" if anchor else url


def _back(request, pk, **kwargs) -> str:
    return _tab_url(pk)


def _editable_context(request, pk) -> dict:
    """The page's context for an editor (readers: 403, outsiders: 404; a plan under review: 409 → message)."""
    context = plan_context(request, pk, tab="itinerary")
    if not context["is_editor"]:
        raise Forbidden(_("只有申请人和牵头负责人可以编制接待方案。"))
    if not context["can_edit"]:
        raise ConflictError(_("方案正在审核中，不能修改；如需修改，请先撤回。"))
    return context


def _render(request, context: dict, **forms):
    context.update(forms)
    context["page"] = itinerary_page(context["plan"], context["reception"])
    return render(request, "planning/itinerary.html", context)


def _warn_conflicts(request, conflicts) -> None:
    for conflict in conflicts:
        messages.warning(request, conflict.message)


@login_required
@require_GET
@domain_errors(back="receptions:list")
def itinerary_view(request, pk):
    return _render(request, plan_context(request, pk, tab="itinerary"))


# ---- items ------------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors(back=_back)
def item_create_view(request, pk):
    context = _editable_context(request, pk)
    reception = context["reception"]
    if request.method == "GET":
        initial = ItemForm.initial_for_day(reception, request.GET.get("day"))
        return _render(request, context, item_form=ItemForm(initial=initial, reception=reception))
    form = ItemForm(request.POST, reception=reception)
    if form.is_valid():
        try:
            item = item_create(
                reception_id=reception.pk, by=request.user, data=form.service_data(), ip=client_ip(request)
            )
        except ValidationFailed as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("已添加行程：%s。") % item_label(item))
            return redirect(_tab_url(pk, f"item-{item.pk}"))
    return _render(request, context, item_form=form)


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors(back=_back)
def item_edit_view(request, pk, item_id):
    context = _editable_context(request, pk)
    reception = context["reception"]
    item = plan_item(context["plan"], item_id)
    if request.method == "GET":
        form = ItemForm(initial=ItemForm.initial_for(item), reception=reception, item=item)
        return _render(request, context, item_form=form, editing_item=item)
    form = ItemForm(request.POST, reception=reception, item=item)
    if form.is_valid():
        try:
            item = item_update(
                reception_id=reception.pk,
                item_id=item.pk,
                by=request.user,
                data=form.service_data(),
                ip=client_ip(request),
            )
        except ValidationFailed as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("已保存行程：%s。") % item_label(item))
            _warn_conflicts(request, item.staff_conflicts)
            return redirect(_tab_url(pk, f"item-{item.pk}"))
    return _render(request, context, item_form=form, editing_item=item)


@login_required
@require_POST
@domain_errors(back=_back)
def item_delete_view(request, pk, item_id):
    context = _editable_context(request, pk)
    item = plan_item(context["plan"], item_id)
    label = item_label(item)
    item_delete(reception_id=pk, item_id=item.pk, by=request.user, ip=client_ip(request))
    messages.success(request, _("已删除行程：%s。") % label)
    return redirect(_tab_url(pk))


# ---- staff ------------------------------------------------------------------------------------------------------


def _after_staff_saved(request, assignment, message: str) -> None:
    messages.success(request, message % staff_label(assignment))
    _warn_conflicts(request, assignment.conflicts)
    if assignment.is_client_contact and not assignment.person.phone:
        messages.warning(
            request,
            _("%s 还没有登记电话，客户行程单上将只显示姓名。") % assignment.person.display_name,
        )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors(back=_back)
def staff_create_view(request, pk):
    context = _editable_context(request, pk)
    plan = context["plan"]
    if request.method == "GET":
        initial = {"item": request.GET.get("item") or None}
        return _render(request, context, staff_form=StaffForm(initial=initial, plan=plan))
    form = StaffForm(request.POST, plan=plan)
    if form.is_valid():
        try:
            assignment = staff_assign(reception_id=pk, by=request.user, data=form.service_data(), ip=client_ip(request))
        except ValidationFailed as exc:
            add_domain_errors(form, exc)
        else:
            _after_staff_saved(request, assignment, _("已添加人员：%s。"))
            return redirect(_tab_url(pk, f"staff-{assignment.pk}"))
    return _render(request, context, staff_form=form)


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors(back=_back)
def staff_edit_view(request, pk, staff_id):
    context = _editable_context(request, pk)
    plan = context["plan"]
    assignment = plan_assignment(plan, staff_id)
    if request.method == "GET":
        form = StaffForm(initial=StaffForm.initial_for(assignment), plan=plan, current_person=assignment.person)
        return _render(request, context, staff_form=form, editing_staff=assignment)
    form = StaffForm(request.POST, plan=plan, current_person=assignment.person)
    if form.is_valid():
        try:
            assignment = staff_update(
                reception_id=pk,
                assignment_id=assignment.pk,
                by=request.user,
                data=form.service_data(),
                ip=client_ip(request),
            )
        except ValidationFailed as exc:
            add_domain_errors(form, exc)
        else:
            _after_staff_saved(request, assignment, _("已保存人员安排：%s。"))
            return redirect(_tab_url(pk, f"staff-{assignment.pk}"))
    return _render(request, context, staff_form=form, editing_staff=assignment)


@login_required
@require_POST
@domain_errors(back=_back)
def staff_delete_view(request, pk, staff_id):
    context = _editable_context(request, pk)
    assignment = plan_assignment(context["plan"], staff_id)
    label = staff_label(assignment)
    staff_remove(reception_id=pk, assignment_id=assignment.pk, by=request.user, ip=client_ip(request))
    messages.success(request, _("已删除人员安排：%s。") % label)
    return redirect(_tab_url(pk, "staff"))
