"""policy 3.1.1 (catering: place, standard per head; lodging) and 3.2.3 (administration carries them out): the meal
and hotel services — the visit window, the standard and the counts, who may change a status, the plan's record."""

from datetime import timedelta
from decimal import Decimal

import pytest

from jiedai.core.errors import ConflictError, Forbidden, NotFound, ValidationFailed
from jiedai.planning.models import ItineraryItem, Plan, PlanAction, PlanHistory, PlanStatus
from jiedai.planning.services.meals_hotels import (
    hotel_create,
    hotel_set_status,
    hotel_update,
    meal_create,
    meal_set_status,
    meal_update,
)
from jiedai.planning.tests.factories import approved_reception, plan_for
from jiedai.planning.tests.test_logistics_views import make_resources
from jiedai.receptions.models import LOCAL_TZ

pytestmark = pytest.mark.django_db


@pytest.fixture
def res(db):
    return make_resources()


def lunch(reception, **changes) -> dict:
    return {
        "restaurant": None,
        "place": "公司餐厅二楼包间",
        "start": reception.visit_start + timedelta(hours=3),
        "standard_per_head": Decimal("120"),
        **changes,
    }


def days(reception):
    return reception.visit_start.astimezone(LOCAL_TZ).date(), reception.visit_end.astimezone(LOCAL_TZ).date()


def stay(reception, res, **changes) -> dict:
    first, last = days(reception)
    return {"hotel": res["hotel"], "check_in": first, "check_out": last, "rooms": 2, **changes}


# ---- meals ------------------------------------------------------------------------------------------------


def test_meal_is_recorded_on_the_plan_with_the_visitors_as_default_headcount(people):
    """policy 3.1.1: a meal with its place and standard per head; the plan's history records it."""
    reception = approved_reception(people, visitor_count=4)
    meal = meal_create(reception_id=reception.pk, by=people["sales_rep"], data=lunch(reception, place="  湖畔餐厅 "))
    assert (meal.headcount, meal.place, meal.standard_per_head, meal.status) == (
        4,
        "湖畔餐厅",
        Decimal("120.00"),
        "requested",
    )
    last = PlanHistory.objects.filter(plan=meal.plan).latest("id")
    assert last.action == PlanAction.CHANGED and "湖畔餐厅" in last.summary
    assert Plan.objects.get(pk=meal.plan_id).version == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"place": "", "restaurant": None}, "restaurant"),  # somewhere to eat
        ({"start": None}, "start"),
        ({"standard_per_head": Decimal("-0.01")}, "standard_per_head"),  # standard ≥ 0
        ({"standard_per_head": None}, "standard_per_head"),
        ({"standard_per_head": "abc"}, "standard_per_head"),
        ({"headcount": 0}, "headcount"),  # at least one person
        ({"headcount": 10001}, "headcount"),
    ],
)
def test_meal_input_is_checked_with_clear_chinese_errors(people, changes, field):
    reception = approved_reception(people)
    with pytest.raises(ValidationFailed) as exc:
        meal_create(reception_id=reception.pk, by=people["sales_rep"], data=lunch(reception, **changes))
    assert field in exc.value.errors
    assert all("\u4e00" <= str(m)[0] <= "\u9fff" or str(m)[0] == "“" for m in exc.value.errors[field])


def test_meal_must_be_within_the_visit(people):
    """policy 3.1.1: the meals are the visit's — from its start to its end, both included."""
    reception = approved_reception(people)
    for moment in (reception.visit_start - timedelta(minutes=1), reception.visit_end + timedelta(minutes=1)):
        with pytest.raises(ValidationFailed) as exc:
            meal_create(reception_id=reception.pk, by=people["sales_rep"], data=lunch(reception, start=moment))
        assert "来访时间之内" in str(exc.value.errors["start"][0])
    for moment in (reception.visit_start, reception.visit_end):
        meal_create(reception_id=reception.pk, by=people["sales_rep"], data=lunch(reception, start=moment))


def test_free_meal_and_retired_restaurant_and_foreign_item(people, res):
    reception = approved_reception(people)
    other = plan_for(people, approved_reception(people, purpose="另一批"))
    meal = meal_create(
        reception_id=reception.pk, by=people["sales_rep"], data=lunch(reception, standard_per_head=Decimal("0"))
    )
    assert meal.standard_per_head == Decimal("0.00")
    res["canteen"].is_active = False
    res["canteen"].save()
    with pytest.raises(ValidationFailed) as exc:
        meal_create(reception_id=reception.pk, by=people["sales_rep"], data=lunch(reception, restaurant=res["canteen"]))
    assert "已停用" in str(exc.value.errors["restaurant"][0])
    start = other.reception.visit_start
    item = ItineraryItem.objects.create(
        plan=other, kind="meal", title="午餐", start=start, end=start + timedelta(hours=1)
    )
    with pytest.raises(ValidationFailed) as exc:
        meal_create(reception_id=reception.pk, by=people["sales_rep"], data=lunch(reception, item=item))
    assert "item" in exc.value.errors


def test_meal_update_changes_only_what_is_given(people, res):
    reception = approved_reception(people)
    meal = meal_create(reception_id=reception.pk, by=people["sales_rep"], data=lunch(reception))
    meal = meal_update(
        reception_id=reception.pk,
        meal_id=meal.pk,
        by=people["sales_rep"],
        data={"restaurant": res["canteen"], "place": "", "headcount": 6},
    )
    assert (meal.restaurant, meal.place, meal.headcount, meal.standard_per_head) == (
        res["canteen"],
        "",
        6,
        Decimal("120.00"),
    )
    with pytest.raises(ValidationFailed):
        meal_update(reception_id=reception.pk, meal_id=meal.pk, by=people["sales_rep"], data={"headcount": 0})


def test_only_administration_confirms_a_meal_the_host_may_cancel_it(people):
    """policy 3.2.3: administration confirms and completes; the host's editors may cancel or ask again."""
    reception = approved_reception(people)
    meal = meal_create(reception_id=reception.pk, by=people["sales_rep"], data=lunch(reception))
    with pytest.raises(Forbidden):
        meal_set_status(reception_id=reception.pk, meal_id=meal.pk, by=people["sales_rep"], status="confirmed")
    for status in ("confirmed", "done"):
        meal = meal_set_status(reception_id=reception.pk, meal_id=meal.pk, by=people["admin_clerk"], status=status)
        assert meal.status == status
    meal = meal_set_status(reception_id=reception.pk, meal_id=meal.pk, by=people["sales_rep"], status="cancelled")
    meal = meal_set_status(reception_id=reception.pk, meal_id=meal.pk, by=people["sales_rep"], status="requested")
    assert meal.status == "requested"
    with pytest.raises(ValidationFailed):
        meal_set_status(reception_id=reception.pk, meal_id=meal.pk, by=people["admin_clerk"], status="eaten")


def test_administration_does_not_arrange_meals_and_outsiders_see_nothing(people):
    reception = approved_reception(people)
    with pytest.raises(Forbidden):
        meal_create(reception_id=reception.pk, by=people["admin_clerk"], data=lunch(reception))
    with pytest.raises(NotFound):
        meal_create(reception_id=reception.pk, by=people["tech_eng"], data=lunch(reception))
    meal = meal_create(reception_id=reception.pk, by=people["sales_rep"], data=lunch(reception))
    with pytest.raises(NotFound):
        meal_set_status(reception_id=reception.pk, meal_id=meal.pk, by=people["tech_eng"], status="cancelled")
    other = approved_reception(people, purpose="另一批")
    with pytest.raises(NotFound):  # a meal of another plan is not found through this one
        meal_set_status(reception_id=other.pk, meal_id=meal.pk, by=people["admin_clerk"], status="confirmed")


def test_under_review_no_new_meals_but_administration_still_confirms(people):
    """policy 3.1.2: a plan under review does not change; carrying out what was booked goes on (3.2.3)."""
    reception = approved_reception(people)
    meal = meal_create(reception_id=reception.pk, by=people["sales_rep"], data=lunch(reception))
    Plan.objects.filter(pk=meal.plan_id).update(status=PlanStatus.PENDING_REVIEW)
    with pytest.raises(ConflictError):
        meal_create(reception_id=reception.pk, by=people["sales_rep"], data=lunch(reception))
    meal = meal_set_status(reception_id=reception.pk, meal_id=meal.pk, by=people["admin_clerk"], status="confirmed")
    assert meal.status == "confirmed"


def test_a_change_after_confirmation_is_announced(people):
    """policy 3.1.2: after the plan is confirmed, a change is recorded as such."""
    reception = approved_reception(people)
    plan = plan_for(people, reception)
    Plan.objects.filter(pk=plan.pk).update(status=PlanStatus.CONFIRMED)
    meal_create(reception_id=reception.pk, by=people["sales_rep"], data=lunch(reception))
    assert PlanHistory.objects.filter(plan=plan).latest("id").action == PlanAction.CHANGED_AFTER_CONFIRMATION


# ---- hotels -----------------------------------------------------------------------------------------------


def test_hotel_stay_and_its_nights(people, res):
    reception = approved_reception(people)
    first, last = days(reception)
    stay_row = hotel_create(
        reception_id=reception.pk,
        by=people["sales_rep"],
        data=stay(reception, res, check_out=last + timedelta(days=1), room_type=" 大床房 ", guests="林海"),
    )
    assert stay_row.nights == (last - first).days + 1
    assert stay_row.room_type == "大床房"
    assert "园区酒店" in PlanHistory.objects.filter(plan=stay_row.plan).latest("id").summary


@pytest.mark.parametrize(
    ("shift", "field", "text"),
    [
        ({"check_in": -1}, "check_in", "来访日期之内"),  # the day before the visit
        ({"check_out": 2}, "check_out", "次日"),  # two days after the last day
        ({"check_in": 0, "check_out": -99}, "check_out", "晚于入住"),
    ],
)
def test_hotel_dates_follow_the_visit(people, res, shift, field, text):
    """policy 3.1.1: rooms for the visit — check-in on a day of the visit, check-out at the latest the morning
    after its last day."""
    reception = approved_reception(people)
    first, last = days(reception)
    data = stay(reception, res)
    if "check_in" in shift:
        data["check_in"] = first + timedelta(days=shift["check_in"])
    if "check_out" in shift:
        data["check_out"] = (last + timedelta(days=shift["check_out"])) if shift["check_out"] > -99 else first
    with pytest.raises(ValidationFailed) as exc:
        hotel_create(reception_id=reception.pk, by=people["sales_rep"], data=data)
    assert text in str(exc.value.errors[field][0])


def test_hotel_needs_a_hotel_dates_and_rooms(people, res):
    reception = approved_reception(people)
    with pytest.raises(ValidationFailed) as exc:
        hotel_create(
            reception_id=reception.pk,
            by=people["sales_rep"],
            data={"hotel": None, "check_in": None, "check_out": None, "rooms": 0},
        )
    assert set(exc.value.errors) == {"hotel", "check_in", "check_out", "rooms"}
    res["hotel"].is_active = False
    res["hotel"].save()
    with pytest.raises(ValidationFailed) as exc:
        hotel_create(reception_id=reception.pk, by=people["sales_rep"], data=stay(reception, res))
    assert "已停用" in str(exc.value.errors["hotel"][0])


def test_hotel_update_and_statuses(people, res):
    reception = approved_reception(people)
    first, _last = days(reception)
    row = hotel_create(reception_id=reception.pk, by=people["sales_rep"], data=stay(reception, res))
    row = hotel_update(reception_id=reception.pk, stay_id=row.pk, by=people["sales_rep"], data={"rooms": 5})
    assert row.rooms == 5
    with pytest.raises(ValidationFailed):
        hotel_update(reception_id=reception.pk, stay_id=row.pk, by=people["sales_rep"], data={"check_out": first})
    with pytest.raises(Forbidden):
        hotel_set_status(reception_id=reception.pk, stay_id=row.pk, by=people["sales_rep"], status="done")
    row = hotel_set_status(reception_id=reception.pk, stay_id=row.pk, by=people["admin_clerk"], status="confirmed")
    assert row.status == "confirmed"
    row = hotel_set_status(reception_id=reception.pk, stay_id=row.pk, by=people["sales_rep"], status="cancelled")
    assert row.status == "cancelled"
    with pytest.raises(NotFound):
        hotel_set_status(reception_id=reception.pk, stay_id=10**9, by=people["admin_clerk"], status="done")
