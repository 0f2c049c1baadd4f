"""The whole reception plan on paper, for the reception folder (policy 3.1.1, 3.1.2, 3.2.2, 3.3.1): the request's
summary, the itinerary by day with its staff, the staffing, the material (confidential entries only for those
cleared), bookings, meals and hotels, the client's special needs, coordination meetings and tasks, the emergency
plans adapted for this visit, and the review record. A fixed number of queries whatever the plan's size."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jiedai.approvals.presentation import approval_view
from jiedai.approvals.selectors import instance_for
from jiedai.core.web import domain_errors
from jiedai.planning.access import get_reception_with_plan, is_plan_editor
from jiedai.planning.models import (
    Booking,
    CoordinationMeeting,
    HotelStay,
    ItineraryItem,
    Meal,
    PlanEmergency,
    PrepTask,
    SpecialNeed,
    StaffAssignment,
)
from jiedai.planning.services.materials import materials_for_print
from jiedai.planning.services.plan import DOCUMENT_TYPE, plan_ensure
from jiedai.receptions.models import LOCAL_TZ
from jiedai.receptions.selectors import reception_detail_queryset


@dataclass
class PrintDay:
    number: int
    date: object
    items: list


def _days(reception, items) -> list[PrintDay]:
    first = reception.visit_start.astimezone(LOCAL_TZ).date() if reception.visit_start else None
    days: list[PrintDay] = []
    for item in items:
        date = item.start.astimezone(LOCAL_TZ).date()
        if not days or days[-1].date != date:
            days.append(PrintDay(number=(date - first).days + 1 if first else len(days) + 1, date=date, items=[]))
        days[-1].items.append(item)
    return days


def print_context(user, reception_pk) -> dict:
    reception = get_reception_with_plan(user, reception_pk)
    plan = plan_ensure(reception, by=user)
    reception = reception_detail_queryset().get(pk=reception.pk)
    plan.reception = reception
    item_staff = StaffAssignment.objects.select_related("person").order_by("role", "id")
    items = list(
        ItineraryItem.objects.filter(plan=plan)
        .select_related("site_area")
        .prefetch_related(Prefetch("staff", queryset=item_staff))
        .order_by("start", "end", "id")
    )
    staff = list(
        StaffAssignment.objects.filter(plan=plan)
        .select_related("person__department", "item")
        .order_by("item__start", "role", "id")
    )
    bookings = list(
        Booking.objects.filter(plan=plan)
        .select_related("venue", "vehicle", "driver", "item")
        .prefetch_related("setup_tasks")
        .order_by("start", "id")
    )
    approval = approval_view(instance_for(DOCUMENT_TYPE, plan.pk), user)
    signatures = [
        item for round_ in approval.rounds[-1:] for item in round_.items if item.kind == "task" and not item.pending
    ]
    return {
        "reception": reception,
        "plan": plan,
        "client_links": list(reception.client_links.all()),
        "days": _days(reception, items),
        "staff": staff,
        "materials": materials_for_print(user, plan),
        "is_editor": is_plan_editor(user, reception),
        "bookings": bookings,
        "meals": list(Meal.objects.filter(plan=plan).select_related("restaurant", "item").order_by("start", "id")),
        "hotels": list(HotelStay.objects.filter(plan=plan).select_related("hotel").order_by("check_in", "id")),
        "needs": list(SpecialNeed.objects.filter(plan=plan).select_related("contact").order_by("kind", "id")),
        "meetings": list(
            CoordinationMeeting.objects.filter(plan=plan).prefetch_related("attendees").order_by("start", "id")
        ),
        "tasks": list(
            PrepTask.objects.filter(plan=plan).select_related("department", "assignee").order_by("due_date", "id")
        ),
        "emergencies": list(PlanEmergency.objects.filter(plan=plan).select_related("template").order_by("id")),
        "approval": approval,
        "signatures": signatures,
    }


@login_required
@require_GET
@domain_errors(back="receptions:list")
def plan_print_view(request, pk):
    return render(request, "planning/print.html", print_context(request.user, pk))
