"""The daily deadline job's services: reminders before and flags after the plan's and the preparation tasks'
due dates (policy 3.1.2, 3.2.2; the flags count in the assessment, policy 6.2.2).

Every function takes `today` (the local Asia/Shanghai date, for tests and catch-up runs) and is idempotent:

- reminders carry a notify dedup_key (what, which row, which due date, which threshold), so a day's run repeated —
  or the next days' runs — never send the same reminder twice; a due date moved later gets its reminders again;
- overdue flags are set once (a conditional UPDATE ... WHERE overdue_at IS NULL), and only the run that set the
  flag records and announces it.

Reminders are sent N working days before the due date, N from the run-time settings plan_reminder_workdays and
task_reminder_workdays. A run that missed a day catches up with the nearest threshold not yet passed (2 and 1 days
before: a plan first seen 1 working day before its due date gets the "1 day" reminder only).

Queries: one read of the candidates and one of the calendar per function, then a fixed handful per reminder or
flag actually sent (each is its own transaction, so one bad row never blocks the others)."""

import datetime
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiedai.core.runtime_settings import get_setting
from jiedai.notify.services import notify
from jiedai.org.models import Role
from jiedai.org.selectors import users_with_role
from jiedai.planning.models import Plan, PlanAction, PrepTask, TaskStatus
from jiedai.planning.services.coordination import local_today, task_owner_ids
from jiedai.planning.services.plan import DOCUMENT_TYPE, history, plan_ensure, plan_url
from jiedai.receptions.models import LOCAL_TZ, Reception, ReceptionStatus
from jiedai.workdays.services import count_workdays, days_info, shift_workdays

logger = logging.getLogger(__name__)


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight of a local date, as an aware datetime."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=LOCAL_TZ)


def _announce(plan: Plan, recipients, kind: str, title, *, dedup_key: str, url: str = "", **params) -> list:
    """notify_plan, returning what was written (empty when the dedup key had already gone out to everyone), and
    linking to `url` if given (a task's row on the coordination tab)."""
    with translation.override(settings.LANGUAGE_CODE):
        return notify(
            recipients=recipients,
            kind=kind,
            title=str(title) % {"title": plan.reception.title, **params},
            url=url or plan_url(plan.reception_id),
            document_type=DOCUMENT_TYPE,
            document_id=plan.pk,
            dedup_key=dedup_key,
        )


class Countdown:
    """Working days left from `today` to due dates up to `horizon` (count_workdays's rule: `today` not counted,
    the due date counted), from one read of the calendar; `threshold(due)` is the reminder due for that date."""

    def __init__(self, today: datetime.date, thresholds: tuple[int, ...]):
        self.today = today
        self.thresholds = tuple(sorted(set(thresholds)))
        self.horizon = shift_workdays(today, max(self.thresholds)).date if self.thresholds else today
        self._cumulative: dict[datetime.date, int] = {}
        if self.horizon > today:
            running = 0
            for info in days_info(today + datetime.timedelta(days=1), self.horizon):
                running += info.is_workday
                self._cumulative[info.date] = running

    def left(self, due: datetime.date) -> int:
        if due <= self.today:
            return 0
        if due in self._cumulative:
            return self._cumulative[due]
        return count_workdays(self.today, due).count  # beyond the horizon: not a candidate anyway

    def threshold(self, due: datetime.date) -> int | None:
        """The nearest reminder threshold at or above the days left: None before the first reminder is due."""
        left = self.left(due)
        return next((n for n in self.thresholds if n >= left), None)


def _days_left_text(left: int) -> str:
    return _("今天截止") if left == 0 else _("还剩 %(n)s 个工作日") % {"n": left}


def _each(rows, action: Callable, what: str) -> int:
    """Run `action` on each row in its own transaction; count the rows it acted on. A failing row is logged and
    skipped (tomorrow's run tries it again), never allowed to stop the others."""
    done = 0
    for row in rows:
        try:
            with transaction.atomic():
                done += bool(action(row))
        except Exception:
            logger.exception("deadline job: %s %s failed", what, getattr(row, "pk", row))
    return done


# ------------------------------------------------------------------------------------------------ plans (3.1.2)


def _unsubmitted_plans():
    """Approved requests whose plan was never submitted (or not created yet), with the plan joined."""
    return (
        Reception.objects.filter(status=ReceptionStatus.APPROVED, plan_due_date__isnull=False)
        .filter(Q(plan__isnull=True) | Q(plan__submitted_at__isnull=True))
        .select_related("plan", "host_department")
        .order_by("plan_due_date", "pk")
    )


def _plan_of(reception: Reception) -> Plan:
    try:
        plan = reception.plan
    except Plan.DoesNotExist:
        plan = plan_ensure(reception)
    plan.reception = reception
    return plan


def plans_remind(*, today: datetime.date | None = None) -> int:
    """policy 3.1.2: remind the requester and the lead N working days before the plan's due date while the plan
    is not submitted. Returns how many plans were reminded."""
    today = today or local_today()
    countdown = Countdown(today, get_setting("plan_reminder_workdays"))
    if not countdown.thresholds:
        return 0
    receptions = _unsubmitted_plans().filter(
        plan_due_date__gte=today, plan_due_date__lte=countdown.horizon, visit_end__gte=day_start(today)
    )

    def remind(reception: Reception) -> bool:
        due = reception.plan_due_date
        threshold = countdown.threshold(due)
        if threshold is None:
            return False
        plan = _plan_of(reception)
        sent = _announce(
            plan,
            [reception.requester_id, reception.lead_id],
            "reminder",
            gettext_lazy("接待方案待提交：%(title)s，截止 %(due)s（%(left)s）"),
            dedup_key=f"plan_reminder:{reception.pk}:{due:%Y%m%d}:{threshold}",
            due=f"{due:%Y-%m-%d}",
            left=_days_left_text(countdown.left(due)),
        )
        if sent:
            history(
                plan,
                PlanAction.REMINDED,
                summary=_("截止 %(due)s，%(left)s")
                % {
                    "due": f"{due:%Y-%m-%d}",
                    "left": _days_left_text(countdown.left(due)),
                },
            )
        return bool(sent)

    return _each(list(receptions), remind, "plan reminder for reception")


def plans_flag_overdue(*, today: datetime.date | None = None) -> int:
    """policy 3.1.2 / 6.2.2: a plan not submitted by its due date, for a visit not over yet, is flagged once
    (plan.overdue_at, a PlanHistory OVERDUE row) and announced to the requester, the lead, the host department's
    head and administration. Requests without a plan yet get one. Returns how many plans were flagged."""
    today = today or local_today()
    receptions = list(
        _unsubmitted_plans()
        .filter(plan_due_date__lt=today, visit_end__gte=day_start(today))
        .filter(Q(plan__isnull=True) | Q(plan__overdue_at__isnull=True))
    )
    if not receptions:
        return 0
    administration = list(users_with_role(Role.ADMINISTRATION).values_list("pk", flat=True))
    now = timezone.now()

    def flag(reception: Reception) -> bool:
        plan = _plan_of(reception)
        flagged = Plan.objects.filter(pk=plan.pk, overdue_at__isnull=True, submitted_at__isnull=True).update(
            overdue_at=now
        )
        if not flagged:
            return False  # submitted or flagged meanwhile
        due = f"{reception.plan_due_date:%Y-%m-%d}"
        history(plan, PlanAction.OVERDUE, summary=_("方案截止日期 %s 已过，尚未提交审核。") % due)
        _announce(
            plan,
            [reception.requester_id, reception.lead_id, reception.host_department.head_id, *administration],
            "overdue",
            gettext_lazy("接待方案逾期未提交：%(title)s（截止 %(due)s）"),
            dedup_key=f"plan_overdue:{plan.pk}",
            due=due,
        )
        return True

    return _each(receptions, flag, "overdue flag for reception")


# ------------------------------------------------------------------------------------ preparation tasks (3.2.2)


def task_url(task: PrepTask) -> str:
    return reverse("planning:coordination", args=[task.plan.reception_id]) + f"#task-{task.pk}"


def _open_tasks():
    return (
        PrepTask.objects.filter(status=TaskStatus.OPEN, plan__reception__status=ReceptionStatus.APPROVED)
        .select_related("plan__reception", "department")
        .order_by("due_date", "pk")
    )


def tasks_remind(*, today: datetime.date | None = None) -> int:
    """policy 3.2.2: remind a task's owner N working days before its deadline. Returns how many were reminded."""
    today = today or local_today()
    countdown = Countdown(today, get_setting("task_reminder_workdays"))
    if not countdown.thresholds:
        return 0
    tasks = _open_tasks().filter(
        due_date__gte=today,
        due_date__lte=countdown.horizon,
        plan__reception__visit_end__gte=day_start(today),
    )

    def remind(task: PrepTask) -> bool:
        threshold = countdown.threshold(task.due_date)
        if threshold is None:
            return False
        return bool(
            _announce(
                task.plan,
                task_owner_ids(task),
                "reminder",
                gettext_lazy("准备任务即将到期：%(task)s（%(title)s），截止 %(due)s（%(left)s）"),
                dedup_key=f"task_reminder:{task.pk}:{task.due_date:%Y%m%d}:{threshold}",
                url=task_url(task),
                task=task.title,
                due=f"{task.due_date:%Y-%m-%d}",
                left=_days_left_text(countdown.left(task.due_date)),
            )
        )

    return _each(list(tasks), remind, "reminder for task")


def tasks_flag_overdue(*, today: datetime.date | None = None) -> int:
    """policy 3.2.2: an open task past its deadline is flagged once (overdue_at) and announced to its owner and
    the plan's editors. Returns how many tasks were flagged."""
    today = today or local_today()
    tasks = list(_open_tasks().filter(due_date__lt=today, overdue_at__isnull=True))
    now = timezone.now()

    def flag(task: PrepTask) -> bool:
        flagged = PrepTask.objects.filter(pk=task.pk, status=TaskStatus.OPEN, overdue_at__isnull=True).update(
            overdue_at=now
        )
        if not flagged:
            return False
        reception = task.plan.reception
        _announce(
            task.plan,
            [*task_owner_ids(task), reception.requester_id, reception.lead_id],
            "overdue",
            gettext_lazy("准备任务已逾期：%(task)s（%(title)s），截止 %(due)s"),
            dedup_key=f"task_overdue:{task.pk}",
            url=task_url(task),
            task=task.title,
            due=f"{task.due_date:%Y-%m-%d}",
        )
        return True

    return _each(tasks, flag, "overdue flag for task")


def deadlines_run(*, today: datetime.date | None = None) -> dict[str, int]:
    """The whole daily job (the Celery task calls this)."""
    today = today or local_today()
    return {
        "plans_reminded": plans_remind(today=today),
        "plans_overdue": plans_flag_overdue(today=today),
        "tasks_reminded": tasks_remind(today=today),
        "tasks_overdue": tasks_flag_overdue(today=today),
    }
