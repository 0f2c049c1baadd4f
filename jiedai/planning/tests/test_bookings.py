"""policy 3.1.1: a room, a car or a driver is never booked twice for overlapping times; a clash names the visit
holding the slot and offers what is free instead."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jiedai.core.errors import ConflictError, ValidationFailed
from jiedai.core.tests.race import race
from jiedai.planning.models import Booking, Driver, LogisticsStatus, Vehicle, Venue
from jiedai.planning.services.bookings import BookingClash, booking_create, booking_set_status, seat_warning
from jiedai.planning.services.plan import plan_ensure
from jiedai.planning.tests.factories import approved_reception


@pytest.fixture
def resources(db):
    return {
        "big": Venue.objects.create(name="一号会议室", capacity=20),
        "small": Venue.objects.create(name="小洽谈室", capacity=4),
        "spare": Venue.objects.create(name="二号会议室", capacity=12),
        "van": Vehicle.objects.create(name="商务车", plate="沪A12345", seats=6),
        "car": Vehicle.objects.create(name="轿车", plate="沪A54321", seats=3),
        "wang": Driver.objects.create(name="王师傅", phone="13900000001"),
        "li": Driver.objects.create(name="李师傅", phone="13900000002"),
    }


def _two_visits(people):
    """Two approved visits over the same days (two requesters, so two plans)."""
    first = approved_reception(people)
    second = approved_reception(people, requester="sales_rep", purpose="第二批客户来访")
    return first, second


def _venue(reception, venue, hours=(1, 3)):
    start = reception.visit_start + timedelta(hours=hours[0])
    return {"kind": "venue", "venue": venue, "start": start, "end": reception.visit_start + timedelta(hours=hours[1])}


@pytest.mark.django_db
def test_overlapping_room_booking_is_refused_with_the_holder_and_alternatives(people, resources):
    first, second = _two_visits(people)
    booking_create(reception_id=first.pk, by=people["sales_rep"], data=_venue(first, resources["big"]))
    with pytest.raises(BookingClash) as exc:
        booking_create(reception_id=second.pk, by=people["sales_rep"], data=_venue(second, resources["big"], (2, 4)))
    assert first.number in exc.value.message
    # Free rooms that seat the 3 visitors, smallest first; the taken room is not offered.
    assert [v.name for v in exc.value.alternatives.venues] == ["小洽谈室", "二号会议室"]
    assert exc.value.payload()["clash"]["reception"] == first.number
    assert Booking.objects.count() == 1


@pytest.mark.django_db
def test_back_to_back_and_cancelled_bookings_do_not_clash(people, resources):
    first, second = _two_visits(people)
    held = booking_create(reception_id=first.pk, by=people["sales_rep"], data=_venue(first, resources["big"]))
    booking_create(reception_id=second.pk, by=people["sales_rep"], data=_venue(second, resources["big"], (3, 4)))
    booking_set_status(reception_id=first.pk, booking_id=held.pk, by=people["sales_rep"], status="cancelled")
    booking_create(reception_id=second.pk, by=people["sales_rep"], data=_venue(second, resources["big"], (1, 2)))
    # Reviving the cancelled booking now clashes with the slot taken meanwhile.
    with pytest.raises(BookingClash):
        booking_set_status(reception_id=first.pk, booking_id=held.pk, by=people["sales_rep"], status="requested")


@pytest.mark.django_db
def test_driver_cannot_drive_two_cars_at_once(people, resources):
    first, second = _two_visits(people)
    start = first.visit_start
    car = {"kind": "vehicle", "start": start, "end": start + timedelta(hours=2)}
    booking_create(
        reception_id=first.pk,
        by=people["sales_rep"],
        data={**car, "vehicle": resources["van"], "driver": resources["wang"]},
    )
    with pytest.raises(BookingClash) as exc:
        booking_create(
            reception_id=second.pk,
            by=people["sales_rep"],
            data={**car, "vehicle": resources["car"], "driver": resources["wang"]},
        )
    assert [d.name for d in exc.value.alternatives.drivers] == ["李师傅"]


@pytest.mark.django_db
def test_booking_outside_the_visit_or_ending_before_it_starts_is_refused(people, resources):
    reception = approved_reception(people)
    before = reception.visit_start - timedelta(hours=3)
    with pytest.raises(ValidationFailed) as exc:
        booking_create(
            reception_id=reception.pk,
            by=people["sales_rep"],
            data={"kind": "venue", "venue": resources["big"], "start": before, "end": before + timedelta(hours=1)},
        )
    assert "start" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        data = _venue(reception, resources["big"], (3, 1))
        booking_create(reception_id=reception.pk, by=people["sales_rep"], data=data)
    assert "end" in exc.value.errors


@pytest.mark.django_db
def test_too_few_seats_is_a_warning(people, resources):
    reception = approved_reception(people, visitor_count=5)
    start = reception.visit_start
    booking = booking_create(
        reception_id=reception.pk,
        by=people["sales_rep"],
        data={"kind": "vehicle", "vehicle": resources["car"], "start": start, "end": start + timedelta(hours=1)},
    )
    assert "3" in seat_warning(booking, reception.visitor_count)


@pytest.mark.django_db
def test_only_editors_book_and_administration_confirms(people, resources):
    reception = approved_reception(people)
    with pytest.raises(Exception) as exc:
        booking_create(reception_id=reception.pk, by=people["admin_clerk"], data=_venue(reception, resources["big"]))
    assert exc.value.__class__.__name__ == "Forbidden"
    booking = booking_create(
        reception_id=reception.pk, by=people["sales_rep"], data=_venue(reception, resources["big"])
    )
    booking = booking_set_status(
        reception_id=reception.pk, booking_id=booking.pk, by=people["admin_clerk"], status=LogisticsStatus.CONFIRMED
    )
    assert booking.status == "confirmed"
    assert booking.setup_tasks.count() == 6


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_the_same_room_booked_from_two_requests_at_once_one_wins(people, resources, attempt):
    first, second = _two_visits(people)
    calls = [
        lambda r=r: booking_create(reception_id=r.pk, by=people["sales_rep"], data=_venue(r, resources["big"]))
        for r in (first, second)
    ]
    results = race(calls)
    won = [r for r in results if isinstance(r, Booking)]
    lost = [r for r in results if isinstance(r, ConflictError)]
    assert len(won) == 1 and len(lost) == 1, results
    assert Booking.objects.filter(venue=resources["big"]).count() == 1


@pytest.mark.django_db
def test_postgresql_itself_refuses_an_overlap_that_bypasses_the_service(people, resources):
    from django.db import IntegrityError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the exclusion constraint exists on PostgreSQL; SQLite relies on the IMMEDIATE transaction")
    first, second = _two_visits(people)
    held = booking_create(reception_id=first.pk, by=people["sales_rep"], data=_venue(first, resources["big"]))
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(
            plan=plan_ensure(second),
            kind="venue",
            venue=resources["big"],
            start=held.start,
            end=held.end,
            created_by=people["sales_rep"],
        )


@pytest.mark.django_db
def test_the_item_a_room_is_booked_for_shows_that_room_unless_its_place_was_written_by_hand(people, resources):
    """policy 3.1.1: after a clash moves a booking to the offered alternative, the client's itinerary follows."""
    from jiedai.planning.services.itinerary import item_create

    reception = approved_reception(people)
    by, start = people["sales_rep"], reception.visit_start

    def item(place, hours):
        data = {
            "kind": "meeting",
            "title": "洽谈",
            "start": start + timedelta(hours=hours[0]),
            "end": start + timedelta(hours=hours[1]),
            "place": place,
        }
        return item_create(reception_id=reception.pk, by=by, data=data)

    talks, tour = item("一号会议室", (1, 3)), item("研发中心", (4, 5))
    booking_create(reception_id=reception.pk, by=by, data={**_venue(reception, resources["spare"]), "item": talks})
    talks.refresh_from_db()
    assert talks.place == "二号会议室"
    data = {**_venue(reception, resources["small"], (4, 5)), "item": tour}
    booking_create(reception_id=reception.pk, by=by, data=data)
    tour.refresh_from_db()
    assert tour.place == "研发中心"


@pytest.mark.django_db
def test_a_booking_longer_than_a_month_is_refused(people, resources):
    """The clash check relies on it (services.bookings.MAX_BOOKING); a longer need is booked in parts."""
    reception = approved_reception(people, visit_end=timezone.now() + timedelta(days=90))
    start = reception.visit_start
    data = {"kind": "venue", "venue": resources["big"], "start": start, "end": start + timedelta(days=32)}
    with pytest.raises(ValidationFailed) as exc:
        booking_create(reception_id=reception.pk, by=people["sales_rep"], data=data)
    assert "end" in exc.value.errors
