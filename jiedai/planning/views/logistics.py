"""The plan's 场地·车辆·食宿 tab (policy 3.1.1: venue setup, vehicles, catering, lodging; 3.2.3: administration
carries them out). The host's editors book rooms and cars, arrange meals and hotel rooms, and cancel them;
administration confirms and completes them and ticks off each room's setup checklist. A room, car or driver that
is taken shows who holds it and offers the free ones instead, each one click away."""

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiedai.core.errors import NotFound, ValidationFailed
from jiedai.core.page_cache import cached_page
from jiedai.core.web import add_domain_errors, client_ip, domain_errors, is_htmx, safe_next
from jiedai.planning.access import is_logistics_handler
from jiedai.planning.forms_logistics import BookingForm, HotelForm, MealForm
from jiedai.planning.models import Booking, BookingKind, HotelStay, LogisticsStatus, Meal
from jiedai.planning.selectors_logistics import booking_with_setup, diet_needs, plan_logistics
from jiedai.planning.services.bookings import (
    BookingClash,
    booking_create,
    booking_set_status,
    booking_update,
    seat_warning,
    setup_task_toggle,
)
from jiedai.planning.services.meals_hotels import (
    hotel_create,
    hotel_set_status,
    hotel_update,
    meal_create,
    meal_set_status,
    meal_update,
    visit_dates,
)
from jiedai.planning.views.common import plan_context
from jiedai.planning.views.editing import editor_context, save_form
from jiedai.receptions.models import LOCAL_TZ

SECTION_ANCHORS = {"venue": "venues", "vehicle": "vehicles", "meal": "meals", "hotel": "hotels"}


def tab_url(pk, section: str = "") -> str:
    anchor = SECTION_ANCHORS.get(section, "")
    return reverse("planning:logistics", args=[pk]) + (f"#{anchor}" if anchor else "")


def _back(request, pk, **kwargs) -> str:
    """Where a refused action returns: the page it came from (the queue, say), else the tab."""
    return safe_next(request, tab_url(pk))


# ---------------------------------------------------------------------------------------------------- statuses


@dataclass(frozen=True)
class StatusAction:
    status: str
    label: str
    style: str
    confirm: str = ""


def status_actions(record, *, admin: bool, editor: bool) -> list[StatusAction]:
    """The status buttons a person gets on a booking, meal or stay (policy 3.2.3: administration confirms and
    completes; the host's editors and administration may cancel, and ask again for what was cancelled)."""
    status = record.status
    actions = []
    if admin and status == LogisticsStatus.REQUESTED:
        actions.append(StatusAction(LogisticsStatus.CONFIRMED, _("落实"), "primary"))
    if admin and status == LogisticsStatus.CONFIRMED:
        actions.append(StatusAction(LogisticsStatus.DONE, _("完成"), "success"))
    if (admin or editor) and status in (LogisticsStatus.REQUESTED, LogisticsStatus.CONFIRMED):
        actions.append(StatusAction(LogisticsStatus.CANCELLED, _("取消"), "outline-danger", _("确认取消这项安排？")))
    if (admin or editor) and status == LogisticsStatus.CANCELLED:
        actions.append(StatusAction(LogisticsStatus.REQUESTED, _("恢复"), "outline-secondary"))
    return actions


# ---------------------------------------------------------------------------------------------------- the tab


@login_required
@require_GET
@cached_page
@domain_errors(back="receptions:list")
def logistics_view(request, pk):
    context = plan_context(request, pk, tab="logistics")
    admin = is_logistics_handler(request.user)
    logistics = plan_logistics(context["plan"], context["reception"])
    for record in [*logistics.venues, *logistics.vehicles, *logistics.meals, *logistics.hotels]:
        record.actions = status_actions(record, admin=admin, editor=context["is_editor"])
    context.update(logistics=logistics, is_admin=admin)
    return render(request, "planning/logistics.html", context)


def _editor_context(request, pk, *, section: str) -> dict:
    """The tab's context for a form: only the plan's editors, and not while the plan is under review."""
    context = editor_context(request, pk, tab="logistics")
    context.update(section=section, cancel_url=tab_url(pk, section))
    return context


def _render_form(request, context, form, *, title: str, action: str, status: int = 200):
    context.update(form=form, form_title=title, form_action=action)
    return render(request, "planning/logistics.html", context, status=status)


def _show_errors(form, exc: ValidationFailed) -> None:
    """The service's field errors on their fields; any the form has no field for above the form."""
    for messages_ in add_domain_errors(form, exc).values():
        for message in messages_:
            form.add_error(None, message)


def _save(request, pk, form, service, **target):
    """The form saved through a service of this plan as the signed-in user; None when it has errors to show."""
    return save_form(
        form, service, show_errors=_show_errors, reception_id=pk, by=request.user, ip=client_ip(request), **target
    )


def _saved(request, pk, section: str, message: str):
    messages.success(request, message)
    return redirect(tab_url(pk, section))


# ---------------------------------------------------------------------------------------------------- bookings


@dataclass
class PickGroup:
    button: str  # the form's pick_<field> button name
    title: str
    options: list  # (value, name, detail)


def clash_context(exc: BookingClash, form: BookingForm) -> dict:
    """What the clash panel shows: who holds the slot and, for each resource that is taken, the free ones."""
    clash = exc.clash
    taken = [
        name
        for name in ("venue", "vehicle", "driver")
        if name in form.cleaned_data
        and form.cleaned_data[name] is not None
        and getattr(clash, f"{name}_id") == form.cleaned_data[name].pk
    ]
    alternatives = exc.alternatives
    groups = []
    if "venue" in taken or (not taken and form.kind == BookingKind.VENUE):
        options = [(v.pk, v.name, _venue_detail(v)) for v in alternatives.venues]
        groups.append(PickGroup("pick_venue", _("空闲的场地"), options))
    if "vehicle" in taken or (not taken and form.kind == BookingKind.VEHICLE):
        options = [
            (v.pk, v.name, _("%(seats)s座 · %(plate)s") % {"seats": v.seats, "plate": v.plate})
            for v in alternatives.vehicles
        ]
        groups.append(PickGroup("pick_vehicle", _("空闲的车辆"), options))
    if "driver" in taken:
        groups.append(
            PickGroup("pick_driver", _("空闲的司机"), [(d.pk, d.name, d.phone) for d in alternatives.drivers])
        )
    reception = clash.plan.reception
    return {
        "message": exc.message,
        "holder": reception.number or reception.title,
        "groups": groups,
        "day": clash.start.astimezone(LOCAL_TZ).date(),
    }


def _venue_detail(venue) -> str:
    parts = [_("%(n)s人") % {"n": venue.capacity}, venue.location, venue.equipment]
    return " · ".join(p for p in parts if p)


def _new_booking_initial(request, plan) -> dict:
    """A new booking starts at the visit's start for two hours, or at the itinerary item it was opened from."""
    reception = plan.reception
    start, end = reception.visit_start, min(reception.visit_start + datetime.timedelta(hours=2), reception.visit_end)
    item_id = request.GET.get("item")
    item = plan.items.filter(pk=item_id).first() if item_id and item_id.isdigit() else None
    if item is not None:
        start, end = item.start, item.end
    return {
        "start": start,
        "end": end,
        "item": item.pk if item else None,
        "headcount": reception.visitor_count,
    }


def _booking_saved(request, pk, booking, message: str):
    warning = seat_warning(booking, booking.headcount or booking.plan.reception.visitor_count)
    if warning:
        messages.warning(request, warning)  # policy 3.1.1: flagged, not refused (several cars may run)
    return _saved(request, pk, booking.kind, message)


def _booking_form_title(kind: str, editing: bool) -> str:
    if kind == BookingKind.VENUE:
        return _("修改场地预订") if editing else _("预订场地")
    return _("修改车辆预订") if editing else _("预订车辆")


def _submit_booking(request, pk, context, form, service, *, title: str, action: str, **target):
    """Validate, save through the service; on a clash show who holds the slot and the free alternatives."""
    try:
        booking = _save(request, pk, form, service, **target)
    except BookingClash as exc:
        context["clash"] = clash_context(exc, form)
    else:
        if booking is not None:
            return _booking_saved(request, pk, booking, _("已保存：%s") % booking)
    return _render_form(request, context, form, title=title, action=action)


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors(back=_back)
def booking_create_view(request, pk):
    kind = request.POST.get("kind") or request.GET.get("kind")
    kind = kind if kind in BookingKind.values else BookingKind.VENUE
    context = _editor_context(request, pk, section=kind)
    plan = context["plan"]
    title = _booking_form_title(kind, editing=False)
    action = reverse("planning:booking_create", args=[pk])
    context["kind"] = kind
    if request.method == "GET":
        form = BookingForm(kind=kind, plan=plan, initial=_new_booking_initial(request, plan))
        return _render_form(request, context, form, title=title, action=action)
    form = BookingForm.with_pick(request.POST, kind=kind, plan=plan)
    return _submit_booking(request, pk, context, form, booking_create, title=title, action=action)


def _booking_of(plan, booking_id) -> Booking:
    booking = Booking.objects.select_related("venue", "vehicle", "driver").filter(plan=plan, pk=booking_id).first()
    if booking is None:
        raise NotFound(_("找不到该预订。"))
    return booking


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors(back=_back)
def booking_edit_view(request, pk, booking_id):
    context = _editor_context(request, pk, section="")
    plan = context["plan"]
    booking = _booking_of(plan, booking_id)
    title = _booking_form_title(booking.kind, editing=True)
    action = reverse("planning:booking_edit", args=[pk, booking.pk])
    context.update(kind=booking.kind, record=booking, section=booking.kind, cancel_url=tab_url(pk, booking.kind))
    if request.method == "GET":
        form = BookingForm(kind=booking.kind, plan=plan, booking=booking, initial=BookingForm.initial_for(booking))
        return _render_form(request, context, form, title=title, action=action)
    form = BookingForm.with_pick(request.POST, kind=booking.kind, plan=plan, booking=booking)
    return _submit_booking(
        request, pk, context, form, booking_update, title=title, action=action, booking_id=booking.pk
    )


def _posted_status(request) -> str:
    return request.POST.get("status", "")[:16]


@login_required
@require_POST
@domain_errors(back=_back)
def booking_status_view(request, pk, booking_id):
    booking = booking_set_status(
        reception_id=pk, booking_id=booking_id, by=request.user, status=_posted_status(request), ip=client_ip(request)
    )
    messages.success(request, _("%(what)s：%(status)s") % {"what": booking, "status": booking.get_status_display()})
    return redirect(safe_next(request, tab_url(pk, booking.kind)))


def _checklist_ticked(request, pk, task_id: int | None, done: bool):
    task = setup_task_toggle(reception_id=pk, task_id=task_id, by=request.user, done=done, ip=client_ip(request))
    if is_htmx(request):
        booking = booking_with_setup(task.booking.plan_id, task.booking_id)
        return render(
            request,
            "planning/_logistics_checklist.html",
            {
                "booking": booking,
                "reception_id": pk,
                "can_tick": True,
                "next": safe_next(request, tab_url(pk)),
                "collapsible": request.POST.get("collapsible") == "1",
                "open": True,
            },
        )
    return redirect(safe_next(request, tab_url(pk, "venue")))


@login_required
@require_POST
@domain_errors(back=_back)
def setup_toggle_view(request, pk, task_id):
    """Administration ticks a line of a room's setup checklist (场地布置). htmx swaps the checklist in place."""
    return _checklist_ticked(request, pk, task_id, request.POST.get("done") == "1")


def _posted_line(request) -> tuple[int | None, bool]:
    """The checklist line a button names: `tick=<id>` marks it done, `untick=<id>` undoes it (the state is explicit,
    so a double click or a stale page never flips a line back)."""
    for name, done in (("tick", True), ("untick", False)):
        value = request.POST.get(name, "")
        if value.isascii() and value.isdigit() and len(value) <= 18:
            return int(value), done
    return None, False


@login_required
@require_POST
@domain_errors(back=_back)
def setup_checklist_view(request, pk):
    """policy 3.2.3: one form per room's setup checklist (the queue lists many rooms: one form per line would weigh
    a CSRF token and hidden fields each); the button pressed names its line. htmx swaps the checklist in place."""
    task_id, done = _posted_line(request)
    return _checklist_ticked(request, pk, task_id, done)


# ---------------------------------------------------------------------------------------------------- meals


def _meal_of(plan, meal_id) -> Meal:
    meal = Meal.objects.select_related("restaurant").filter(plan=plan, pk=meal_id).first()
    if meal is None:
        raise NotFound(_("找不到该用餐安排。"))
    return meal


def _submit(request, pk, context, form, service, *, section: str, title: str, action: str, **target):
    """Validate, save through the service (a meal or a stay); back to the tab, or the form again with its errors."""
    if _save(request, pk, form, service, **target) is not None:
        return _saved(request, pk, section, _("已保存。"))
    return _render_form(request, context, form, title=title, action=action)


def _meal_initial(plan) -> dict:
    """A new meal defaults to lunch on the visit's first day when the visit covers it, else its start."""
    reception = plan.reception
    start = reception.visit_start
    noon = start.astimezone(LOCAL_TZ).replace(hour=12, minute=0, second=0, microsecond=0)
    if start <= noon <= reception.visit_end:
        start = noon
    return {"headcount": reception.visitor_count, "start": start}


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors(back=_back)
def meal_create_view(request, pk):
    context = _editor_context(request, pk, section="meal")
    plan = context["plan"]
    context["diet_needs"] = diet_needs(plan)
    title, action = _("安排用餐"), reverse("planning:meal_create", args=[pk])
    if request.method == "GET":
        form = MealForm(plan=plan, initial=_meal_initial(plan))
        return _render_form(request, context, form, title=title, action=action)
    form = MealForm(request.POST, plan=plan)
    return _submit(request, pk, context, form, meal_create, section="meal", title=title, action=action)


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors(back=_back)
def meal_edit_view(request, pk, meal_id):
    context = _editor_context(request, pk, section="meal")
    plan = context["plan"]
    meal = _meal_of(plan, meal_id)
    context.update(diet_needs=diet_needs(plan), record=meal)
    title, action = _("修改用餐安排"), reverse("planning:meal_edit", args=[pk, meal.pk])
    if request.method == "GET":
        form = MealForm(plan=plan, meal=meal, initial=MealForm.initial_for(meal))
        return _render_form(request, context, form, title=title, action=action)
    form = MealForm(request.POST, plan=plan, meal=meal)
    return _submit(request, pk, context, form, meal_update, section="meal", title=title, action=action, meal_id=meal.pk)


@login_required
@require_POST
@domain_errors(back=_back)
def meal_status_view(request, pk, meal_id):
    meal = meal_set_status(
        reception_id=pk, meal_id=meal_id, by=request.user, status=_posted_status(request), ip=client_ip(request)
    )
    messages.success(request, _("用餐安排：%(status)s") % {"status": meal.get_status_display()})
    return redirect(safe_next(request, tab_url(pk, "meal")))


# ---------------------------------------------------------------------------------------------------- hotels


def _stay_of(plan, stay_id) -> HotelStay:
    stay = HotelStay.objects.select_related("hotel").filter(plan=plan, pk=stay_id).first()
    if stay is None:
        raise NotFound(_("找不到该住宿安排。"))
    return stay


def _hotel_context(context) -> dict:
    first, last = visit_dates(context["reception"])
    context.update(visit_first=first, visit_last=last, latest_check_out=last + datetime.timedelta(days=1))
    return context


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors(back=_back)
def hotel_create_view(request, pk):
    context = _hotel_context(_editor_context(request, pk, section="hotel"))
    title, action = _("安排住宿"), reverse("planning:hotel_create", args=[pk])
    if request.method == "GET":
        first, last = context["visit_first"], context["visit_last"]
        initial = {
            "check_in": first.isoformat(),
            "check_out": max(last, first + datetime.timedelta(days=1)).isoformat(),
        }
        return _render_form(request, context, HotelForm(initial=initial), title=title, action=action)
    form = HotelForm(request.POST)
    return _submit(request, pk, context, form, hotel_create, section="hotel", title=title, action=action)


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors(back=_back)
def hotel_edit_view(request, pk, stay_id):
    context = _hotel_context(_editor_context(request, pk, section="hotel"))
    stay = _stay_of(context["plan"], stay_id)
    context["record"] = stay
    title, action = _("修改住宿安排"), reverse("planning:hotel_edit", args=[pk, stay.pk])
    if request.method == "GET":
        form = HotelForm(stay=stay, initial=HotelForm.initial_for(stay))
        return _render_form(request, context, form, title=title, action=action)
    form = HotelForm(request.POST, stay=stay)
    return _submit(
        request, pk, context, form, hotel_update, section="hotel", title=title, action=action, stay_id=stay.pk
    )


@login_required
@require_POST
@domain_errors(back=_back)
def hotel_status_view(request, pk, stay_id):
    stay = hotel_set_status(
        reception_id=pk, stay_id=stay_id, by=request.user, status=_posted_status(request), ip=client_ip(request)
    )
    messages.success(request, _("住宿安排：%(status)s") % {"status": stay.get_status_display()})
    return redirect(safe_next(request, tab_url(pk, "hotel")))
