"""Reads for the plan's itinerary and staffing (policy 3.1.1): the day-by-day view with its free time and overlaps,
and the people put in two places at once.

Everything here runs a fixed number of queries whatever the number of items and people: the items (with their
site area and clients), the staff (with person, department and item) and one query for the other assignments of
the same people that could overlap."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from jiedai.core.errors import NotFound
from jiedai.planning.models import ItineraryItem, StaffAssignment, StaffRole
from jiedai.receptions.models import LOCAL_TZ, ClientContact, ReceptionStatus

# Free time of at least this long between two items of a day is shown (subtly) in the day view.
GAP_MINUTES = 30

ROLE_ORDER = {role: index for index, role in enumerate(StaffRole.values)}


def local(value: datetime.datetime) -> datetime.datetime:
    return value.astimezone(LOCAL_TZ)


def span_text(start: datetime.datetime, end: datetime.datetime) -> str:
    """ "10-09 09:00–11:00" (the end's date only when it differs), Asia/Shanghai."""
    start, end = local(start), local(end)
    tail = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%m-%d %H:%M}"
    return f"{start:%m-%d %H:%M}–{tail}"


def visit_window(reception) -> dict:
    """The approved visit as {"start", "end"} "YYYY-MM-DD HH:MM" in Beijing time, for the messages that cite it."""
    return {
        "start": f"{local(reception.visit_start):%Y-%m-%d %H:%M}",
        "end": f"{local(reception.visit_end):%Y-%m-%d %H:%M}",
    }


def item_label(item: ItineraryItem) -> str:
    """ "10-09 09:00 欢迎会": how an item is named in the plan's record and in messages."""
    return f"{local(item.start):%m-%d %H:%M} {item.title}"


def duration_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return _("%(h)d 小时 %(m)d 分钟") % {"h": hours, "m": rest}
    if hours:
        return _("%(h)d 小时") % {"h": hours}
    return _("%(m)d 分钟") % {"m": rest}


# ---- the items ------------------------------------------------------------------------------------------------


def itinerary_items(plan) -> list[ItineraryItem]:
    """The plan's items in time order, with what the day view shows of them (two queries)."""
    contacts = ClientContact.objects.order_by("name", "id")
    return list(
        ItineraryItem.objects.filter(plan=plan)
        .select_related("site_area")
        .prefetch_related(Prefetch("clients", queryset=contacts))
        .order_by("start", "end", "id")
    )


def overlaps_of(items: list[ItineraryItem]) -> dict[int, list[ItineraryItem]]:
    """For each item, the other items whose times overlap it (half-open: one may end when the next starts).
    Overlaps are allowed — parallel programmes happen — and shown as a warning."""
    ordered = sorted(items, key=lambda i: (i.start, i.end, i.pk))
    found: dict[int, list[ItineraryItem]] = defaultdict(list)
    for index, item in enumerate(ordered):
        for other in ordered[index + 1 :]:
            if other.start >= item.end:
                break
            found[item.pk].append(other)
            found[other.pk].append(item)
    return found


@dataclass
class Gap:
    """Free time between two items of a day."""

    start: datetime.datetime
    end: datetime.datetime

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    @property
    def label(self) -> str:
        return duration_text(self.minutes)


@dataclass
class Entry:
    item: ItineraryItem
    staff: list = field(default_factory=list)
    overlaps: list = field(default_factory=list)
    gap_before: Gap | None = None

    @property
    def duration(self) -> str:
        return duration_text(int((self.item.end - self.item.start).total_seconds() // 60))


@dataclass
class Day:
    date: datetime.date
    number: int  # 第 n 天 of the visit (0 for a date outside it)
    entries: list = field(default_factory=list)

    @property
    def gaps(self) -> int:
        return sum(1 for e in self.entries if e.gap_before)

    @property
    def overlaps(self) -> int:
        return sum(1 for e in self.entries if e.overlaps)

    @property
    def iso(self) -> str:
        return self.date.isoformat()


def visit_dates(reception) -> list[datetime.date]:
    """Every Asia/Shanghai date of the visit, first and last included."""
    if not reception.visit_start or not reception.visit_end:
        return []
    first, last = local(reception.visit_start).date(), local(reception.visit_end).date()
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


def itinerary_days(reception, items: list[ItineraryItem], staff: list[StaffAssignment] = ()) -> list[Day]:
    """One section per visit day (Asia/Shanghai dates), each item under the day it starts, with the free time
    before it (≥ GAP_MINUTES after everything earlier that day has ended) and the items it overlaps."""
    dates = visit_dates(reception)
    days = {d: Day(d, n) for n, d in enumerate(dates, start=1)}
    by_item = defaultdict(list)
    for assignment in staff:
        if assignment.item_id:
            by_item[assignment.item_id].append(assignment)
    overlaps = overlaps_of(items)
    for item in sorted(items, key=lambda i: (i.start, i.end, i.pk)):
        date = local(item.start).date()
        day = days.setdefault(date, Day(date, 0))
        day.entries.append(Entry(item, by_item.get(item.pk, []), overlaps.get(item.pk, [])))
    threshold = datetime.timedelta(minutes=GAP_MINUTES)
    for day in days.values():
        busy_until = None
        for entry in day.entries:
            if busy_until is not None and entry.item.start - busy_until >= threshold:
                entry.gap_before = Gap(busy_until, entry.item.start)
            busy_until = entry.item.end if busy_until is None else max(busy_until, entry.item.end)
    return [days[d] for d in sorted(days)]


# ---- the staff and their clashes --------------------------------------------------------------------------------


def staff_list(plan) -> list[StaffAssignment]:
    """The plan's staff: by role (lead, escorts, guides, drivers, workers), the whole visit first, then by time."""
    rows = list(
        StaffAssignment.objects.filter(plan=plan).select_related("person__department", "item", "plan__reception")
    )
    return sorted(
        rows,
        key=lambda a: (
            ROLE_ORDER.get(a.role, 99),
            a.item_id is not None,
            a.item.start if a.item_id else datetime.datetime.min.replace(tzinfo=datetime.UTC),
            a.pk,
        ),
    )


def assignment_span(assignment: StaffAssignment):
    """When the person is needed: the item's time, or the whole visit for a whole-visit duty."""
    if assignment.item_id:
        return assignment.item.start, assignment.item.end
    reception = assignment.plan.reception
    return reception.visit_start, reception.visit_end


@dataclass
class PersonConflict:
    """`other` puts the same person somewhere else at an overlapping time."""

    assignment: StaffAssignment
    other: StaffAssignment
    start: datetime.datetime
    end: datetime.datetime

    @property
    def same_plan(self) -> bool:
        return self.other.plan_id == self.assignment.plan_id

    @property
    def reception(self):
        return self.other.plan.reception

    @property
    def where(self) -> str:
        """ "同时段已安排在 JD-2026-0012 的『工厂参观』"."""
        other = self.other
        if self.same_plan:
            return _("同时段已安排在本次接待的『%(item)s』") % {"item": other.item.title}
        visit = self.reception.number or self.reception.title
        if other.item_id:
            return _("同时段已安排在 %(visit)s 的『%(item)s』") % {"visit": visit, "item": other.item.title}
        return _("同时段已安排在 %(visit)s（全程%(role)s）") % {"visit": visit, "role": other.get_role_display()}

    @property
    def when(self) -> str:
        return span_text(self.start, self.end)

    @property
    def message(self) -> str:
        return _("%(person)s %(where)s（%(when)s）。") % {
            "person": self.assignment.person.display_name,
            "where": self.where,
            "when": self.when,
        }

    def as_dict(self) -> dict:
        """For the JSON API."""
        return {
            "assignment": self.assignment.pk,
            "person": self.assignment.person_id,
            "other_assignment": self.other.pk,
            "reception": self.reception.pk,
            "reception_number": self.reception.number,
            "item": self.other.item_id,
            "item_title": self.other.item.title if self.other.item_id else None,
            "role": self.other.role,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "message": self.message,
        }


def _clash(mine: StaffAssignment, other: StaffAssignment) -> bool:
    """Two duties of one person that cannot both be done. In the same visit, a whole-visit duty (lead, escort)
    includes its items, and two duties on one item are the same place; only two different items at overlapping
    times are two places. Across visits, any overlap is (a whole-visit duty spans the visit window)."""
    if mine.pk == other.pk or mine.person_id != other.person_id:
        return False
    if mine.plan_id == other.plan_id and (not mine.item_id or not other.item_id or mine.item_id == other.item_id):
        return False
    start, end = assignment_span(mine)
    other_start, other_end = assignment_span(other)
    return start < other_end and other_start < end


def person_conflicts(assignments) -> dict[int | None, list[PersonConflict]]:
    """policy 3.1.1: nobody is in two places at once. For each assignment (saved or not: key None), the other
    assignments of the same person — in this or any other approved visit's plan — whose times overlap.
    A warning, not a refusal. The assignments need `item` and `plan.reception` loaded. One query."""
    assignments = [a for a in assignments if a.person_id]
    spans = [assignment_span(a) for a in assignments]
    spans = [(s, e) for s, e in spans if s and e]
    if not spans:
        return {}
    low, high = min(s for s, _e in spans), max(e for _s, e in spans)
    others = list(
        StaffAssignment.objects.filter(
            person_id__in={a.person_id for a in assignments},
            plan__reception__status=ReceptionStatus.APPROVED,
        )
        .filter(span_end__gt=low, span_start__lt=high)  # (person, span_end): what is still to come
        .select_related("item", "plan__reception")
    )
    by_person = defaultdict(list)
    for other in others:
        by_person[other.person_id].append(other)
    found: dict[int | None, list[PersonConflict]] = {}
    for mine in assignments:
        clashes = []
        for other in by_person.get(mine.person_id, []):
            if _clash(mine, other):
                start, end = assignment_span(other)
                clashes.append(PersonConflict(mine, other, start, end))
        if clashes:
            found[mine.pk] = sorted(clashes, key=lambda c: (c.start, c.other.pk))
    return found


def staff_with_conflicts(plan) -> list[StaffAssignment]:
    """The staff list, each assignment carrying `.conflicts` (a list of PersonConflict, maybe empty)."""
    staff = staff_list(plan)
    conflicts = person_conflicts(staff)
    for assignment in staff:
        assignment.conflicts = conflicts.get(assignment.pk, [])
    return staff


def assignment_conflicts(assignment: StaffAssignment) -> list[PersonConflict]:
    return person_conflicts([assignment]).get(assignment.pk, [])


def item_staff_conflicts(item: ItineraryItem) -> list[PersonConflict]:
    """The clashes of the people on one item (after the item moved)."""
    staff = list(StaffAssignment.objects.filter(item=item).select_related("person", "item", "plan__reception"))
    return [c for found in person_conflicts(staff).values() for c in found]


# ---- the page -------------------------------------------------------------------------------------------------


@dataclass
class ItineraryPage:
    days: list
    staff: list
    whole_visit_staff: list
    item_count: int
    overlap_count: int
    conflict_count: int


def itinerary_page(plan, reception=None) -> ItineraryPage:
    """Everything the 行程与人员 tab shows, in a fixed number of queries (pass the reception if it is loaded)."""
    reception = reception or plan.reception
    items = itinerary_items(plan)
    staff = staff_with_conflicts(plan)
    days = itinerary_days(reception, items, staff)
    return ItineraryPage(
        days=days,
        staff=staff,
        whole_visit_staff=[a for a in staff if not a.item_id],
        item_count=len(items),
        overlap_count=sum(day.overlaps for day in days),
        conflict_count=sum(1 for a in staff if a.conflicts),
    )


def plan_item(plan, item_id) -> ItineraryItem:
    """One item of this plan (for its edit form), else NotFound."""
    item = ItineraryItem.objects.filter(plan=plan, pk=item_id).prefetch_related("clients").first()
    if item is None:
        raise NotFound(_("找不到该行程事项。"))
    return item


def plan_assignment(plan, assignment_id) -> StaffAssignment:
    """One staff assignment of this plan (for its edit form), else NotFound."""
    assignment = StaffAssignment.objects.filter(plan=plan, pk=assignment_id).select_related("person", "item").first()
    if assignment is None:
        raise NotFound(_("找不到该人员安排。"))
    return assignment
