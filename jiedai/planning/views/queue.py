"""Company-wide logistics pages: administration's queue of what it must carry out across all visits (policy 3.2.3),
and who holds which room, car and driver on a day (policy 3.1.1: nothing is booked twice)."""

import datetime
from dataclasses import dataclass
from itertools import groupby

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from jiedai.core.page_cache import cached_page
from jiedai.planning.access import is_logistics_handler
from jiedai.planning.forms_logistics import QueueFilterForm
from jiedai.planning.models import Driver, LogisticsStatus, Vehicle, Venue
from jiedai.planning.selectors_logistics import OPEN_STATUSES, local_day, logistics_queue, resource_busy
from jiedai.planning.views.logistics import status_actions
from jiedai.receptions.models import LOCAL_TZ

QUEUE_DAYS = 14  # the queue shows today and the next two weeks unless told otherwise


def _today() -> datetime.date:
    return timezone.now().astimezone(LOCAL_TZ).date()


@login_required
@require_GET
@cached_page
def queue_view(request):
    """policy 3.2.3: every venue setup, car, meal and hotel booking administration must carry out, by date."""
    if not is_logistics_handler(request.user):
        raise PermissionDenied(_("只有行政部接待岗可以查看后勤任务。"))
    today = _today()
    form = QueueFilterForm(request.GET)
    date_from = form.value("date_from", today)
    date_to = form.value("date_to", date_from + datetime.timedelta(days=QUEUE_DAYS))
    if date_to < date_from:
        date_from, date_to = date_to, date_from
    kind = form.value("kind", "")
    status = form.value("status", "")
    if status == "all":
        statuses = LogisticsStatus.values
    elif status:
        statuses = [status]
    else:
        statuses = OPEN_STATUSES
    after = request.GET.get("after", "")[:64]
    page = logistics_queue(date_from=date_from, date_to=date_to, kind=kind, statuses=statuses, after=after)
    for row in page.rows:
        row.obj.actions = status_actions(row.obj, admin=True, editor=False)
    # The rows under their day's header; each row is rendered once (a row on a desktop, a card on a phone).
    days = [(day, list(rows)) for day, rows in groupby(page.rows, key=lambda row: row.at.astimezone(LOCAL_TZ).date())]
    context = {
        "page": page,
        "rows": page.rows,
        "days": days,
        "form": form,
        "date_from": date_from,
        "date_to": date_to,
        "kind": kind,
        "status": status,
        "is_later_page": bool(after),
        "today": today,
        "here": request.get_full_path(),
    }
    return render(request, "planning/queue.html", context)


@dataclass
class Bar:
    """A busy slot drawn on the day's 24-hour strip (x and width in minutes of the day)."""

    slot: object
    x: int
    width: int
    start: datetime.datetime
    end: datetime.datetime
    starts_before: bool
    ends_after: bool


def _bars(slots, day_start, day_end) -> list[Bar]:
    bars = []
    for slot in slots:
        start, end = max(slot.start, day_start), min(slot.end, day_end)
        x = int((start - day_start).total_seconds() // 60)
        width = max(int((end - start).total_seconds() // 60), 10)
        bars.append(Bar(slot, x, min(width, 1440 - x), start, end, slot.start < day_start, slot.end > day_end))
    return bars


def _parse_day(text: str) -> datetime.date | None:
    try:
        return parse_date(text.strip()[:10])
    except ValueError:  # well formed but no such day (2026-02-30)
        return None


RESOURCE_GROUPS = [
    ("venue", Venue, gettext_lazy("场地"), "bi-door-open"),
    ("vehicle", Vehicle, gettext_lazy("车辆"), "bi-car-front"),
    ("driver", Driver, gettext_lazy("司机"), "bi-person-badge"),
]


@login_required
@require_GET
@cached_page
def resources_view(request):
    """Who holds which room, car and driver on a day. Any colleague may see what is busy; only administration sees
    more than the visit's number (the rest is the visit's business)."""
    today = _today()
    day = _parse_day(request.GET.get("date", "")) or today
    day_start, day_end = local_day(day)
    groups = []
    for code, model, label, icon in RESOURCE_GROUPS:
        rows = [
            {"resource": busy.resource, "bars": _bars(busy.slots, day_start, day_end)}
            for busy in resource_busy(model, day_start, day_end)
        ]
        groups.append({"code": code, "label": label, "icon": icon, "rows": rows})
    context = {
        "day": day,
        "today": today,
        "previous_day": day - datetime.timedelta(days=1),
        "next_day": day + datetime.timedelta(days=1),
        "groups": groups,
        "is_admin": is_logistics_handler(request.user),
        "hours": [0, 6, 12, 18, 24],
    }
    return render(request, "planning/resources.html", context)
