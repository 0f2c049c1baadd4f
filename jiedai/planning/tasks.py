"""The daily deadline job on the beat schedule (policy 3.1.2, 3.2.2): reminders before the plan's and the
preparation tasks' due dates, overdue flags after them. The work is in services/deadlines.py."""

import datetime

from celery import shared_task
from celery.schedules import crontab

from jiedai.celery import app
from jiedai.planning.services.deadlines import deadlines_run

# 08:00 in CELERY_TIMEZONE (Asia/Shanghai): reminders arrive at the start of the working day, and yesterday's due
# dates are flagged then. A run missed (beat down) is caught up by the next one: reminders and flags are idempotent.
DAILY_AT = crontab(hour=8, minute=0)
EXPIRES = 12 * 60 * 60  # a worker back after a long outage runs today's job once, not a pile of old ones


@shared_task(ignore_result=True)
def deadlines_daily(today: str | None = None) -> dict[str, int]:
    """`today` (ISO date) only for a manual catch-up run; the beat passes nothing (the local date of the run)."""
    return deadlines_run(today=datetime.date.fromisoformat(today) if today else None)


app.add_periodic_task(DAILY_AT, deadlines_daily.s(), name="planning.deadlines_daily", expires=EXPIRES)
