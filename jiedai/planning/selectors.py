"""Reads for plan pages: the deadline as people read it, and the plan's parts with a fixed number of queries."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from jiedai.receptions.models import LOCAL_TZ
from jiedai.workdays.services import count_workdays


@dataclass
class Deadline:
    """policy 3.1.2: the plan's due date and the working days left (negative: overdue by that many)."""

    due: datetime.date | None
    provisional: bool
    workdays_left: int | None
    overdue: bool
    met: bool  # submitted on or before the due date

    @property
    def workdays_overdue(self) -> int:
        return max(0, -(self.workdays_left or 0))

    @property
    def color(self) -> str:
        if self.met:
            return "success"
        if self.overdue:
            return "danger"
        return "warning" if self.workdays_left is not None and self.workdays_left <= 1 else "secondary"


def plan_deadline(reception, plan=None, *, today: datetime.date | None = None) -> Deadline:
    due = reception.plan_due_date
    submitted_at = plan.submitted_at if plan is not None else None
    if due is None:
        return Deadline(None, False, None, False, False)
    today = today or timezone.now().astimezone(LOCAL_TZ).date()
    met = submitted_at is not None and submitted_at.astimezone(LOCAL_TZ).date() <= due
    left = count_workdays(today, due).count
    overdue = submitted_at is None and today > due
    return Deadline(due, reception.plan_due_provisional, left, overdue, met)
