"""The plan's 行程与人员 tab (policy 3.1.1): the itinerary day by day and the staff with their duties.

Everyone who may read the plan sees the page; the requester and the lead edit it (the forms open on the same page,
under their own URLs, so the flow is a plain POST-redirect-GET). Thin: parse, call one service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiedai.core.page_cache import cached_page
from jiedai.core.web import client_ip, domain_errors
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
from jiedai.planning.views.editing import editor_context, save_form


def _tab_url(pk, anchor: str = "") -> str:
    url = reverse("planning:itinerary", args=[pk])
    return f"{url}#{anchor}" if anchor else url


def _back(request, pk, **kwargs) -> str:
    return _tab_url(pk)


def _render(request, context: dict, **forms):
    context.update(forms)
    context["page"] = itinerary_page(context["plan"], context["reception"])
    return render(request, "planning/itinerary.html", context)


def _warn_conflicts(request, conflicts) -> None:
    for conflict in conflicts:
        messages.warning(request, conflict.message)


@login_required
@require_GET
@cached_page
@domain_errors(back="receptions:list")
def itinerary_view(request, pk):
    return _render(request, plan_context(request, pk, tab="itinerary"))


# ---- items ------------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors(back=_back)
def item_create_view(request, pk):
    context = editor_context(request, pk, tab="itinerary")
    reception = context["reception"]
    if request.method == "GET":
        initial = ItemForm.initial_for_day(reception, request.GET.get("day"))
        return _render(request, context, item_form=ItemForm(initial=initial, reception=reception))
    form = ItemForm(request.POST, reception=reception)
    item = save_form(form, item_create, reception_id=reception.pk, by=request.user, ip=client_ip(request))
    if item is None:
        return _render(request, context, item_form=form)
    messages.success(request, _("已添加行程：%s。") % item_label(item))
    return redirect(_tab_url(pk, f"item-{item.pk}"))


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors(back=_back)
def item_edit_view(request, pk, item_id):
    context = editor_context(request, pk, tab="itinerary")
    reception = context["reception"]
    item = plan_item(context["plan"], item_id)
    if request.method == "GET":
        form = ItemForm(initial=ItemForm.initial_for(item), reception=reception, item=item)
        return _render(request, context, item_form=form, editing_item=item)
    form = ItemForm(request.POST, reception=reception, item=item)
    saved = save_form(
        form, item_update, reception_id=reception.pk, item_id=item.pk, by=request.user, ip=client_ip(request)
    )
    if saved is None:
        return _render(request, context, item_form=form, editing_item=item)
    messages.success(request, _("已保存行程：%s。") % item_label(saved))
    _warn_conflicts(request, saved.staff_conflicts)
    return redirect(_tab_url(pk, f"item-{saved.pk}"))


@login_required
@require_POST
@domain_errors(back=_back)
def item_delete_view(request, pk, item_id):
    context = editor_context(request, pk, tab="itinerary")
    item = plan_item(context["plan"], item_id)
    label = item_label(item)
    item_delete(reception_id=pk, item_id=item.pk, by=request.user, ip=client_ip(request))
    messages.success(request, _("已删除行程：%s。") % label)
    return redirect(_tab_url(pk))


# ---- staff ------------------------------------------------------------------------------------------------------


def _after_staff_saved(request, pk, assignment, message: str):
    messages.success(request, message % staff_label(assignment))
    _warn_conflicts(request, assignment.conflicts)
    if assignment.is_client_contact and not assignment.person.phone:
        messages.warning(
            request,
            _("%s 还没有登记电话，客户行程单上将只显示姓名。") % assignment.person.display_name,
        )
    return redirect(_tab_url(pk, f"staff-{assignment.pk}"))


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors(back=_back)
def staff_create_view(request, pk):
    context = editor_context(request, pk, tab="itinerary")
    plan = context["plan"]
    if request.method == "GET":
        initial = {"item": request.GET.get("item") or None}
        return _render(request, context, staff_form=StaffForm(initial=initial, plan=plan))
    form = StaffForm(request.POST, plan=plan)
    assignment = save_form(form, staff_assign, reception_id=pk, by=request.user, ip=client_ip(request))
    if assignment is None:
        return _render(request, context, staff_form=form)
    return _after_staff_saved(request, pk, assignment, _("已添加人员：%s。"))


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors(back=_back)
def staff_edit_view(request, pk, staff_id):
    context = editor_context(request, pk, tab="itinerary")
    plan = context["plan"]
    assignment = plan_assignment(plan, staff_id)
    if request.method == "GET":
        form = StaffForm(initial=StaffForm.initial_for(assignment), plan=plan, current_person=assignment.person)
        return _render(request, context, staff_form=form, editing_staff=assignment)
    form = StaffForm(request.POST, plan=plan, current_person=assignment.person)
    saved = save_form(
        form, staff_update, reception_id=pk, assignment_id=assignment.pk, by=request.user, ip=client_ip(request)
    )
    if saved is None:
        return _render(request, context, staff_form=form, editing_staff=assignment)
    return _after_staff_saved(request, pk, saved, _("已保存人员安排：%s。"))


@login_required
@require_POST
@domain_errors(back=_back)
def staff_delete_view(request, pk, staff_id):
    context = editor_context(request, pk, tab="itinerary")
    assignment = plan_assignment(context["plan"], staff_id)
    label = staff_label(assignment)
    staff_remove(reception_id=pk, assignment_id=assignment.pk, by=request.user, ip=client_ip(request))
    messages.success(request, _("已删除人员安排：%s。") % label)
    return redirect(_tab_url(pk, "staff"))
