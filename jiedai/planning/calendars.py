"""iCalendar (.ics, RFC 5545) exports of the itinerary (policy 3.1.1): the client's (from the public link: the
items the client sees) and each staff member's own (the items they are assigned to across the plans they may read;
a whole-visit duty is one event spanning the visit).

Times are written in UTC; every event has a stable UID (the same item keeps its UID across exports, so a calendar
that imports the file again updates the event) and the plan's version as its SEQUENCE."""

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jiedai.planning.access import plans_visible_to
from jiedai.planning.models import PlanStatus, StaffAssignment
from jiedai.receptions.models import LOCAL_TZ

PRODID = "-//Jiedai//Reception Planning//ZH"
CONTENT_TYPE = "text/calendar; charset=utf-8"


def _calendar_module():
    # Imported when a calendar is built, not when the app loads: the site keeps working if the package is missing.
    import icalendar

    return icalendar


def _uid_domain() -> str:
    return urlsplit(getattr(settings, "SITE_URL", "")).hostname or "jiedai"


def _utc(value: datetime.datetime) -> datetime.datetime:
    return value.astimezone(datetime.UTC)


def _new_calendar(name: str):
    icalendar = _calendar_module()
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Asia/Shanghai")
    return calendar


def _event(
    *,
    uid: str,
    start,
    end,
    summary: str,
    location: str = "",
    description: str = "",
    sequence: int = 0,
    status: str = "CONFIRMED",
    url: str = "",
    stamp=None,
):
    icalendar = _calendar_module()
    event = icalendar.Event()
    event.add("uid", f"{uid}@{_uid_domain()}")
    event.add("dtstamp", _utc(stamp or timezone.now()))
    event.add("dtstart", _utc(start))
    event.add("dtend", _utc(end))
    event.add("summary", summary)
    if location:
        event.add("location", location)
    if description:
        event.add("description", description)
    event.add("sequence", sequence)
    event.add("status", status)
    if url:
        event.add("url", url)
    return event


def _absolute(path: str) -> str:
    return getattr(settings, "SITE_URL", "").rstrip("/") + path


def client_calendar(plan, items) -> bytes:
    """The client's itinerary: what the public link shows and nothing more (title, kind, time, place and the
    client-visible description; never internal notes)."""
    reception = plan.reception
    calendar = _new_calendar(_("来访行程 %(dates)s") % {"dates": _visit_dates(reception)})
    now = timezone.now()
    for item in items:
        description = "\n".join(part for part in (item.get_kind_display(), item.description) if part)
        calendar.add_component(
            _event(
                uid=f"jiedai-item-{item.pk}",
                start=item.start,
                end=item.end,
                summary=item.title,
                location=item.place,
                description=description,
                sequence=plan.version,
                status=_status(plan),
                stamp=now,
            )
        )
    return calendar.to_ical()


def staff_assignments_for(user):
    """The user's duties on the plans they may read, with what the events need (three tables, one query)."""
    return (
        StaffAssignment.objects.filter(person=user, plan__in=plans_visible_to(user))
        .select_related("plan__reception", "item")
        .order_by("plan__reception__visit_start", "id")
    )


def staff_calendar(user, assignments=None) -> bytes:
    """A staff member's own calendar: each duty on an itinerary item is that item's event; a duty on the whole
    visit is one event from the visit's start to its end."""
    assignments = staff_assignments_for(user) if assignments is None else assignments
    calendar = _new_calendar(_("我的接待安排 · %(name)s") % {"name": user.display_name})
    now = timezone.now()
    for duty in assignments:
        plan = duty.plan
        reception = plan.reception
        role = duty.get_role_display()
        lines = [str(reception.title)]
        lines.append(_("%(role)s：%(duty)s") % {"role": role, "duty": duty.duty} if duty.duty else role)
        url = _absolute(reverse("planning:overview", args=[reception.pk]))
        if duty.item_id:
            item = duty.item
            if item.description:
                lines.append(item.description)
            start, end = item.start, item.end
            summary = _("%(title)s（%(role)s）") % {"title": item.title, "role": role}
            location = item.place
        else:
            if not (reception.visit_start and reception.visit_end):
                continue
            start, end = reception.visit_start, reception.visit_end
            summary = _("接待：%(title)s（%(role)s）") % {"title": reception.title, "role": role}
            location = ""
        lines.append(url)
        calendar.add_component(
            _event(
                uid=f"jiedai-duty-{duty.pk}",
                start=start,
                end=end,
                summary=summary,
                location=location,
                description="\n".join(lines),
                sequence=plan.version,
                status=_status(plan),
                url=url,
                stamp=now,
            )
        )
    return calendar.to_ical()


def _status(plan) -> str:
    """A confirmed plan's events are CONFIRMED; before that they may still change (TENTATIVE)."""
    return "CONFIRMED" if plan.status == PlanStatus.CONFIRMED else "TENTATIVE"


def _visit_dates(reception) -> str:
    if not reception.visit_start:
        return ""
    start = reception.visit_start.astimezone(LOCAL_TZ).date()
    end = reception.visit_end.astimezone(LOCAL_TZ).date() if reception.visit_end else start
    return f"{start:%Y-%m-%d}" if start == end else f"{start:%Y-%m-%d}–{end:%m-%d}"
