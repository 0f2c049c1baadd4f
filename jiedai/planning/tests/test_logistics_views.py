"""The plan's 场地·车辆·食宿 tab (policy 3.1.1: venues with a setup checklist, vehicles with drivers, meals with the
clients' dietary needs, hotel rooms; 3.2.3: administration carries them out): forms, the clash panel with its free
alternatives, status changes, the checklist, access and a fixed number of queries."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from jiedai.planning.models import (
    Booking,
    Driver,
    Hotel,
    HotelStay,
    Meal,
    NeedKind,
    PlanStatus,
    Restaurant,
    SetupTask,
    SpecialNeed,
    Vehicle,
    Venue,
)
from jiedai.planning.services.bookings import booking_create, booking_set_status
from jiedai.planning.services.meals_hotels import hotel_create, meal_create
from jiedai.planning.tests.factories import approved_reception, plan_for
from jiedai.receptions.models import LOCAL_TZ

pytestmark = pytest.mark.django_db


def make_resources() -> dict:
    """The demo company's rooms, cars, drivers, a restaurant and a hotel (administration's master data)."""
    return {
        "big": Venue.objects.create(name="一号会议室", capacity=20, location="A 座 3 楼", equipment="投影、音响"),
        "small": Venue.objects.create(name="小洽谈室", capacity=4),
        "spare": Venue.objects.create(name="二号会议室", capacity=12, equipment="电视屏"),
        "van": Vehicle.objects.create(name="商务车", plate="沪A12345", seats=6),
        "car": Vehicle.objects.create(name="轿车", plate="沪A54321", seats=2),
        "wang": Driver.objects.create(name="王师傅", phone="13900000001"),
        "li": Driver.objects.create(name="李师傅", phone="13900000002"),
        "canteen": Restaurant.objects.create(name="公司餐厅", address="B 座 1 楼"),
        "hotel": Hotel.objects.create(name="园区酒店", address="科技路 1 号"),
    }


@pytest.fixture
def res(db):
    return make_resources()


def local(dt) -> str:
    return dt.astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")


def login(client, people, username):
    client.force_login(people[username])
    return client


def tab(reception) -> str:
    return reverse("planning:logistics", args=[reception.pk])


def venue_post(reception, venue, hours=(1, 3), **extra) -> dict:
    start = reception.visit_start
    return {
        "kind": "venue",
        "venue": str(venue.pk),
        "start": local(start + timedelta(hours=hours[0])),
        "end": local(start + timedelta(hours=hours[1])),
        "headcount": "3",
        "notes": "",
        **extra,
    }


def book_room(people, reception, venue, hours=(0, 1)) -> Booking:
    """The requester books a room from hours[0] to hours[1] after the visit starts."""
    start = reception.visit_start
    data = {
        "kind": "venue",
        "venue": venue,
        "start": start + timedelta(hours=hours[0]),
        "end": start + timedelta(hours=hours[1]),
    }
    return booking_create(reception_id=reception.pk, by=people["sales_rep"], data=data)


def two_visits(people):
    return approved_reception(people), approved_reception(people, purpose="第二批客户来访")


# ---- venues, the clash panel and its alternatives ---------------------------------------------------------


def test_editor_books_a_room_and_gets_its_setup_checklist(client, people, res):
    """policy 3.1.1: a venue booking carries the setup checklist administration works through."""
    reception = approved_reception(people)
    login(client, people, "sales_rep")
    page = client.get(reverse("planning:booking_create", args=[reception.pk]) + "?kind=venue")
    assert page.status_code == 200
    assert "一号会议室 · 20人 · A 座 3 楼 · 投影、音响" in page.content.decode()
    response = client.post(reverse("planning:booking_create", args=[reception.pk]), venue_post(reception, res["big"]))
    assert response.status_code == 302
    assert response["Location"] == tab(reception) + "#venues"
    booking = Booking.objects.get()
    assert (booking.kind, booking.venue, booking.created_by) == ("venue", res["big"], people["sales_rep"])
    assert booking.setup_tasks.count() == 6
    page = client.get(tab(reception)).content.decode()
    assert "一号会议室" in page and "0/6" in page


def test_a_taken_room_names_the_holder_and_one_click_books_a_free_one(client, people, res):
    """policy 3.1.1: a clash tells which visit holds the slot and offers the free rooms that seat the group; a
    button re-submits the same form with that room."""
    first, second = two_visits(people)
    book_room(people, first, res["big"], hours=(1, 3))
    login(client, people, "sales_rep")
    url = reverse("planning:booking_create", args=[second.pk])
    data = venue_post(second, res["big"], (2, 4), notes="需要欢迎屏")
    response = client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert first.number in html
    clash = response.context["clash"]
    assert clash["holder"] == first.number
    [group] = clash["groups"]
    assert group.button == "pick_venue"
    assert [name for _, name, _ in group.options] == ["小洽谈室", "二号会议室"]  # seat 3, smallest first
    assert f'name="pick_venue" value="{res["spare"].pk}"' in html
    assert Booking.objects.filter(plan__reception=second).count() == 0
    # The button sends the whole form again with the free room picked.
    response = client.post(url, {**data, "pick_venue": str(res["spare"].pk)})
    assert response.status_code == 302
    booking = Booking.objects.get(plan__reception=second)
    assert (booking.venue, booking.notes) == (res["spare"], "需要欢迎屏")


def test_a_busy_driver_offers_the_free_drivers_only(client, people, res):
    first, second = two_visits(people)
    start = first.visit_start
    booking_create(
        reception_id=first.pk,
        by=people["sales_rep"],
        data={
            "kind": "vehicle",
            "vehicle": res["van"],
            "driver": res["wang"],
            "start": start,
            "end": start + timedelta(hours=2),
        },
    )
    login(client, people, "sales_rep")
    data = {
        "kind": "vehicle",
        "vehicle": str(res["car"].pk),
        "driver": str(res["wang"].pk),
        "start": local(start),
        "end": local(start + timedelta(hours=1)),
        "headcount": "2",
    }
    url = reverse("planning:booking_create", args=[second.pk])
    response = client.post(url, data)
    groups = response.context["clash"]["groups"]
    assert [(g.button, [name for _, name, _ in g.options]) for g in groups] == [("pick_driver", ["李师傅"])]
    response = client.post(url, {**data, "pick_driver": str(res["li"].pk)})
    assert response.status_code == 302
    assert Booking.objects.get(plan__reception=second).driver == res["li"]


def test_too_few_seats_is_flagged_after_saving_and_on_the_tab(client, people, res):
    """policy 3.1.1: a car too small for the group is a warning, not a refusal (several cars may run)."""
    reception = approved_reception(people, visitor_count=5)
    login(client, people, "sales_rep")
    start = reception.visit_start
    response = client.post(
        reverse("planning:booking_create", args=[reception.pk]),
        {
            "kind": "vehicle",
            "vehicle": str(res["car"].pk),
            "start": local(start),
            "end": local(start + timedelta(hours=1)),
        },
        follow=True,
    )
    html = response.content.decode()
    assert "只有 2 个座位，来访 5 人" in html
    assert Booking.objects.get().headcount == 5


def test_bad_input_comes_back_on_the_fields(client, people, res):
    reception = approved_reception(people)
    login(client, people, "sales_rep")
    url = reverse("planning:booking_create", args=[reception.pk])
    outside = venue_post(reception, res["big"], (-5, -4))
    response = client.post(url, outside)
    assert response.status_code == 200
    assert "预订时间必须在来访时间之内" in response.content.decode()
    response = client.post(url, {**venue_post(reception, res["big"]), "venue": "", "start": "not a time"})
    form = response.context["form"]
    assert "start" in form.errors
    assert Booking.objects.count() == 0


def test_editing_a_booking_keeps_its_checklist_and_checks_clashes(client, people, res):
    first, second = two_visits(people)
    login(client, people, "sales_rep")
    held = book_room(people, first, res["big"], hours=(0, 2))
    mine = book_room(people, second, res["spare"], hours=(0, 2))
    url = reverse("planning:booking_edit", args=[second.pk, mine.pk])
    page = client.get(url)
    assert page.status_code == 200 and page.context["form"].initial["venue"] == res["spare"].pk
    response = client.post(url, venue_post(second, res["big"], (0, 1)))
    assert response.context["clash"]["holder"] == first.number
    response = client.post(url, {**venue_post(second, res["big"], (0, 1)), "pick_venue": str(res["small"].pk)})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.venue == res["small"] and mine.setup_tasks.count() == 6
    assert held.venue == res["big"]


# ---- statuses and the checklist (administration) ---------------------------------------------------------


def test_administration_confirms_and_ticks_the_checklist(client, people, res):
    """policy 3.2.3: administration confirms the booking and ticks off the setup, in place (htmx)."""
    reception = approved_reception(people)
    booking = book_room(people, reception, res["big"])
    login(client, people, "admin_clerk")
    page = client.get(tab(reception))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'value="confirmed"' in html  # 落实
    assert reverse("planning:booking_create", args=[reception.pk]) not in html  # not an editor
    response = client.post(reverse("planning:booking_status", args=[reception.pk, booking.pk]), {"status": "confirmed"})
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    task = booking.setup_tasks.first()
    response = client.post(
        reverse("planning:setup_toggle", args=[reception.pk, task.pk]), {"done": "1"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "1/6" in response.content.decode()
    task.refresh_from_db()
    assert task.done_by == people["admin_clerk"] and task.done_at is not None
    client.post(reverse("planning:setup_toggle", args=[reception.pk, task.pk]), {"done": "0"})
    task.refresh_from_db()
    assert task.done_at is None


def test_editor_sees_the_checklist_but_does_not_tick_it_or_confirm(client, people, res):
    reception = approved_reception(people)
    book_room(people, reception, res["big"])
    login(client, people, "sales_rep")
    html = client.get(tab(reception)).content.decode()
    assert "桌椅摆放" in html
    assert reverse("planning:setup_toggle", args=[reception.pk, SetupTask.objects.first().pk]) not in html
    assert 'value="confirmed"' not in html and 'value="cancelled"' in html


def test_reviving_a_booking_whose_slot_was_taken_says_so(client, people, res):
    first, second = two_visits(people)
    slot = {
        "kind": "venue",
        "venue": res["big"],
        "start": first.visit_start,
        "end": first.visit_start + timedelta(hours=1),
    }
    held = booking_create(reception_id=first.pk, by=people["sales_rep"], data=slot)
    booking_set_status(reception_id=first.pk, booking_id=held.pk, by=people["sales_rep"], status="cancelled")
    booking_create(reception_id=second.pk, by=people["sales_rep"], data=slot)
    login(client, people, "sales_rep")
    response = client.post(
        reverse("planning:booking_status", args=[first.pk, held.pk]), {"status": "requested"}, follow=True
    )
    assert second.number in response.content.decode()
    held.refresh_from_db()
    assert held.status == "cancelled"


# ---- meals and hotels -------------------------------------------------------------------------------------


def test_meal_shows_the_clients_dietary_needs(client, people, res):
    """policy 3.1.1 / 3.2.1: each meal shows the clients' dietary needs recorded with the plan."""
    reception = approved_reception(people)
    plan = plan_for(people, reception)
    # The coordination part records needs through its own service; a row is enough to show it here.
    SpecialNeed.objects.create(plan=plan, kind=NeedKind.DIET, description="林海：清真饮食")
    SpecialNeed.objects.create(plan=plan, kind=NeedKind.LANGUAGE, description="需要英语翻译")
    login(client, people, "sales_rep")
    form_page = client.get(reverse("planning:meal_create", args=[reception.pk])).content.decode()
    assert "林海：清真饮食" in form_page
    lunch = reception.visit_start + timedelta(hours=3)
    response = client.post(
        reverse("planning:meal_create", args=[reception.pk]),
        {
            "restaurant": str(res["canteen"].pk),
            "place": "",
            "start": local(lunch),
            "standard_per_head": "120",
            "headcount": "5",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("#meals")
    meal = Meal.objects.get()
    assert (meal.standard_per_head, meal.headcount, meal.start) == (Decimal("120.00"), 5, lunch)
    html = client.get(tab(reception)).content.decode()
    assert "林海：清真饮食" in html and "需要英语翻译" not in html
    assert "¥600.00" in html


def test_meal_errors_are_shown_in_chinese_on_their_fields(client, people, res):
    reception = approved_reception(people)
    login(client, people, "sales_rep")
    response = client.post(
        reverse("planning:meal_create", args=[reception.pk]),
        {
            "restaurant": "",
            "place": "",
            "start": local(reception.visit_start - timedelta(days=1)),
            "standard_per_head": "-1",
            "headcount": "0",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) >= {"restaurant", "start"}
    assert Meal.objects.count() == 0


def test_hotel_stay_with_nights_and_administration_completes_it(client, people, res):
    reception = approved_reception(people)
    first = reception.visit_start.astimezone(LOCAL_TZ).date()
    last = reception.visit_end.astimezone(LOCAL_TZ).date()
    login(client, people, "sales_rep")
    response = client.post(
        reverse("planning:hotel_create", args=[reception.pk]),
        {
            "hotel": str(res["hotel"].pk),
            "check_in": first.isoformat(),
            "check_out": (last + timedelta(days=1)).isoformat(),
            "rooms": "3",
            "room_type": "商务大床房",
            "guests": "林海等 3 人",
        },
    )
    assert response.status_code == 302
    stay = HotelStay.objects.get()
    nights = (last + timedelta(days=1) - first).days
    assert stay.nights == nights
    html = client.get(tab(reception)).content.decode()
    assert f"{nights} 晚" in html and "商务大床房" in html
    login(client, people, "admin_clerk")
    url = reverse("planning:hotel_status", args=[reception.pk, stay.pk])
    client.post(url, {"status": "confirmed"})
    client.post(url, {"status": "done"})
    stay.refresh_from_db()
    assert stay.status == "done"


def test_editor_may_cancel_a_meal_but_not_confirm_it(client, people, res):
    reception = approved_reception(people)
    meal = meal_create(
        reception_id=reception.pk,
        by=people["sales_rep"],
        data={"restaurant": res["canteen"], "start": reception.visit_start, "standard_per_head": Decimal("80")},
    )
    login(client, people, "sales_rep")
    url = reverse("planning:meal_status", args=[reception.pk, meal.pk])
    assert client.post(url, {"status": "confirmed"}).status_code == 403
    assert client.post(url, {"status": "cancelled"}).status_code == 302
    meal.refresh_from_db()
    assert meal.status == "cancelled"


def test_edit_forms_are_prefilled(client, people, res):
    reception = approved_reception(people)
    meal = meal_create(
        reception_id=reception.pk,
        by=people["sales_rep"],
        data={"place": "湖畔餐厅", "start": reception.visit_start, "standard_per_head": Decimal("150")},
    )
    first = reception.visit_start.astimezone(LOCAL_TZ).date()
    stay = hotel_create(
        reception_id=reception.pk,
        by=people["sales_rep"],
        data={"hotel": res["hotel"], "check_in": first, "check_out": first + timedelta(days=1), "rooms": 2},
    )
    login(client, people, "sales_rep")
    page = client.get(reverse("planning:meal_edit", args=[reception.pk, meal.pk]))
    assert page.context["form"].initial["place"] == "湖畔餐厅"
    response = client.post(
        reverse("planning:meal_edit", args=[reception.pk, meal.pk]),
        {"place": "湖畔餐厅", "start": local(reception.visit_start), "standard_per_head": "200", "headcount": "4"},
    )
    assert response.status_code == 302
    meal.refresh_from_db()
    assert (meal.standard_per_head, meal.headcount) == (Decimal("200.00"), 4)
    page = client.get(reverse("planning:hotel_edit", args=[reception.pk, stay.pk]))
    assert page.context["form"].initial["rooms"] == 2
    assert "目前共 1 晚" in page.content.decode()


# ---- access ------------------------------------------------------------------------------------------------


def test_access(client, people, res):
    """Outsiders get 404; readers who are not editors get 403 on the forms; anonymous users go to the login."""
    reception = approved_reception(people)
    create = reverse("planning:booking_create", args=[reception.pk])
    assert client.get(tab(reception)).status_code == 302
    login(client, people, "admin_clerk")
    assert client.get(tab(reception)).status_code == 200
    assert client.get(create).status_code == 403
    assert client.get(reverse("planning:meal_create", args=[reception.pk])).status_code == 403
    assert client.post(reverse("planning:hotel_create", args=[reception.pk]), {}).status_code == 403
    login(client, people, "tech_eng")  # another department, nothing to do with this normal visit
    assert client.get(tab(reception)).status_code == 404
    assert client.get(create).status_code == 404
    assert (
        client.post(reverse("planning:booking_status", args=[reception.pk, 1]), {"status": "done"}).status_code == 404
    )
    # Not even a wrong input tells an outsider anything.
    assert client.post(reverse("planning:meal_status", args=[reception.pk, 1]), {"status": "x"}).status_code == 404
    assert client.post(reverse("planning:hotel_status", args=[reception.pk, 1]), {}).status_code == 404


def test_a_plan_under_review_cannot_get_new_arrangements(client, people, res):
    from jiedai.planning.models import Plan

    reception = approved_reception(people)
    plan = plan_for(people, reception)
    Plan.objects.filter(pk=plan.pk).update(status=PlanStatus.PENDING_REVIEW)
    login(client, people, "sales_rep")
    html = client.get(tab(reception)).content.decode()
    assert "方案正在审核中" in html
    response = client.get(reverse("planning:booking_create", args=[reception.pk]), follow=True)
    assert "方案正在审核中" in response.content.decode()
    assert response.redirect_chain[-1][0] == tab(reception)


def test_an_unknown_booking_is_404(client, people, res):
    reception = approved_reception(people)
    login(client, people, "sales_rep")
    assert client.get(reverse("planning:booking_edit", args=[reception.pk, 999999])).status_code == 404
    assert client.get(reverse("planning:meal_edit", args=[reception.pk, 999999])).status_code == 404
    assert client.get(reverse("planning:hotel_edit", args=[reception.pk, 999999])).status_code == 404


# ---- queries -----------------------------------------------------------------------------------------------


def _fill(people, reception, res, n: int) -> None:
    """n rooms (each in its own hour), n cars, n meals and n stays on the plan, through the services."""
    by = people["sales_rep"]
    start = reception.visit_start
    first = start.astimezone(LOCAL_TZ).date()
    for i in range(n):
        venue = Venue.objects.create(name=f"会议室{i:03}-{Venue.objects.count()}", capacity=10)
        car = Vehicle.objects.create(name=f"车{i}", plate=f"沪B{Vehicle.objects.count():05}", seats=7)
        slot = {"start": start + timedelta(minutes=10 * i), "end": start + timedelta(minutes=10 * i + 30)}
        booking_create(reception_id=reception.pk, by=by, data={"kind": "venue", "venue": venue, **slot})
        booking_create(reception_id=reception.pk, by=by, data={"kind": "vehicle", "vehicle": car, **slot})
        meal_create(
            reception_id=reception.pk,
            by=by,
            data={"restaurant": res["canteen"], "start": slot["start"], "standard_per_head": Decimal("100")},
        )
        hotel_create(
            reception_id=reception.pk,
            by=by,
            data={"hotel": res["hotel"], "check_in": first, "check_out": first + timedelta(days=1), "rooms": 1},
        )


# session, user, the administration role, the request (access layer), its plan, the working-day calendar (the
# header's deadline), bookings, their setup checklists, meals, stays, dietary needs, and the navigation's counters
# (to-dos, notifications) and the user's department in base.html
TAB_QUERIES = 14


def test_the_tab_reads_a_fixed_number_of_queries(client, people, res, django_assert_num_queries):
    reception = approved_reception(people)
    plan_for(people, reception)
    SpecialNeed.objects.create(plan=reception.plan, kind=NeedKind.DIET, description="不吃辣")
    login(client, people, "admin_clerk")
    _fill(people, reception, res, 1)
    with django_assert_num_queries(TAB_QUERIES):
        assert client.get(tab(reception)).status_code == 200
    _fill(people, reception, res, 6)
    with django_assert_num_queries(TAB_QUERIES):
        response = client.get(tab(reception))
    assert len(response.context["logistics"].venues) == 7
    assert len(response.context["logistics"].meals) == 7
