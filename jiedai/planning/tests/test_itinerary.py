"""policy 3.1.1: the plan's itinerary (items by day and time, inside the approved visit; free time and overlaps
shown) and its staffing (lead, escorts, guides, drivers, workers with duties; nobody in two places at once — a
warning, not a refusal). Every change is recorded on the plan (policy 3.1.2)."""

import datetime
from datetime import timedelta

import pytest
from django.utils import timezone

from jiedai.approvals.models import ApprovalTask, TaskStatus
from jiedai.approvals.services import approval_task_decide
from jiedai.core.errors import ConflictError, Forbidden, NotFound, ValidationFailed
from jiedai.planning.models import (
    Booking,
    ItineraryItem,
    PlanAction,
    PlanHistory,
    PlanStatus,
    SiteArea,
    StaffAssignment,
    Venue,
)
from jiedai.planning.review import plan_submit
from jiedai.planning.selectors_itinerary import (
    itinerary_days,
    itinerary_items,
    overlaps_of,
    person_conflicts,
    staff_with_conflicts,
)
from jiedai.planning.services.bookings import booking_create
from jiedai.planning.services.itinerary import (
    item_create,
    item_delete,
    item_update,
    staff_assign,
    staff_remove,
    staff_update,
)
from jiedai.planning.services.plan import plan_ensure
from jiedai.planning.tests.factories import approved_reception, attach_emergency
from jiedai.receptions.models import LOCAL_TZ, ClientContact

pytestmark = pytest.mark.django_db

CLIENTS = [
    {"name": "林海", "organization": "华东精密机械有限公司", "title": "采购总监", "phone": "13800000000"},
    {"name": "高远", "organization": "华东精密机械有限公司", "title": "技术经理", "phone": "13800000001"},
]


def first_day() -> datetime.date:
    return (timezone.now() + timedelta(days=40)).astimezone(LOCAL_TZ).date()


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    """Beijing wall-clock time on day `day` (1-based) of the visit."""
    date = first_day() + timedelta(days=day - 1)
    return datetime.datetime.combine(date, datetime.time(hour, minute), tzinfo=LOCAL_TZ)


def visit(people, **overrides):
    """An approved two-day visit: day 1 09:00 to day 2 18:00, Beijing time, two clients."""
    data = {"visit_start": at(1, 9), "visit_end": at(2, 18), "clients": CLIENTS, **overrides}
    return approved_reception(people, **data)


def item(people, reception, start, end, title="欢迎会", kind="welcome", by="sales_rep", **extra):
    data = {"kind": kind, "title": title, "start": start, "end": end, **extra}
    return item_create(reception_id=reception.pk, by=people[by], data=data)


def assign(people, reception, person, role="escort", on=None, by="sales_rep", **extra):
    data = {"person": people[person], "role": role, "item": on, **extra}
    return staff_assign(reception_id=reception.pk, by=people[by], data=data)


def last_summary(reception) -> str:
    return PlanHistory.objects.filter(plan__reception=reception).order_by("-id").first().summary


# ---- items ------------------------------------------------------------------------------------------------------


def test_item_inside_the_visit_is_added_and_recorded(people):
    reception = visit(people)
    contact = reception.client_links.first().contact
    created = item(people, reception, at(1, 9), at(1, 10), place="一号会议室", clients=[contact])
    assert created.plan == plan_ensure(reception)
    assert list(created.clients.all()) == [contact]
    assert last_summary(reception) == f"新增行程：{at(1, 9):%m-%d} 09:00 欢迎会"
    plan = plan_ensure(reception)
    assert plan.version == 2  # record_change bumped it
    assert plan.history.filter(action=PlanAction.CHANGED).count() == 1


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ((1, 8), (1, 10), "start"),  # starts before the visit
        ((2, 17), (2, 19), "start"),  # ends after it
        ((1, 11), (1, 10), "end"),  # ends before it starts
        ((1, 11), (1, 11), "end"),  # no length
    ],
)
def test_item_outside_the_visit_or_ending_before_it_starts_is_refused(people, start, end, field):
    reception = visit(people)
    with pytest.raises(ValidationFailed) as exc:
        item(people, reception, at(*start), at(*end))
    assert field in exc.value.errors
    if field == "start":
        assert "批准的来访时间" in exc.value.errors["start"][0]
    assert not ItineraryItem.objects.exists()


def test_item_needs_a_kind_a_title_and_times(people):
    reception = visit(people)
    with pytest.raises(ValidationFailed) as exc:
        item_create(reception_id=reception.pk, by=people["sales_rep"], data={"kind": "party", "title": "  "})
    assert set(exc.value.errors) == {"kind", "title", "start", "end"}


def test_site_area_only_on_a_site_visit_and_only_while_active(people):
    reception = visit(people)
    line = SiteArea.objects.create(name="总装车间")
    closed = SiteArea.objects.create(name="老厂房", is_active=False)
    with pytest.raises(ValidationFailed) as exc:
        item(people, reception, at(1, 10), at(1, 11), kind="meeting", site_area=line)
    assert "site_area" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        item(people, reception, at(1, 10), at(1, 11), kind="site_visit", site_area=closed)
    assert "site_area" in exc.value.errors
    tour = item(people, reception, at(1, 10), at(1, 11), title="参观总装线", kind="site_visit", site_area=line)
    # An area disabled later stays on its item, which can still be edited.
    SiteArea.objects.filter(pk=line.pk).update(is_active=False)
    tour = item_update(reception_id=reception.pk, item_id=tour.pk, by=people["sales_rep"], data={"title": "参观总装"})
    assert tour.site_area == line
    # Turned into another kind of item, it leaves the area behind.
    tour = item_update(reception_id=reception.pk, item_id=tour.pk, by=people["sales_rep"], data={"kind": "meeting"})
    assert tour.site_area is None


def test_only_this_visits_clients_take_part(people):
    reception = visit(people)
    other = visit(people, clients=[{"name": "钱多", "organization": "远方贸易公司", "title": "", "phone": "1"}])
    stranger = other.client_links.first().contact
    with pytest.raises(ValidationFailed) as exc:
        item(people, reception, at(1, 10), at(1, 11), clients=[stranger])
    assert "clients" in exc.value.errors


def test_partial_update_keeps_the_rest_and_records_the_move(people):
    reception = visit(people)
    contact = ClientContact.objects.get(name="林海")
    meeting = item(people, reception, at(1, 10), at(1, 11), title="洽谈", kind="meeting", clients=[contact])
    meeting = item_update(
        reception_id=reception.pk,
        item_id=meeting.pk,
        by=people["sales_rep"],
        data={"start": at(1, 14), "end": at(1, 16)},
    )
    meeting.refresh_from_db()
    assert (meeting.title, meeting.kind, list(meeting.clients.all())) == ("洽谈", "meeting", [contact])
    assert last_summary(reception) == f"修改行程：{at(1, 10):%m-%d} 10:00 洽谈 → {at(1, 14):%m-%d} 14:00 洽谈"
    with pytest.raises(ValidationFailed):
        item_update(reception_id=reception.pk, item_id=meeting.pk, by=people["sales_rep"], data={"end": at(1, 13)})


def test_deleting_an_item_deletes_its_staff_and_unlinks_its_bookings(people):
    reception = visit(people)
    tour = item(people, reception, at(1, 10), at(1, 12), title="工厂参观", kind="site_visit")
    assign(people, reception, "sales_rep", role="lead")
    assign(people, reception, "tech_eng", role="guide", on=tour)
    room = Venue.objects.create(name="一号会议室", capacity=10)
    booking = booking_create(
        reception_id=reception.pk,
        by=people["sales_rep"],
        data={"kind": "venue", "venue": room, "item": tour, "start": at(1, 10), "end": at(1, 12)},
    )
    item_delete(reception_id=reception.pk, item_id=tour.pk, by=people["sales_rep"])
    assert not ItineraryItem.objects.exists()
    assert list(StaffAssignment.objects.values_list("role", flat=True)) == ["lead"]
    assert Booking.objects.get(pk=booking.pk).item is None
    assert last_summary(reception) == f"删除行程：{at(1, 10):%m-%d} 10:00 工厂参观（及其 1 项人员安排）"


def test_only_editors_change_the_itinerary_and_outsiders_do_not_see_it(people):
    reception = visit(people)
    with pytest.raises(Forbidden):  # the host head reads the plan but does not write it
        item(people, reception, at(1, 10), at(1, 11), by="sales_head")
    with pytest.raises(NotFound):  # tech is not involved in this visit
        item(people, reception, at(1, 10), at(1, 11), by="tech_eng")
    other = visit(people)
    foreign = item(people, other, at(1, 10), at(1, 11))
    with pytest.raises(NotFound):  # an item of another plan is not this plan's
        item_update(reception_id=reception.pk, item_id=foreign.pk, by=people["sales_rep"], data={"title": "x"})
    with pytest.raises(NotFound):
        item_delete(reception_id=reception.pk, item_id=foreign.pk, by=people["sales_rep"])


def test_the_lead_named_on_an_important_request_edits_too(people):
    reception = approved_reception(people, lead=people["tech_eng"])
    start = reception.visit_start
    created = item(people, reception, start, start + timedelta(hours=1), by="tech_eng")
    assert created.pk


def _submitted(people, reception):
    welcome = item(people, reception, at(1, 9), at(1, 10))
    assign(people, reception, "sales_rep", role="lead", is_client_contact=True)
    attach_emergency(people, reception.pk)
    plan_submit(reception_id=reception.pk, by=people["sales_rep"])
    return welcome


def test_plan_under_review_cannot_change_and_confirmed_changes_are_announced(people):
    reception = visit(people)
    welcome = _submitted(people, reception)
    with pytest.raises(ConflictError):
        item(people, reception, at(1, 14), at(1, 15))
    with pytest.raises(ConflictError):
        assign(people, reception, "tech_eng")
    task = ApprovalTask.objects.get(document_type="reception_plan", status=TaskStatus.PENDING)
    approval_task_decide(task_id=task.pk, by=task.assignee, decision="approve", comment="")
    assert plan_ensure(reception).status == PlanStatus.CONFIRMED
    item_update(reception_id=reception.pk, item_id=welcome.pk, by=people["sales_rep"], data={"title": "欢迎仪式"})
    entry = PlanHistory.objects.filter(plan__reception=reception).order_by("-id").first()
    assert entry.action == PlanAction.CHANGED_AFTER_CONFIRMATION
    assert "欢迎仪式" in entry.summary


# ---- staff ------------------------------------------------------------------------------------------------------


def test_staff_for_the_whole_visit_or_one_item_with_duties(people):
    reception = visit(people)
    tour = item(people, reception, at(1, 10), at(1, 12), title="工厂参观", kind="site_visit")
    lead = assign(people, reception, "sales_rep", role="lead", duty="总负责", is_client_contact=True)
    guide = assign(people, reception, "tech_eng", role="guide", on=tour, duty="生产线讲解")
    assert (lead.item, lead.is_client_contact, guide.item) == (None, True, tour)
    assert last_summary(reception) == f"新增人员：张伟（讲解人员）· {at(1, 10):%m-%d} 10:00 工厂参观"
    guide = staff_update(
        reception_id=reception.pk, assignment_id=guide.pk, by=people["sales_rep"], data={"duty": "总装线讲解"}
    )
    assert (guide.duty, guide.item, guide.role) == ("总装线讲解", tour, "guide")
    staff_remove(reception_id=reception.pk, assignment_id=guide.pk, by=people["sales_rep"])
    assert last_summary(reception) == f"删除人员：张伟（讲解人员）· {at(1, 10):%m-%d} 10:00 工厂参观"
    assert StaffAssignment.objects.count() == 1


def test_one_lead_for_the_whole_visit(people):
    reception = visit(people)
    tour = item(people, reception, at(1, 10), at(1, 12), title="工厂参观")
    with pytest.raises(ValidationFailed) as exc:
        assign(people, reception, "sales_rep", role="lead", on=tour)
    assert "item" in exc.value.errors
    assign(people, reception, "sales_rep", role="lead")
    with pytest.raises(ValidationFailed) as exc:
        assign(people, reception, "sales_head", role="lead")
    assert "王小明" in exc.value.errors["role"][0]


def test_staff_input_is_checked(people):
    reception = visit(people)
    other_item = item(people, visit(people), at(1, 10), at(1, 11))
    with pytest.raises(ValidationFailed) as exc:
        staff_assign(reception_id=reception.pk, by=people["sales_rep"], data={"role": "chef", "item": other_item})
    assert set(exc.value.errors) == {"person", "role", "item"}
    kept = assign(people, reception, "tech_eng", role="guide")
    people["tech_eng"].is_active = False
    people["tech_eng"].save(update_fields=["is_active"])
    with pytest.raises(ValidationFailed) as exc:  # nobody who has left is put on a plan
        assign(people, reception, "tech_eng")
    assert "person" in exc.value.errors
    # ...but their existing duty can still be edited.
    kept = staff_update(reception_id=reception.pk, assignment_id=kept.pk, by=people["sales_rep"], data={"duty": "交接"})
    assert kept.duty == "交接"
    assign(people, reception, "sales_head", duty="x" * 200)
    with pytest.raises(ValidationFailed) as exc:  # the same person, role and place twice
        assign(people, reception, "sales_head")
    assert "person" in exc.value.errors


def test_person_on_two_overlapping_items_of_the_visit_is_warned_not_refused(people):
    reception = visit(people)
    tour = item(people, reception, at(1, 10), at(1, 12), title="工厂参观", kind="site_visit")
    lunch = item(people, reception, at(1, 11, 30), at(1, 13), title="午餐", kind="meal")
    after = item(people, reception, at(1, 12), at(1, 13), title="技术交流", kind="meeting")
    first = assign(people, reception, "tech_eng", role="guide", on=tour)
    assert first.conflicts == []
    second = assign(people, reception, "tech_eng", role="escort", on=lunch)
    assert [c.other.pk for c in second.conflicts] == [first.pk]
    assert second.conflicts[0].where == "同时段已安排在本次接待的『工厂参观』"
    # Back to back is fine (12:00 end, 12:00 start); a whole-visit duty includes its own visit's items.
    assert assign(people, reception, "sales_head", on=tour).conflicts == []
    assert assign(people, reception, "sales_head", on=after).conflicts == []
    assert assign(people, reception, "tech_eng", role="escort").conflicts == []
    assert StaffAssignment.objects.filter(person=people["tech_eng"]).count() == 3


def test_person_busy_in_another_visit_is_warned_with_where(people):
    reception = visit(people)
    other = visit(people, purpose="第二批客户来访")
    tour = item(people, other, at(1, 10), at(1, 12), title="工厂参观", kind="site_visit")
    assign(people, other, "tech_eng", role="guide", on=tour)
    assign(people, other, "sales_head", role="escort")  # the other visit as a whole
    meeting = item(people, reception, at(1, 11), at(1, 12), title="技术交流", kind="meeting")
    evening = item(people, reception, at(1, 12), at(1, 14), title="午餐", kind="meal")
    clash = assign(people, reception, "tech_eng", role="guide", on=meeting)
    assert [c.where for c in clash.conflicts] == [f"同时段已安排在 {other.number} 的『工厂参观』"]
    assert clash.conflicts[0].when == f"{at(1, 10):%m-%d} 10:00–12:00"
    assert other.number in clash.conflicts[0].message and "张伟" in clash.conflicts[0].message
    assert assign(people, reception, "tech_eng", role="escort", on=evening).conflicts == []
    whole = assign(people, reception, "sales_head", role="escort")
    assert [c.where for c in whole.conflicts] == [f"同时段已安排在 {other.number}（全程陪同人员）"]
    assert whole.conflicts[0].as_dict()["reception_number"] == other.number
    # Both plans show it on their staff lists.
    mine = {a.person.username: a.conflicts for a in staff_with_conflicts(plan_ensure(reception))}
    theirs = {a.person.username: a.conflicts for a in staff_with_conflicts(plan_ensure(other))}
    assert len(mine["tech_eng"]) == 1 and len(mine["sales_head"]) == 1
    assert any(c.reception == reception for c in theirs["tech_eng"])


def test_visits_on_other_days_do_not_clash(people):
    reception = visit(people)
    later = approved_reception(people, visit_start=at(5, 9), visit_end=at(5, 18), clients=CLIENTS)
    assign(people, later, "tech_eng")
    assert assign(people, reception, "tech_eng").conflicts == []


def test_moving_an_item_warns_about_its_peoples_clashes(people):
    reception = visit(people)
    tour = item(people, reception, at(1, 10), at(1, 11), title="工厂参观", kind="site_visit")
    lunch = item(people, reception, at(1, 12), at(1, 13), title="午餐", kind="meal")
    assign(people, reception, "tech_eng", on=tour)
    assign(people, reception, "tech_eng", on=lunch)
    moved = item_update(
        reception_id=reception.pk, item_id=lunch.pk, by=people["sales_rep"], data={"start": at(1, 10, 30)}
    )
    assert [c.other.item_id for c in moved.staff_conflicts] == [tour.pk]
    renamed = item_update(reception_id=reception.pk, item_id=lunch.pk, by=people["sales_rep"], data={"title": "便餐"})
    assert renamed.staff_conflicts == []  # not moved: nothing new to say


# ---- the day view -----------------------------------------------------------------------------------------------


def test_day_view_one_section_per_day_with_gaps_and_overlaps(people):
    reception = visit(people)
    welcome = item(people, reception, at(1, 9), at(1, 10))
    tour = item(people, reception, at(1, 10, 15), at(1, 12), title="工厂参观", kind="site_visit")
    short = item(people, reception, at(1, 10, 30), at(1, 11), title="样品展示", kind="other")
    lunch = item(people, reception, at(1, 13), at(1, 14), title="午餐", kind="meal")
    hotel = item(people, reception, at(1, 21), at(2, 8), title="入住酒店", kind="lodging")
    farewell = item(people, reception, at(2, 16), at(2, 17), title="送别", kind="farewell")
    guide = assign(people, reception, "tech_eng", role="guide", on=tour)
    plan = plan_ensure(reception)
    staff = staff_with_conflicts(plan)
    days = itinerary_days(reception, itinerary_items(plan), staff)
    assert [(d.date, d.number) for d in days] == [(at(1, 0).date(), 1), (at(2, 0).date(), 2)]
    one, two = days
    assert [e.item for e in one.entries] == [welcome, tour, short, lunch, hotel]
    gaps = {e.item.title: e.gap_before.minutes for e in one.entries if e.gap_before}
    # 15 minutes after the welcome is not shown; the sample show inside the tour leaves no gap; lunch after the
    # tour (not after the short item) is an hour later; the hotel in the evening.
    assert gaps == {"午餐": 60, "入住酒店": 420}
    assert [e.item for e in one.entries if e.overlaps] == [tour, short]
    assert one.entries[1].staff == [guide]
    assert one.entries[3].gap_before.label == "1 小时"
    assert [e.item for e in two.entries] == [farewell]  # the night's stay is listed under the day it starts
    assert two.entries[0].gap_before is None


def test_overlaps_are_half_open():
    def at_(h, m=0):
        return datetime.datetime(2026, 10, 9, h, m, tzinfo=LOCAL_TZ)

    items = [
        ItineraryItem(pk=1, start=at_(9), end=at_(10)),
        ItineraryItem(pk=2, start=at_(10), end=at_(11)),
        ItineraryItem(pk=3, start=at_(9, 30), end=at_(12)),
    ]
    found = overlaps_of(items)
    assert sorted(i.pk for i in found[1]) == [3]
    assert sorted(i.pk for i in found[2]) == [3]
    assert sorted(i.pk for i in found[3]) == [1, 2]


def test_person_conflicts_of_nothing_is_nothing(db):
    assert person_conflicts([]) == {}
