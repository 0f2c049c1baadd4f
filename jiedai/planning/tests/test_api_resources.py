"""/api/v1/venues, /vehicles, /drivers (policy 3.1.1, 3.2.3): the rooms, cars and drivers in use with their
attributes and, for a time range, whether each is free and when it is held — by which visit's number, nothing
more. Any member of staff with a token reads them; the range is checked (both ends, in order, at most 31 days)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from jiedai.org.models import ApiToken, Department, User
from jiedai.planning.models import Driver, Vehicle, Venue
from jiedai.planning.services.bookings import booking_create, booking_set_status
from jiedai.planning.tests.factories import approved_reception
from jiedai.receptions.models import LOCAL_TZ

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    return Client(headers={"Authorization": f"Bearer {ApiToken.issue(user)}"})


def is_error(response, status: int) -> bool:
    body = response.json()
    return set(body) == {"detail", "errors"} and response.status_code == status


def iso(value) -> str:
    return value.astimezone(LOCAL_TZ).isoformat()


@pytest.fixture
def qa_eng(people):
    """A member of staff from a department with no link to any visit: may still read the resources."""
    qa = Department.objects.create(code="qa", name="质量部")
    return User.objects.create_user(username="qa_eng", password="unused-pass-98765", department=qa)


@pytest.fixture
def resources(db):
    return {
        "big": Venue.objects.create(name="一号会议室", capacity=20, location="A 座 3 楼", equipment="投影、音响"),
        "small": Venue.objects.create(name="小洽谈室", capacity=4, kind="negotiation_room"),
        "old": Venue.objects.create(name="旧展厅", capacity=50, kind="showroom", is_active=False),
        "van": Vehicle.objects.create(name="商务车", plate="沪A12345", seats=6),
        "car": Vehicle.objects.create(name="轿车", plate="沪A54321", seats=3),
        "wang": Driver.objects.create(name="王师傅", phone="13900000001"),
        "li": Driver.objects.create(name="李师傅", phone="13900000002"),
    }


def _book(people, reception, data, hours=(1, 3)):
    start = reception.visit_start
    return booking_create(
        reception_id=reception.pk,
        by=people["sales_rep"],
        data={**data, "start": start + timedelta(hours=hours[0]), "end": start + timedelta(hours=hours[1])},
    )


def test_without_a_range_each_resource_has_its_attributes(people, resources, qa_eng):
    client = client_for(qa_eng)
    venues = client.get("/api/v1/venues")
    assert venues.status_code == 200, venues.content
    body = venues.json()
    assert body["start"] is None and body["end"] is None
    assert [v["name"] for v in body["items"]] == ["一号会议室", "小洽谈室"]  # active ones, by name
    big = body["items"][0]
    assert big == {
        "id": resources["big"].pk,
        "name": "一号会议室",
        "notes": "",
        "kind": "meeting_room",
        "location": "A 座 3 楼",
        "capacity": 20,
        "equipment": "投影、音响",
        "free": None,
        "busy": None,
    }
    cars = client.get("/api/v1/vehicles").json()["items"]
    assert {(c["plate"], c["seats"]) for c in cars} == {("沪A12345", 6), ("沪A54321", 3)}
    drivers = client.get("/api/v1/drivers").json()["items"]
    assert [(d["name"], d["phone"]) for d in drivers] == [("李师傅", "13900000002"), ("王师傅", "13900000001")]


def test_a_range_shows_who_is_free_and_the_busy_slots_by_visit_number_only(people, resources, qa_eng):
    reception = approved_reception(people)
    _book(people, reception, {"kind": "venue", "venue": resources["big"]})
    _book(people, reception, {"kind": "vehicle", "vehicle": resources["van"], "driver": resources["wang"]}, (0, 1))
    cancelled = _book(people, reception, {"kind": "venue", "venue": resources["small"]})
    booking_set_status(reception_id=reception.pk, booking_id=cancelled.pk, by=people["sales_rep"], status="cancelled")
    day = reception.visit_start.astimezone(LOCAL_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    params = {"start": day.replace(tzinfo=None).isoformat(), "end": iso(day + timedelta(days=2))}

    client = client_for(qa_eng)
    body = client.get("/api/v1/venues", params).json()
    assert body["start"] == iso(day) and body["end"] == iso(day + timedelta(days=2))
    by_name = {v["name"]: v for v in body["items"]}
    assert by_name["一号会议室"]["free"] is False
    [slot] = by_name["一号会议室"]["busy"]
    assert slot == {
        "start": iso(reception.visit_start + timedelta(hours=1)),
        "end": iso(reception.visit_start + timedelta(hours=3)),
        "reception": reception.number,
    }
    # A cancelled booking holds nothing.
    assert by_name["小洽谈室"]["free"] is True and by_name["小洽谈室"]["busy"] == []

    cars = {c["name"]: c for c in client.get("/api/v1/vehicles", params).json()["items"]}
    assert cars["商务车"]["free"] is False and cars["轿车"]["free"] is True
    drivers = {d["name"]: d for d in client.get("/api/v1/drivers", params).json()["items"]}
    assert drivers["王师傅"]["busy"][0]["reception"] == reception.number and drivers["李师傅"]["free"] is True

    # Outside the range: everything is free.
    later = {"start": iso(day + timedelta(days=10)), "end": iso(day + timedelta(days=11))}
    assert all(v["free"] for v in client.get("/api/v1/venues", later).json()["items"])


def test_the_list_costs_the_same_queries_at_1_and_many_bookings(people, resources):
    reception = approved_reception(people)
    client = client_for(people["admin_clerk"])
    day = reception.visit_start.astimezone(LOCAL_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    params = {"start": iso(day), "end": iso(day + timedelta(days=3))}
    client.get("/api/v1/venues")  # the token's first use records it

    def measure():
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/venues", params)
        assert response.status_code == 200
        return len(queries), response.json()["items"]

    _book(people, reception, {"kind": "venue", "venue": resources["big"]}, (0, 1))
    one, items = measure()
    assert sum(len(v["busy"]) for v in items) == 1
    for n in range(1, 6):
        Venue.objects.create(name=f"会议室 {n}", capacity=8)
        _book(people, reception, {"kind": "venue", "venue": resources["big"]}, (2 * n, 2 * n + 1))
    many, items = measure()
    assert sum(len(v["busy"]) for v in items) == 6 and len(items) == 7
    # token (with its user), the resources, their bookings in the range
    assert one == many == 3


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-12-01T00:00"}, "end"),  # both ends or neither
        ({"end": "2026-12-01T00:00"}, "start"),
        ({"start": "2026-12-02T00:00", "end": "2026-12-01T00:00"}, "end"),
        ({"start": "2026-12-01T00:00", "end": "2026-12-01T00:00"}, "end"),
        ({"start": "2026-12-01T00:00", "end": "2027-01-01T00:01"}, "end"),  # longer than 31 days
        ({"start": "tomorrow", "end": "2026-12-01T00:00"}, "start"),
        ({"start": "2026-12-01T00:00", "end": "3999-01-01T00:00"}, "end"),
    ],
)
def test_a_bad_range_is_422(people, resources, params, field):
    for path in ("/api/v1/venues", "/api/v1/vehicles", "/api/v1/drivers"):
        response = client_for(people["sales_rep"]).get(path, params)
        assert is_error(response, 422) and field in response.json()["errors"], (path, response.content)


def test_exactly_31_days_is_allowed_and_blank_params_are_no_range(people, resources):
    client = client_for(people["sales_rep"])
    ok = client.get("/api/v1/venues", {"start": "2026-12-01T00:00", "end": "2027-01-01T00:00"})
    assert ok.status_code == 200 and all(v["free"] is True for v in ok.json()["items"])
    blank = client.get("/api/v1/venues", {"start": "", "end": ""})
    assert blank.status_code == 200 and blank.json()["items"][0]["free"] is None


def test_anonymous_callers_get_401(people, resources):
    for path in ("/api/v1/venues", "/api/v1/vehicles", "/api/v1/drivers"):
        response = Client().get(path)
        assert is_error(response, 401) and response["WWW-Authenticate"] == "Bearer"


def test_the_resources_are_read_only(people, resources):
    client = client_for(people["admin_clerk"])
    response = client.post("/api/v1/venues", {"name": "新会议室"}, content_type="application/json")
    assert is_error(response, 405)
    assert Venue.objects.count() == 3
