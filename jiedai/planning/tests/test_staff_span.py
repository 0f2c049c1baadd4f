"""policy 3.1.1: the time a person is needed is kept on the assignment (what the "two places at once" warning
reads): the item's time, following the item when it moves, or the whole visit."""

from datetime import timedelta

import pytest

from jiedai.planning.models import StaffAssignment
from jiedai.planning.services.itinerary import item_create, item_update, staff_assign
from jiedai.planning.tests.factories import approved_reception

pytestmark = pytest.mark.django_db


def test_the_span_is_the_items_time_and_follows_it_or_the_whole_visit(people):
    reception = approved_reception(people)
    by, start = people["sales_rep"], reception.visit_start
    data = {"kind": "meeting", "title": "洽谈", "start": start, "end": start + timedelta(hours=1)}
    item = item_create(reception_id=reception.pk, by=by, data=data)
    on_item = staff_assign(
        reception_id=reception.pk, by=by, data={"person": people["tech_eng"], "role": "guide", "item": item}
    )
    whole = staff_assign(reception_id=reception.pk, by=by, data={"person": by, "role": "lead"})
    assert (whole.span_start, whole.span_end) == (reception.visit_start, reception.visit_end)
    moved = {"start": start + timedelta(hours=3), "end": start + timedelta(hours=4)}
    item_update(reception_id=reception.pk, item_id=item.pk, by=by, data=moved)
    on_item = StaffAssignment.objects.get(pk=on_item.pk)
    assert (on_item.span_start, on_item.span_end) == (moved["start"], moved["end"])
