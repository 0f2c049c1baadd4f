"""What a document's page shows of its approval: the timeline grouped by round, the viewer's own pending task and
the CC list. Built from the engine's selectors only; documents call it from their views (the engine imports no
document app)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiedai.approvals.models import EventAction, InstanceStatus, TaskStatus
from jiedai.approvals.selectors import cc_list, events, timeline, upcoming_steps

# Events that are not a task's decision (those are shown through the task itself).
ROUND_EVENTS = {
    EventAction.SUBMITTED: "primary",
    EventAction.RESUBMITTED: "primary",
    EventAction.WITHDRAWN: "dark",
    EventAction.COMPLETED: "success",
    EventAction.COPIED: "info",
}
ROUND_OUTCOMES = {
    TaskStatus.RETURNED: (gettext_lazy("已退回"), "secondary"),
    TaskStatus.REJECTED: (gettext_lazy("已驳回"), "danger"),
    EventAction.WITHDRAWN: (gettext_lazy("已撤回"), "dark"),
}
INSTANCE_COLORS = {
    InstanceStatus.PENDING: "primary",
    InstanceStatus.APPROVED: "success",
    InstanceStatus.REJECTED: "danger",
    InstanceStatus.RETURNED: "secondary",
    InstanceStatus.WITHDRAWN: "dark",
}


def person_label(person, on_behalf_of=None) -> str:
    """ "X（代 Y）" when X acted for Y (delegation while away)."""
    if person is None:
        return _("系统")
    if on_behalf_of is not None and on_behalf_of.pk != person.pk:
        return _("%(delegate)s（代 %(principal)s）") % {
            "delegate": person.display_name,
            "principal": on_behalf_of.display_name,
        }
    return person.display_name


@dataclass
class TimelineItem:
    kind: str  # "task" or "event"
    status: str  # the task's status or the event's action
    label: str  # step name, or the event's action
    who: str
    badge: str
    color: str
    comment: str = ""
    at: datetime | None = None
    pending: bool = False
    mine: bool = False
    task_id: int | None = None
    rank: int = 1
    just_now: bool = False  # waiting for less than a minute: "刚刚", not "已等待 0 分钟"


@dataclass
class Round:
    number: int
    items: list[TimelineItem] = field(default_factory=list)
    current: bool = False
    outcome: str = ""
    outcome_color: str = "secondary"
    submitted_at: datetime | None = None


@dataclass
class ApprovalView:
    instance: object = None
    rounds: list[Round] = field(default_factory=list)
    my_task: object = None
    cc: list = field(default_factory=list)
    my_cc: object = None

    @property
    def current_round(self):
        return self.rounds[-1] if self.rounds else None

    @property
    def earlier_rounds(self):
        return self.rounds[:-1]


def _task_item(task, user) -> TimelineItem:
    pending = task.status == TaskStatus.PENDING
    who = person_label(task.assignee, task.acting_for)
    comment = task.comment or task.skip_reason
    return TimelineItem(
        kind="task",
        status=task.status,
        label=task.step.name,
        who=who,
        badge=task.get_status_display(),
        color=task.status_color,
        comment=comment,
        at=task.decided_at if not pending else task.created_at,
        pending=pending,
        mine=pending and task.assignee_id == user.pk,
        task_id=task.pk,
        just_now=pending and timezone.now() - task.created_at < timedelta(minutes=1),
    )


def _event_item(event) -> TimelineItem:
    rank = 0 if event.action in (EventAction.SUBMITTED, EventAction.RESUBMITTED) else 2
    return TimelineItem(
        kind="event",
        status=event.action,
        label=event.get_action_display(),
        who=person_label(event.actor, event.on_behalf_of),
        badge=event.get_action_display(),
        color=ROUND_EVENTS[event.action],
        comment=event.comment,
        at=event.created_at,
        rank=rank,
    )


def _upcoming_item(step, people) -> TimelineItem:
    """A step still to come (as DingTalk and Feishu show the whole chain), with who it will ask as things stand."""
    return TimelineItem(
        kind="upcoming",
        status="upcoming",
        label=step.name,
        who="、".join(p.display_name for p in people) or step.get_resolver_display(),
        badge=_("未开始"),
        color="light",
        rank=3,
    )


def approval_view(instance, user) -> ApprovalView:
    """The approval as a document page shows it. Three queries (tasks, events, CC) when there is an instance."""
    if instance is None:
        return ApprovalView()
    tasks, history = timeline(instance), events(instance)
    rounds: dict[int, Round] = {}
    for task in tasks:
        rounds.setdefault(task.round, Round(task.round)).items.append(_task_item(task, user))
    for event in history:
        if event.action in ROUND_EVENTS:
            round_ = rounds.setdefault(event.round, Round(event.round))
            round_.items.append(_event_item(event))
            if event.action in (EventAction.SUBMITTED, EventAction.RESUBMITTED):
                round_.submitted_at = event.created_at
    far = datetime.max.replace(tzinfo=instance.submitted_at.tzinfo)
    ordered = [rounds[n] for n in sorted(rounds)]
    for round_ in ordered:
        # Oldest first; a pending task (still waiting) comes last; ties: submit, then tasks, then the ending.
        round_.items.sort(key=lambda item: (far if item.pending else (item.at or far), item.rank))
        round_.current = round_.number == instance.round
        round_.outcome, round_.outcome_color = _outcome(round_, instance)
    my_task = next(
        (t for t in tasks if t.status == TaskStatus.PENDING and t.assignee_id == user.pk and t.round == instance.round),
        None,
    )
    if instance.status == InstanceStatus.PENDING and ordered:
        ordered[-1].items.extend(_upcoming_item(step, people) for step, people in upcoming_steps(instance))
    cc = cc_list(instance) if instance.status == InstanceStatus.APPROVED else []
    my_cc = next((record for record in cc if record.user_id == user.pk), None)
    return ApprovalView(instance=instance, rounds=ordered, my_task=my_task, cc=cc, my_cc=my_cc)


def _outcome(round_: Round, instance) -> tuple[str, str]:
    if round_.current:
        return instance.get_status_display(), INSTANCE_COLORS.get(instance.status, "secondary")
    for item in reversed(round_.items):
        if item.status in ROUND_OUTCOMES:
            label, color = ROUND_OUTCOMES[item.status]
            return str(label), color
    return _("已结束"), "secondary"
