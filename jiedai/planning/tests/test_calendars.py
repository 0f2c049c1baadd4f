"""policy 3.1.1: the itinerary as iCalendar files — the client's from the public link (the items the client sees),
and each staff member's own duties across the plans they may read (a whole-visit duty spans the visit). Every file
is parsed back with the icalendar package."""

import datetime
from datetime import timedelta

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiedai.planning.calendars import PRODID
from jiedai.planning.models import StaffRole
from jiedai.planning.services.itinerary import item_create, staff_assign
from jiedai.planning.services.links import link_create
from jiedai.planning.tests.factories import approved_reception, plan_for

pytestmark = pytest.mark.django_db

INTERNAL_NOTE = "内部：客户对价格敏感"


def _items(people, plan):
    start, rep = plan.reception.visit_start, people["sales_rep"]
    welcome = {
        "kind": "welcome",
        "title": "欢迎会",
        "start": start,
        "end": start + timedelta(hours=1),
        "place": "一号会议室",
        "description": "总经理致欢迎辞",
        "internal_notes": INTERNAL_NOTE,
    }
    welcome = item_create(reception_id=plan.reception_id, by=rep, data=welcome)
    tour = {"kind": "site_visit", "title": "参观生产线", "place": "二号厂房"}
    tour["start"], tour["end"] = start + timedelta(days=1), start + timedelta(days=1, hours=2)
    tour = item_create(reception_id=plan.reception_id, by=rep, data=tour)
    return welcome, tour


def _duty(people, plan, person, role, **extra):
    data = {"person": people[person], "role": role, **extra}
    return staff_assign(reception_id=plan.reception_id, by=people["sales_rep"], data=data)


def parse(response) -> icalendar.Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    calendar = icalendar.Calendar.from_ical(response.content)
    assert calendar.name == "VCALENDAR"
    assert str(calendar["PRODID"]) == PRODID and str(calendar["VERSION"]) == "2.0"
    return calendar


def events(calendar) -> list:
    found = list(calendar.walk("VEVENT"))
    for event in found:
        for prop in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"):
            assert prop in event, prop
        for prop in ("DTSTAMP", "DTSTART", "DTEND"):
            assert event.decoded(prop).utcoffset() == timedelta(0), prop  # written in UTC
    assert len({str(e["UID"]) for e in found}) == len(found)  # one UID per event
    return found


def test_client_calendar_from_the_public_link(client, people):
    plan = plan_for(people)
    welcome, tour = _items(people, plan)
    link = link_create(reception_id=plan.reception_id, by=people["sales_rep"])
    response = client.get(reverse("planning:public_itinerary_ics", args=[link.token]))  # no login
    assert response["Referrer-Policy"] == "no-referrer"
    assert INTERNAL_NOTE.encode() not in response.content
    found = {str(e["SUMMARY"]): e for e in events(parse(response))}
    assert set(found) == {"欢迎会", "参观生产线"}
    event = found["欢迎会"]
    assert event.decoded("DTSTART") == welcome.start and event.decoded("DTEND") == welcome.end
    assert event.decoded("DTSTART").tzinfo is not None and str(event["LOCATION"]) == "一号会议室"
    assert "总经理致欢迎辞" in str(event["DESCRIPTION"])
    assert str(found["参观生产线"]["LOCATION"]) == "二号厂房"
    assert str(event["STATUS"]) == "TENTATIVE"  # the plan is not confirmed yet
    # The same item keeps its UID in the next export, so a calendar updates the event instead of adding one.
    again = {str(e["SUMMARY"]): str(e["UID"]) for e in events(parse(client.get(response.request["PATH_INFO"])))}
    assert again["欢迎会"] == str(event["UID"])


def test_staff_calendar_holds_my_duties_across_plans(client, people):
    first = plan_for(people)
    welcome, tour = _items(people, first)
    second = plan_for(people, approved_reception(people, purpose="第二批客户来访"))
    (other_welcome, _other_tour) = _items(people, second)
    me = people["sales_rep"]
    _duty(people, first, "sales_rep", StaffRole.LEAD, duty="全程负责")  # the whole visit
    _duty(people, first, "sales_rep", StaffRole.GUIDE, item=welcome)
    _duty(people, second, "sales_rep", StaffRole.ESCORT, item=other_welcome)
    _duty(people, first, "admin_clerk", StaffRole.DRIVER, item=tour)

    assert client.get(reverse("planning:my_calendar")).status_code == 302  # login first
    client.force_login(me)
    found = events(parse(client.get(reverse("planning:my_calendar"))))
    assert len(found) == 3  # not the driver's duty
    whole = next(e for e in found if e.decoded("DTEND") - e.decoded("DTSTART") > timedelta(hours=2))
    reception = first.reception
    assert whole.decoded("DTSTART") == reception.visit_start and whole.decoded("DTEND") == reception.visit_end
    assert "接待负责人" in str(whole["SUMMARY"]) and "全程负责" in str(whole["DESCRIPTION"])
    guide = next(e for e in found if "欢迎会" in str(e["SUMMARY"]) and e.decoded("DTSTART") == welcome.start)
    assert "讲解人员" in str(guide["SUMMARY"]) and str(guide["LOCATION"]) == "一号会议室"
    assert INTERNAL_NOTE not in client.get(reverse("planning:my_calendar")).content.decode()

    client.force_login(people["admin_clerk"])
    (drive,) = events(parse(client.get(reverse("planning:my_calendar"))))
    assert drive.decoded("DTSTART") == tour.start and "司机" in str(drive["SUMMARY"])

    client.force_login(people["tech_eng"])  # no duties: a valid, empty calendar
    assert events(parse(client.get(reverse("planning:my_calendar")))) == []


def test_staff_calendar_query_count_does_not_grow(client, people):
    plan = plan_for(people)
    me = people["sales_rep"]
    client.force_login(me)
    _duty(people, plan, "sales_rep", StaffRole.LEAD)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("planning:my_calendar")).status_code == 200
        return len(captured)

    one = queries()
    for i in range(10):
        start = plan.reception.visit_start + timedelta(hours=i)
        item = {"kind": "meeting", "title": f"会谈{i}", "start": start, "end": start + timedelta(hours=1)}
        item = item_create(reception_id=plan.reception_id, by=me, data=item)
        _duty(people, plan, "sales_rep", StaffRole.ESCORT, item=item)
    assert queries() == one


def test_dtstamp_is_now_in_utc(client, people):
    plan = plan_for(people)
    _items(people, plan)
    link = link_create(reception_id=plan.reception_id, by=people["sales_rep"])
    (first, *_rest) = events(parse(client.get(reverse("planning:public_itinerary_ics", args=[link.token]))))
    stamp = first.decoded("DTSTAMP")
    assert abs(stamp - datetime.datetime.now(datetime.UTC)) < timedelta(minutes=5)
