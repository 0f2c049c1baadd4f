"""The planning admin: administration keeps the master data (policy 3.1.1, 3.2.3, 4.3.3) — rooms, cars, drivers,
hotels, restaurants, site areas — and retires what it no longer uses; a plan's content and every history row are
shown, never changed there (the services keep the rules and the record)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse

from jiedai.planning import models
from jiedai.planning.models import Booking, Driver, Plan, PlanHistory, Venue
from jiedai.planning.services.bookings import booking_create
from jiedai.planning.services.meals_hotels import hotel_create, meal_create
from jiedai.planning.tests.factories import ready_plan
from jiedai.planning.tests.test_logistics_views import make_resources
from jiedai.receptions.models import LOCAL_TZ

pytestmark = pytest.mark.django_db

MASTER_DATA = {"venue", "vehicle", "driver", "hotel", "restaurant", "sitearea"}
ALL_MODELS = [
    m for m in vars(models).values() if isinstance(m, type) and m.__module__.startswith("jiedai.planning.models.")
]


def concrete(model) -> bool:
    return hasattr(model, "_meta") and not model._meta.abstract and model._meta.app_label == "planning"


def test_every_planning_model_is_registered():
    missing = [m.__name__ for m in ALL_MODELS if concrete(m) and m not in admin.site._registry]
    assert missing == []


@pytest.fixture
def filled(people):
    """A plan with a room (and its checklist), a meal and a stay, made through the services."""
    res = make_resources()
    plan = ready_plan(people)
    reception = plan.reception
    by = people["sales_rep"]
    start = reception.visit_start
    booking_create(
        reception_id=reception.pk,
        by=by,
        data={"kind": "venue", "venue": res["big"], "start": start, "end": start + timedelta(hours=1)},
    )
    meal_create(
        reception_id=reception.pk, by=by, data={"place": "食堂", "start": start, "standard_per_head": Decimal(1)}
    )
    day = start.astimezone(LOCAL_TZ).date()
    hotel_create(
        reception_id=reception.pk,
        by=by,
        data={"hotel": res["hotel"], "check_in": day, "check_out": day + timedelta(days=1), "rooms": 1},
    )
    return plan


def test_every_list_and_change_page_opens(client, people, filled):
    client.force_login(people["sysadmin"])
    for model in admin.site._registry:
        if model._meta.app_label != "planning":
            continue
        name = model._meta.model_name
        response = client.get(reverse(f"admin:planning_{name}_changelist"))
        assert response.status_code == 200, name
        obj = model.objects.first()
        if obj is not None:
            response = client.get(reverse(f"admin:planning_{name}_change", args=[obj.pk]))
            assert response.status_code == 200, name
        add = client.get(reverse(f"admin:planning_{name}_add"))
        assert (add.status_code == 200) == (name in MASTER_DATA), name


def test_master_data_is_added_and_retired_in_the_admin(client, people, filled):
    client.force_login(people["sysadmin"])
    response = client.post(
        reverse("admin:planning_venue_add"),
        {
            "name": "三号洽谈室",
            "kind": "negotiation_room",
            "location": "B 座",
            "capacity": "6",
            "equipment": "白板",
            "notes": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    room = Venue.objects.get(name="三号洽谈室")
    assert room.capacity == 6
    used = Booking.objects.get().venue
    response = client.post(
        reverse("admin:planning_venue_changelist"),
        {"action": "deactivate", "_selected_action": [used.pk, room.pk]},
    )
    assert response.status_code == 302
    assert not Venue.objects.filter(pk__in=[used.pk, room.pk], is_active=True).exists()
    assert Booking.objects.get().venue == used  # the booking keeps the retired room
    response = client.post(
        reverse("admin:planning_driver_add"), {"name": "赵师傅", "phone": "139", "notes": "", "is_active": "on"}
    )
    assert response.status_code == 302 and Driver.objects.filter(name="赵师傅").exists()


def test_plans_and_history_are_read_only(client, people, filled):
    client.force_login(people["sysadmin"])
    plan_admin = admin.site._registry[Plan]
    history_admin = admin.site._registry[PlanHistory]
    booking_admin = admin.site._registry[Booking]
    request = type("R", (), {"user": people["sysadmin"]})()
    for model_admin in (plan_admin, history_admin, booking_admin):
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request, filled)
        assert not model_admin.has_delete_permission(request, filled)
    page = client.get(reverse("admin:planning_plan_change", args=[filled.pk])).content.decode()
    assert "创建方案" in page  # the plan's history is shown under it
    response = client.post(reverse("admin:planning_plan_change", args=[filled.pk]), {"summary": "改掉"})
    assert response.status_code == 403
    filled.refresh_from_db()
    assert filled.summary == ""


def test_a_link_token_is_never_shown(client, people, filled):
    from jiedai.planning.models import ItineraryLink

    link = ItineraryLink.objects.create(plan=filled, created_by=people["sales_rep"])
    client.force_login(people["sysadmin"])
    page = client.get(reverse("admin:planning_plan_change", args=[filled.pk])).content.decode()
    assert link.token not in page


def test_people_without_admin_rights_are_kept_out(client, people):
    client.force_login(people["sales_rep"])
    response = client.get(reverse("admin:planning_venue_changelist"))
    assert response.status_code == 302 and "login" in response["Location"]
