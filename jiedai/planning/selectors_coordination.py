"""Reads for the coordination tab (policy 3.2.1–3.2.2) and for the home page's lists of preparation tasks and plans
to write (policy 3.1.2, 3.2.2). Each list is a fixed number of queries whatever the number of rows."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, Window
from django.utils import timezone

from jiedai.org.models import Department, User
from jiedai.planning.models import (
    ClientCommunication,
    CoordinationMeeting,
    ItineraryItem,
    PlanStatus,
    PrepTask,
    SpecialNeed,
    TaskStatus,
)
from jiedai.planning.services.coordination import local_today, may_complete
from jiedai.receptions.models import ClientContact, Reception, ReceptionStatus

ITEMS = Prefetch("items", queryset=ItineraryItem.objects.order_by("start", "end", "id"))


@dataclass
class CoordinationParts:
    communications: list
    needs: list
    meetings: list
    tasks: list
    today: datetime.date

    @property
    def overdue_count(self) -> int:
        return sum(1 for task in self.tasks if task.is_overdue)

    @property
    def open_count(self) -> int:
        return sum(1 for task in self.tasks if task.status == TaskStatus.OPEN)


def mark_tasks(tasks, user, today: datetime.date) -> list:
    """Annotate each task with what its row shows: overdue (open and past its deadline, policy 3.2.2) and whether
    `user` may report it done."""
    for task in tasks:
        task.is_overdue = task.status == TaskStatus.OPEN and task.due_date < today
        task.user_may_complete = may_complete(user, task)
    return tasks


def coordination_parts(plan, user, *, today: datetime.date | None = None) -> CoordinationParts:
    """The tab's four lists: 7 queries."""
    today = today or local_today()
    communications = (
        ClientCommunication.objects.filter(plan=plan)
        .select_related("staff", "contact__organization")
        .prefetch_related(ITEMS)
    )
    needs = SpecialNeed.objects.filter(plan=plan).select_related("contact").prefetch_related(ITEMS)
    meetings = (
        CoordinationMeeting.objects.filter(plan=plan)
        .select_related("created_by")
        .prefetch_related(Prefetch("attendees", queryset=User.objects.select_related("department").order_by("id")))
    )
    tasks = PrepTask.objects.filter(plan=plan).select_related("department", "assignee", "meeting", "completed_by")
    tasks = mark_tasks(list(tasks.order_by("status", "due_date", "id")), user, today)
    meetings = list(meetings)
    per_meeting: dict[int, int] = {}
    for task in tasks:
        if task.meeting_id:
            per_meeting[task.meeting_id] = per_meeting.get(task.meeting_id, 0) + 1
    for meeting in meetings:
        meeting.task_count = per_meeting.get(meeting.pk, 0)
    return CoordinationParts(
        communications=list(communications), needs=list(needs), meetings=meetings, tasks=tasks, today=today
    )


@dataclass
class CoordinationOptions:
    """What the tab's forms offer: the company's people, the request's clients, the plan's itinerary items, the
    departments, the plan's meetings. Read once per page (4 queries), shared by every form on it."""

    users: list = field(default_factory=list)
    contacts: list = field(default_factory=list)
    items: list = field(default_factory=list)
    departments: list = field(default_factory=list)
    meetings: list = field(default_factory=list)


def coordination_options(plan, *, meetings: list | None = None) -> CoordinationOptions:
    return CoordinationOptions(
        users=list(User.objects.filter(is_active=True).select_related("department").order_by("department__code", "id")),
        contacts=list(
            ClientContact.objects.filter(receptions=plan.reception_id)
            .select_related("organization")
            .order_by("organization__name", "name")
        ),
        items=list(ItineraryItem.objects.filter(plan=plan).order_by("start", "end", "id")),
        departments=list(Department.objects.order_by("code")),
        meetings=meetings
        if meetings is not None
        else list(CoordinationMeeting.objects.filter(plan=plan).order_by("-start")),
    )


def communication_of(plan, pk) -> ClientCommunication | None:
    return ClientCommunication.objects.filter(plan=plan, pk=pk).prefetch_related("items").first()


def need_of(plan, pk) -> SpecialNeed | None:
    return SpecialNeed.objects.filter(plan=plan, pk=pk).prefetch_related("items").first()


def meeting_of(plan, pk) -> CoordinationMeeting | None:
    return CoordinationMeeting.objects.filter(plan=plan, pk=pk).prefetch_related("attendees").first()


def task_of(plan, pk) -> PrepTask | None:
    return PrepTask.objects.filter(plan=plan, pk=pk).first()


# ---------------------------------------------------------------------------------------------------- home page


def my_open_tasks(user, *, limit: int, today: datetime.date | None = None) -> list:
    """policy 3.2.2: the open preparation tasks the user owns (named, or through their department: the head always,
    members when no person is named), soonest deadline first. One query; each row carries `total` (all of them)."""
    today = today or local_today()
    owned = Q(assignee=user) | Q(department__head=user)
    if user.department_id:
        owned |= Q(assignee__isnull=True, department_id=user.department_id)
    tasks = (
        PrepTask.objects.filter(owned, status=TaskStatus.OPEN, plan__reception__status=ReceptionStatus.APPROVED)
        .select_related("plan__reception", "department")
        .annotate(total=Window(Count("pk")))
        .order_by("due_date", "id")[:limit]
    )
    return mark_tasks(list(tasks), user, today)


def _not_submitted() -> Q:
    return Q(plan__isnull=True) | Q(plan__submitted_at__isnull=True)


def _plan_rows(queryset, today: datetime.date, limit: int) -> list:
    rows = list(
        queryset.select_related("plan", "host_department")
        .annotate(total=Window(Count("pk")))
        .order_by("plan_due_date", "id")[:limit]
    )
    for reception in rows:
        try:
            plan = reception.plan
        except Reception.plan.RelatedObjectDoesNotExist:
            plan = None
        reception.plan_row = plan
        submitted = plan is not None and plan.submitted_at is not None
        reception.plan_overdue = not submitted and reception.plan_due_date < today
        reception.plan_due_soon = not reception.plan_overdue and (reception.plan_due_date - today).days <= 2
    return rows


def plans_to_write(user, *, limit: int, days: int = 7, today: datetime.date | None = None) -> list:
    """policy 3.1.2: the plans the user edits (requester or lead) that still need work — not created, a draft or
    returned — due within `days` calendar days or overdue, for visits not over yet. One query (`total` per row)."""
    today = today or local_today()
    queryset = Reception.objects.filter(
        Q(requester=user) | Q(lead=user),
        status=ReceptionStatus.APPROVED,
        plan_due_date__lte=today + datetime.timedelta(days=days),
        visit_end__gte=timezone.now(),
    ).filter(Q(plan__isnull=True) | Q(plan__status__in=[PlanStatus.DRAFT, PlanStatus.RETURNED]))
    return _plan_rows(queryset, today, limit)


def overdue_plans(*, limit: int, today: datetime.date | None = None) -> list:
    """policy 3.1.2 / 6.2.2: every plan in the company past its due date and never submitted, for visits not over
    yet (administration's view). One query (`total` per row)."""
    today = today or local_today()
    queryset = Reception.objects.filter(
        _not_submitted(),
        status=ReceptionStatus.APPROVED,
        plan_due_date__lt=today,
        visit_end__gte=timezone.now(),
    )
    return _plan_rows(queryset, today, limit)
