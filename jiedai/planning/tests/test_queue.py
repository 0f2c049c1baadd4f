"""policy 3.2.3: administration's logistics queue across all visits — by date, open items by default, filters,
setup progress, quick status changes — read a page at a time through the (start, status) indexes with a fixed
number of queries; and the free/busy of rooms, cars and drivers (policy 3.1.1)."""

import datetime
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jiedai.planning.models import Booking, Driver, LogisticsStatus, Venue
from jiedai.planning.selectors_logistics import Cursor, local_day, logistics_queue, resource_busy
from jiedai.planning.services.bookings import booking_create, booking_set_status, setup_task_toggle
from jiedai.planning.services.meals_hotels import hotel_create, meal_create, meal_set_status
from jiedai.planning.tests.factories import approved_reception
from jiedai.planning.tests.test_logistics_views import make_resources
from jiedai.receptions.models import LOCAL_TZ

pytestmark = pytest.mark.django_db

QUEUE = "/logistics/"


@pytest.fixture
def res(db):
    return make_resources()


def soon(people, days: int = 3, **overrides):
    """An approved visit starting `days` from now at 09:00 Beijing time, for a day and a half."""
    start = (
        (timezone.now() + timedelta(days=days)).astimezone(LOCAL_TZ).replace(hour=9, minute=0, second=0, microsecond=0)
    )
    return approved_reception(people, visit_start=start, visit_end=start + timedelta(days=1, hours=8), **overrides)


def local_date(moment) -> datetime.date:
    return moment.astimezone(LOCAL_TZ).date()


def everything(people, reception, res, *, venue=None, vehicle=None, hours=0):
    """A room, a car with a driver, a meal and a stay for the visit, through the services."""
    by = people["sales_rep"]
    start = reception.visit_start + timedelta(hours=hours)
    room = booking_create(
        reception_id=reception.pk,
        by=by,
        data={"kind": "venue", "venue": venue or res["big"], "start": start, "end": start + timedelta(hours=1)},
    )
    car = booking_create(
        reception_id=reception.pk,
        by=by,
        data={"kind": "vehicle", "vehicle": vehicle or res["van"], "start": start, "end": start + timedelta(hours=1)},
    )
    meal = meal_create(
        reception_id=reception.pk,
        by=by,
        data={"restaurant": res["canteen"], "start": start + timedelta(hours=3), "standard_per_head": Decimal("90")},
    )
    day = local_date(reception.visit_start)
    stay = hotel_create(
        reception_id=reception.pk,
        by=by,
        data={"hotel": res["hotel"], "check_in": day, "check_out": day + timedelta(days=1), "rooms": 2},
    )
    return room, car, meal, stay


# ---- access -----------------------------------------------------------------------------------------------


def test_the_queue_is_administrations(client, people):
    """Administration role holders and superusers only; others logged in get 403, anonymous users the login."""
    assert reverse("planning:queue") == QUEUE
    response = client.get(QUEUE)
    assert response.status_code == 302 and "login" in response["Location"]
    for username, status in (("admin_clerk", 200), ("sysadmin", 200), ("sales_rep", 403), ("admin_head", 403)):
        client.force_login(people[username])
        assert client.get(QUEUE).status_code == status, username


# ---- what it shows ----------------------------------------------------------------------------------------


def test_default_is_the_open_items_of_the_next_two_weeks_by_time(client, people, res):
    near = soon(people)
    far = soon(people, days=30, purpose="一个月后的来访")
    room, car, meal, stay = everything(people, near, res)
    everything(people, far, res)
    done = meal_create(
        reception_id=near.pk,
        by=people["sales_rep"],
        data={"place": "湖畔餐厅", "start": near.visit_start + timedelta(hours=8), "standard_per_head": Decimal("0")},
    )
    for status in ("confirmed", "done"):
        meal_set_status(reception_id=near.pk, meal_id=done.pk, by=people["admin_clerk"], status=status)
    setup_task_toggle(reception_id=near.pk, task_id=room.setup_tasks.first().pk, by=people["admin_clerk"], done=True)
    client.force_login(people["admin_clerk"])
    response = client.get(QUEUE)
    rows = response.context["rows"]
    # The stay counts from its check-in day's midnight, then the room and the car (same moment: by table, id).
    assert [(r.kind, r.obj.pk) for r in rows] == [
        ("hotel", stay.pk),
        ("venue", room.pk),
        ("vehicle", car.pk),
        ("meal", meal.pk),
    ]
    html = response.content.decode()
    assert near.number in html and far.number not in html
    assert "1/6" in html  # setup progress
    assert html.count('name="status" value="confirmed"') == 4  # 落实 on each row, each row rendered once
    assert len(re.findall(r'id="queue-(?:venue|vehicle|meal|hotel)-', html)) == 4
    assert str(near.host_department) in html
    # All statuses, the done meal included; the range reaching the far visit.
    response = client.get(QUEUE, {"status": "all"})
    assert done.pk in [r.obj.pk for r in response.context["rows"] if r.kind == "meal"]
    response = client.get(
        QUEUE, {"date_from": local_date(far.visit_start).isoformat(), "date_to": local_date(far.visit_end).isoformat()}
    )
    assert {r.reception.pk for r in response.context["rows"]} == {far.pk}
    response = client.get(QUEUE, {"kind": "vehicle", "date_to": (local_date(far.visit_end)).isoformat()})
    assert [r.kind for r in response.context["rows"]] == ["vehicle", "vehicle"]
    response = client.get(QUEUE, {"status": "done", "kind": "meal"})
    assert [r.obj.pk for r in response.context["rows"]] == [done.pk]


def test_bad_filters_fall_back_to_the_defaults(client, people):
    client.force_login(people["admin_clerk"])
    response = client.get(
        QUEUE, {"date_from": "2026-02-30", "date_to": "x", "kind": "boat", "status": "lost", "after": "1.x"}
    )
    assert response.status_code == 200
    today = timezone.now().astimezone(LOCAL_TZ).date()
    assert (response.context["date_from"], response.context["date_to"]) == (today, today + timedelta(days=14))
    response = client.get(QUEUE, {"date_from": "2030-01-10", "date_to": "2030-01-01"})
    assert (response.context["date_from"], response.context["date_to"]) == (
        datetime.date(2030, 1, 1),
        datetime.date(2030, 1, 10),
    )


def test_quick_status_change_returns_to_the_filtered_queue(client, people, res):
    near = soon(people)
    room, car, meal, stay = everything(people, near, res)
    client.force_login(people["admin_clerk"])
    here = QUEUE + "?kind=meal"
    response = client.post(
        reverse("planning:meal_status", args=[near.pk, meal.pk]), {"status": "confirmed", "next": here}
    )
    assert response.status_code == 302 and response["Location"] == here
    meal.refresh_from_db()
    assert meal.status == "confirmed"
    response = client.post(
        reverse("planning:booking_status", args=[near.pk, car.pk]),
        {"status": "confirmed", "next": "https://evil.example/"},
    )
    assert response["Location"].startswith(reverse("planning:logistics", args=[near.pk]))
    # A tick in the queue's folded checklist comes back unfolded with the new progress.
    task = room.setup_tasks.first()
    response = client.post(
        reverse("planning:setup_toggle", args=[near.pk, task.pk]),
        {"done": "1", "collapsible": "1", "next": QUEUE},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert "<details" in html and " open" in html and "1/6" in html


def test_each_row_once_and_one_form_per_setup_checklist(client, people, res):
    """The queue stays light (policy 3.2.3: administration works through it all day): a row is rendered once (a row
    of columns on a desktop, a card on a phone), and a room's setup checklist is one form whose buttons name their
    line, not a form (with its own CSRF token) per line."""
    near = soon(people)
    room, car, meal, stay = everything(people, near, res)
    first, second = room.setup_tasks.order_by("id")[:2]
    setup_task_toggle(reception_id=near.pk, task_id=first.pk, by=people["admin_clerk"], done=True)
    client.force_login(people["admin_clerk"])
    html = client.get(QUEUE).content.decode()
    assert html.count(f'id="queue-venue-{room.pk}"') == 1
    assert html.count(f'data-setup-checklist="{room.pk}"') == 1
    checklist = html[html.index(f'data-setup-checklist="{room.pk}"') :]
    checklist = checklist[: checklist.index("</form>")]
    assert checklist.count("<form") == 1 and checklist.count("csrfmiddlewaretoken") == 1
    assert f'action="{reverse("planning:setup_checklist", args=[near.pk])}"' in checklist
    assert 'hx-target="closest [data-setup-checklist]"' in checklist
    assert f'name="untick" value="{first.pk}" aria-pressed="true"' in checklist
    assert f'name="tick" value="{second.pk}" aria-pressed="false"' in checklist
    assert checklist.count('name="tick"') == 5 and "1/6" in checklist


def test_a_checklist_button_ticks_its_line_in_place_or_returns_to_the_queue(client, people, res):
    """policy 3.2.3: with htmx the checklist comes back unfolded in place; without JS the queue comes back. The
    state is explicit (tick / untick): a double click or a stale page never flips a line back."""
    near = soon(people)
    room, car, meal, stay = everything(people, near, res)
    task = room.setup_tasks.order_by("id").first()
    url = reverse("planning:setup_checklist", args=[near.pk])
    client.force_login(people["admin_clerk"])
    for _twice in range(2):
        response = client.post(
            url, {"tick": task.pk, "collapsible": "1", "next": QUEUE}, headers={"HX-Request": "true"}
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert "<details" in html and " open" in html and "1/6" in html
        assert f'name="untick" value="{task.pk}"' in html and f'name="next" value="{QUEUE}"' in html
    task.refresh_from_db()
    assert task.done_by == people["admin_clerk"] and task.done_at is not None
    response = client.post(url, {"untick": task.pk, "next": QUEUE + "?kind=venue"})
    assert response.status_code == 302 and response["Location"] == QUEUE + "?kind=venue"
    task.refresh_from_db()
    assert task.done_at is None and task.done_by is None
    # No line named, or a made-up one: a warning and back, nothing ticked.
    for data in ({}, {"tick": "x"}, {"tick": "9" * 40}, {"untick": "-1"}):
        response = client.post(url, {**data, "next": QUEUE})
        assert response.status_code == 302 and response["Location"] == QUEUE, data
    assert not room.setup_tasks.filter(done_at__isnull=False).exists()
    # A line of another visit's room is not this plan's.
    other = soon(people, purpose="另一批来访")
    theirs, *_rest = everything(people, other, res, venue=res["spare"], vehicle=res["car"], hours=4)
    assert client.post(url, {"tick": theirs.setup_tasks.first().pk}).status_code == 404
    # Only administration and the plan's editors tick (the matrix walks every role).
    client.force_login(people["sales_head"])
    assert client.post(url, {"tick": task.pk}).status_code == 403
    assert client.post(url, {}).status_code == 403


# ---- paging without counting ------------------------------------------------------------------------------


def test_pages_follow_each_other_without_gaps_or_repeats(people, res):
    """Rows at the same moment in different tables (a room and a meal at 12:00, stays at midnight) page cleanly."""
    near = soon(people)
    by = people["sales_rep"]
    noon = near.visit_start + timedelta(hours=3)
    expected = []
    for i in range(3):
        venue = Venue.objects.create(name=f"临时会议室{i}", capacity=8)
        expected.append(
            booking_create(
                reception_id=near.pk,
                by=by,
                data={"kind": "venue", "venue": venue, "start": noon, "end": noon + timedelta(hours=1)},
            )
        )
        expected.append(
            meal_create(
                reception_id=near.pk,
                by=by,
                data={"place": f"餐厅{i}", "start": noon, "standard_per_head": Decimal("50")},
            )
        )
        day = local_date(near.visit_start)
        expected.append(
            hotel_create(
                reception_id=near.pk,
                by=by,
                data={"hotel": res["hotel"], "check_in": day, "check_out": day + timedelta(days=1), "rooms": 1},
            )
        )
    day = local_date(near.visit_start)
    seen, after = [], None
    for _page in range(20):
        page = logistics_queue(date_from=day, date_to=day + timedelta(days=2), after=after, per_page=2)
        seen += [(type(r.obj).__name__, r.obj.pk) for r in page.rows]
        if not page.has_next:
            break
        after = page.next_cursor
    assert len(seen) == len(set(seen)) == 9
    assert sorted(seen) == sorted((type(o).__name__, o.pk) for o in expected)
    # Hotels (midnight) first, then the rooms (bookings sort before meals at the same moment), then the meals.
    assert [kind for kind, _ in seen] == ["HotelStay"] * 3 + ["Booking"] * 3 + ["Meal"] * 3


def test_cursor_round_trip_and_garbage():
    at = datetime.datetime(2026, 5, 20, 1, 2, 3, 456789, tzinfo=datetime.UTC)
    cursor = Cursor(at, 1, 42)
    assert Cursor.decode(cursor.encode()) == cursor
    for garbage in ("", "1.2", "a.b.c", "1.7.3", "9" * 30 + ".0.1", None):
        assert Cursor.decode(garbage) is None


# ---- queries ----------------------------------------------------------------------------------------------

# session, user, the administration role, bookings, their setup checklists, meals, stays, and the navigation's
# counters (to-dos, notifications) and the user's department in base.html
QUEUE_QUERIES = 10


def test_the_queue_reads_a_fixed_number_of_bounded_queries(client, people, res, django_assert_num_queries):
    """A page costs the same at 1 and at many rows, and no query counts or reads beyond one page plus one row of
    each table (the bookings table may hold a million rows)."""
    near = soon(people)
    everything(people, near, res)
    client.force_login(people["admin_clerk"])
    with django_assert_num_queries(QUEUE_QUERIES):
        response = client.get(QUEUE)
    assert len(response.context["rows"]) == 4
    for i in range(1, 15):
        everything(
            people,
            near,
            res,
            venue=Venue.objects.create(name=f"会议室{i}", capacity=10),
            vehicle=res["van"].__class__.objects.create(name=f"车{i}", plate=f"沪C{i:05}", seats=7),
            hours=i,
        )
    with django_assert_num_queries(QUEUE_QUERIES):
        response = client.get(QUEUE)
    assert len(response.context["rows"]) == 50 and response.context["page"].has_next
    # and light: each row once, one form per checklist (it weighed ~280 KB with a table and phone cards)
    assert len(response.content) < 150_000, len(response.content)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(QUEUE, {"after": response.context["page"].next_cursor})
    assert len(queries) == QUEUE_QUERIES
    assert len(response.context["rows"]) == 60 - 50
    logistics = [q["sql"] for q in queries if re.search(r'FROM "planning_(booking|meal|hotelstay)"', q["sql"])]
    assert len(logistics) == 3
    for sql in logistics:
        assert "COUNT(" not in sql.upper() and "LIMIT 51" in sql, sql


# ---- free / busy ------------------------------------------------------------------------------------------


def test_resource_busy_lists_live_bookings_per_resource_in_two_queries(people, res, django_assert_num_queries):
    """policy 3.1.1: what holds a room, car or driver — the same rule as the double-booking check (cancelled
    bookings free the slot)."""
    first = soon(people)
    second = soon(people, purpose="同时段另一批")
    by = people["sales_rep"]
    start = first.visit_start
    held = booking_create(
        reception_id=first.pk,
        by=by,
        data={"kind": "venue", "venue": res["big"], "start": start, "end": start + timedelta(hours=2)},
    )
    freed = booking_create(
        reception_id=second.pk,
        by=by,
        data={"kind": "venue", "venue": res["spare"], "start": start, "end": start + timedelta(hours=2)},
    )
    booking_set_status(reception_id=second.pk, booking_id=freed.pk, by=by, status="cancelled")
    booking_create(
        reception_id=second.pk,
        by=by,
        data={
            "kind": "vehicle",
            "vehicle": res["van"],
            "driver": res["wang"],
            "start": start + timedelta(hours=1),
            "end": start + timedelta(hours=3),
        },
    )
    with django_assert_num_queries(2):
        venues = resource_busy(Venue, start, start + timedelta(hours=1))
    busy = {row.resource.name: row for row in venues}
    assert [s.booking_id for s in busy["一号会议室"].slots] == [held.pk]
    assert busy["一号会议室"].slots[0].reception_number == first.number
    assert busy["二号会议室"].is_free and busy["小洽谈室"].is_free
    drivers = {row.resource.name: row.slots for row in resource_busy(Driver, start, start + timedelta(hours=1))}
    assert drivers["王师傅"] == [] and drivers["李师傅"] == []  # back to back: [start, start+1h) ends as it begins
    drivers = {row.resource.name: row.slots for row in resource_busy(Driver, *local_day(local_date(start)))}
    assert [s.reception_number for s in drivers["王师傅"]] == [second.number]
    Booking.objects.update(status=LogisticsStatus.DONE)  # done still held the slot
    assert not {r.resource.name: r for r in resource_busy(Venue, start, start + timedelta(hours=1))}[
        "一号会议室"
    ].is_free


def test_resources_page_shows_only_the_visit_number_outside_administration(client, people, res):
    near = soon(people)
    everything(people, near, res)
    day = local_date(near.visit_start).isoformat()
    url = reverse("planning:resources")
    assert url == "/logistics/resources/"
    client.force_login(people["tech_eng"])  # another department: may see what is busy, not whose visit in detail
    html = client.get(url, {"date": day}).content.decode()
    assert near.number in html
    assert str(near.host_department) not in html
    assert reverse("planning:logistics", args=[near.pk]) not in html
    client.force_login(people["admin_clerk"])
    html = client.get(url, {"date": day}).content.decode()
    assert str(near.host_department) in html and reverse("planning:logistics", args=[near.pk]) in html
    response = client.get(url, {"date": "2026-02-30"})
    assert response.status_code == 200 and response.context["day"] == timezone.now().astimezone(LOCAL_TZ).date()


def test_resources_page_reads_a_fixed_number_of_queries(client, people, res):
    near = soon(people)
    client.force_login(people["tech_eng"])
    day = local_date(near.visit_start).isoformat()
    url = reverse("planning:resources")
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"date": day})
    everything(people, near, res)
    everything(people, near, res, venue=res["spare"], vehicle=res["car"], hours=2)
    with CaptureQueriesContext(connection) as more:
        response = client.get(url, {"date": day})
    assert len(few) == len(more)
    assert sum(len(row["bars"]) for group in response.context["groups"] for row in group["rows"]) == 4
