"""`seed_demo` (run by `make run`) builds plans in every state, idempotently (the issue's demo data)."""

from io import StringIO

import pytest
from django.core.management import call_command

from jiedai.planning.models import Booking, Plan, PlanStatus, Venue

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_plans_in_every_state_and_twice_changes_nothing():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    statuses = set(Plan.objects.values_list("status", flat=True))
    assert {PlanStatus.DRAFT, PlanStatus.PENDING_REVIEW, PlanStatus.CONFIRMED} <= statuses
    assert Plan.objects.filter(overdue_at__isnull=False).exists()  # policy 3.1.2: one plan is overdue
    # Two visits at the same time competed for 一号会议室: one holds it, the other took the offered alternative.
    room = Venue.objects.get(name="一号会议室")
    held = Booking.objects.get(venue=room, kind="venue")
    rival = Booking.objects.exclude(plan=held.plan).get(kind="venue", start__lt=held.end, end__gt=held.start)
    assert rival.venue != room and held.plan.reception.number in rival.notes
    counts = (Plan.objects.count(), Booking.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (Plan.objects.count(), Booking.objects.count()) == counts
    assert "sales_rep" in out.getvalue()
