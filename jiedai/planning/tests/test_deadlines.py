"""policy 3.1.2 / 3.2.2: reminders before the plan's and the preparation tasks' due dates, overdue flags after them
(the daily job). Every run is given its date (`today=`), so these tests fix the calendar day they run on."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiedai.core.models import SystemSetting
from jiedai.notify.models import Notification
from jiedai.org.models import Department
from jiedai.planning.models import Plan, PlanAction, PrepTask
from jiedai.planning.review import plan_submit
from jiedai.planning.services.coordination import task_create, task_set_status
from jiedai.planning.services.deadlines import (
    Countdown,
    deadlines_run,
    plans_flag_overdue,
    plans_remind,
    tasks_flag_overdue,
    tasks_remind,
)
from jiedai.planning.tests.factories import approved_reception, plan_for, ready_plan
from jiedai.receptions.models import LOCAL_TZ
from jiedai.workdays.services import count_workdays, shift_workdays

pytestmark = pytest.mark.django_db


def _before(day, workdays):
    return shift_workdays(day, -workdays).date


def _told(kind, **filters):
    return sorted(Notification.objects.filter(kind=kind, **filters).values_list("recipient__username", flat=True))


# ------------------------------------------------------------------------------------------------ plans (3.1.2)


def test_plan_reminders_go_out_2_and_1_working_days_before_the_due_date_once_each(people):
    """Default plan_reminder_workdays (2, 1); the request has no plan yet: the reminder creates it."""
    reception = approved_reception(people, important=True)  # lead: sales_rep; coordinating: tech
    due = reception.plan_due_date
    assert not Plan.objects.exists()

    assert plans_remind(today=_before(due, 3)) == 0
    assert plans_remind(today=_before(due, 2)) == 1
    plan = Plan.objects.get(reception=reception)
    assert _told("reminder") == ["sales_rep"]  # requester and lead are the same person here
    assert "还剩 2 个工作日" in Notification.objects.get(kind="reminder").title
    assert plans_remind(today=_before(due, 2)) == 0  # the day's run repeated
    assert plans_remind(today=_before(due, 1)) == 1
    assert plans_remind(today=due) == 0  # the "1 day" reminder already went out
    assert Notification.objects.filter(kind="reminder").count() == 2
    assert plan.history.filter(action=PlanAction.REMINDED).count() == 2


def test_a_missed_day_is_caught_up_with_the_nearest_reminder_only(people):
    reception = approved_reception(people)
    due = reception.plan_due_date
    assert plans_remind(today=_before(due, 1)) == 1
    assert plans_remind(today=due) == 0
    titles = list(Notification.objects.filter(kind="reminder").values_list("title", flat=True))
    assert len(titles) == 1 and "还剩 1 个工作日" in titles[0]


def test_the_setting_decides_the_reminder_days_and_a_submitted_plan_is_not_reminded(people):
    SystemSetting.objects.update_or_create(key="plan_reminder_workdays", defaults={"value": "3"})
    reception = approved_reception(people)
    due = reception.plan_due_date
    assert plans_remind(today=_before(due, 2)) == 1  # within 3 working days: caught up with the "3" reminder
    assert plans_remind(today=_before(due, 1)) == 0

    submitted = ready_plan(people, approved_reception(people, purpose="已提交方案的来访"))
    plan_submit(reception_id=submitted.reception_id, by=people["sales_rep"])
    assert plans_remind(today=_before(submitted.reception.plan_due_date, 1)) == 0


def test_reminders_on_the_due_date_itself_when_zero_is_configured(people):
    SystemSetting.objects.update_or_create(key="plan_reminder_workdays", defaults={"value": "0"})
    reception = approved_reception(people)
    assert plans_remind(today=_before(reception.plan_due_date, 1)) == 0
    assert plans_remind(today=reception.plan_due_date) == 1
    assert "今天截止" in Notification.objects.get(kind="reminder").title


def test_a_plan_not_submitted_by_its_due_date_is_flagged_once_and_announced(people):
    """Requester, lead, the host department's head and administration are told; the flag is set once."""
    reception = approved_reception(people)
    due = reception.plan_due_date
    assert plans_flag_overdue(today=due) == 0  # due today: not late yet
    assert plans_flag_overdue(today=due + timedelta(days=1)) == 1
    plan = Plan.objects.get(reception=reception)
    assert plan.overdue_at is not None
    assert plan.history.filter(action=PlanAction.OVERDUE).count() == 1
    assert _told("overdue") == ["admin_clerk", "sales_head", "sales_rep"]
    flagged_at = plan.overdue_at
    assert plans_flag_overdue(today=due + timedelta(days=2)) == 0
    plan.refresh_from_db()
    assert plan.overdue_at == flagged_at and Notification.objects.filter(kind="overdue").count() == 3


def test_submitted_plans_and_visits_already_over_are_not_flagged(people):
    on_time = ready_plan(people)
    plan_submit(reception_id=on_time.reception_id, by=people["sales_rep"])
    assert plans_flag_overdue(today=on_time.reception.plan_due_date + timedelta(days=1)) == 0
    over = approved_reception(people, purpose="已经结束的来访")
    after = over.visit_end.astimezone(LOCAL_TZ).date() + timedelta(days=1)
    assert plans_flag_overdue(today=after) == 0  # the on-time plan's visit is over too by then
    assert not Plan.objects.exclude(overdue_at=None).exists()


# ------------------------------------------------------------------------------------ preparation tasks (3.2.2)


def _tasks(people):
    plan = plan_for(people, important=True)
    due = plan.reception.visit_start.astimezone(LOCAL_TZ).date() - timedelta(days=3)
    rid, by = plan.reception_id, people["sales_rep"]
    personal = task_create(
        reception_id=rid, by=by, data={"title": "准备样品", "assignee": people["tech_eng"], "due_date": due}
    )
    tech = Department.objects.get(code="tech")
    departmental = task_create(reception_id=rid, by=by, data={"title": "布置展厅", "department": tech, "due_date": due})
    finished = task_create(
        reception_id=rid, by=by, data={"title": "打印资料", "assignee": people["tech_eng"], "due_date": due}
    )
    task_set_status(reception_id=rid, task_id=finished.pk, by=people["tech_eng"], status="done")
    return plan, due, personal, departmental


def test_task_owners_are_reminded_1_working_day_before_once(people):
    plan, due, personal, departmental = _tasks(people)
    assert tasks_remind(today=_before(due, 2)) == 0
    assert tasks_remind(today=_before(due, 1)) == 2  # the finished task is not reminded
    assert _told("reminder") == ["tech_eng", "tech_head"]  # the person; the department's head
    reminder = Notification.objects.get(kind="reminder", recipient=people["tech_eng"])
    assert reminder.url.endswith(f"/coordination/#task-{personal.pk}") and "准备样品" in reminder.title
    assert tasks_remind(today=_before(due, 1)) == 0
    assert tasks_remind(today=due) == 0


def test_open_tasks_past_their_deadline_are_flagged_once_and_announced(people):
    plan, due, personal, departmental = _tasks(people)
    assert tasks_flag_overdue(today=due) == 0
    assert tasks_flag_overdue(today=due + timedelta(days=1)) == 2
    assert set(PrepTask.objects.exclude(overdue_at=None).values_list("title", flat=True)) == {"准备样品", "布置展厅"}
    # owner and the plan's editors (requester = lead = sales_rep here)
    assert _told("overdue") == ["sales_rep", "sales_rep", "tech_eng", "tech_head"]
    assert tasks_flag_overdue(today=due + timedelta(days=2)) == 0
    assert Notification.objects.filter(kind="overdue").count() == 4


# ---------------------------------------------------------------------------------------------------- the job


def test_countdown_agrees_with_count_workdays(people):
    """One read of the calendar gives the same working days left as count_workdays, weekends and holidays too."""
    start = approved_reception(people).plan_due_date - timedelta(days=20)
    for offset in range(20):
        today = start + timedelta(days=offset)
        countdown = Countdown(today, (5, 2, 1))
        day = today
        while day <= countdown.horizon:
            assert countdown.left(day) == max(0, count_workdays(today, day).count), (today, day)
            day += timedelta(days=1)


def test_the_job_costs_the_same_queries_whatever_the_number_of_quiet_plans(people):
    """Plans not due for a reminder and already flagged cost nothing per plan."""
    first = approved_reception(people)
    day = first.plan_due_date + timedelta(days=1)
    deadlines_run(today=day)

    def quiet_run():
        with CaptureQueriesContext(connection) as queries:
            result = deadlines_run(today=day)
        assert result == {"plans_reminded": 0, "plans_overdue": 0, "tasks_reminded": 0, "tasks_overdue": 0}
        return len(queries)

    one = quiet_run()
    for n in range(5):
        approved_reception(people, purpose=f"第 {n} 批客户")
    deadlines_run(today=day)  # flags the new ones
    assert Plan.objects.exclude(overdue_at=None).count() == 6
    assert quiet_run() == one


def test_the_celery_task_runs_the_job_and_is_on_the_beat_schedule(people):
    from jiedai.celery import app
    from jiedai.planning import tasks

    reception = approved_reception(people)
    day = reception.plan_due_date + timedelta(days=1)
    tasks.deadlines_daily.delay(day.isoformat())  # eager in tests
    assert Plan.objects.get(reception=reception).overdue_at is not None
    entry = app.conf.beat_schedule["planning.deadlines_daily"]
    assert entry["task"] == tasks.deadlines_daily.name and entry["schedule"] == tasks.DAILY_AT
