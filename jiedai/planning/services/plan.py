"""The plan itself: created for an approved request, locked for each change, every change recorded (policy 3.1)."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiedai.core.errors import ConflictError, Forbidden, NotFound
from jiedai.notify.services import notify
from jiedai.planning.access import get_reception_with_plan, is_logistics_handler, is_plan_editor
from jiedai.planning.models import Plan, PlanAction, PlanHistory, PlanStatus
from jiedai.receptions.models import Reception, ReceptionStatus

DOCUMENT_TYPE = "reception_plan"


def plan_url(reception_id: int) -> str:
    return reverse("planning:overview", args=[reception_id])


def plan_ensure(reception: Reception, *, by=None) -> Plan:
    """The request's plan, created (as a draft) the first time anyone needs it. Approved requests only."""
    if reception.status != ReceptionStatus.APPROVED:
        raise NotFound(_("只有已批准的接待申请才有接待方案。"))
    plan = Plan.objects.filter(reception=reception).first()
    if plan is not None:
        return plan
    try:
        with transaction.atomic():
            plan = Plan.objects.create(reception=reception)
            history(plan, PlanAction.CREATED, by=by)
    except IntegrityError:  # created at the same moment by someone else
        plan = Plan.objects.get(reception=reception)
    return plan


def history(plan, action, *, by=None, summary: str = "", comment: str = "", ip=None) -> PlanHistory:
    return PlanHistory.objects.create(plan=plan, action=action, actor=by, summary=summary[:300], comment=comment, ip=ip)


def plan_for_change(*, reception_id: int, by, logistics: bool = False) -> Plan:
    """Check the caller may change the plan (404/403), create it if needed, and lock its row for this transaction.
    Must run inside transaction.atomic(). A plan under review cannot change (409): it is withdrawn or decided
    first. `logistics=True` lets administration in as well (booking statuses, setup checklists)."""
    reception = get_reception_with_plan(by, reception_id, write=not logistics)
    if logistics and not (is_plan_editor(by, reception) or is_logistics_handler(by)):
        raise Forbidden(_("只有接待负责人或行政部接待岗可以处理后勤事项。"))
    plan = plan_ensure(reception, by=by)
    plan = Plan.objects.select_for_update(of=("self",)).select_related("reception").get(pk=plan.pk)
    if plan.status == PlanStatus.PENDING_REVIEW and not logistics:
        raise ConflictError(_("方案正在审核中，不能修改；如需修改，请先撤回。"))
    return plan


def record_change(plan: Plan, *, by, summary: str, ip=None) -> None:
    """Bump the plan's version and record what changed. After confirmation (policy 3.1.2) the change is marked as
    such and the people affected — the staff on the plan and the reviewers' departments' heads — are notified."""
    confirmed = plan.status == PlanStatus.CONFIRMED
    Plan.objects.filter(pk=plan.pk).update(version=F("version") + 1)
    action = PlanAction.CHANGED_AFTER_CONFIRMATION if confirmed else PlanAction.CHANGED
    history(plan, action, by=by, summary=summary, ip=ip)
    if confirmed:
        notify_plan(
            plan,
            affected_people(plan, exclude=by),
            "plan_changed",
            gettext_lazy("已确认的接待方案有变更：%(title)s — %(summary)s"),
            summary=summary,
        )


def affected_people(plan: Plan, *, exclude=None) -> list:
    """Everyone a change of a confirmed plan concerns: requester, lead, staff on the plan, task assignees, the heads
    of the host and coordinating departments."""
    reception = plan.reception
    ids = {reception.requester_id, reception.lead_id, reception.host_department.head_id}
    ids |= set(plan.staff.values_list("person_id", flat=True))
    ids |= set(plan.tasks.exclude(assignee=None).values_list("assignee_id", flat=True))
    ids |= set(reception.coordinating_departments.exclude(head=None).values_list("head_id", flat=True))
    ids.discard(None)
    if exclude is not None:
        ids.discard(exclude.pk)
    return sorted(ids)


def notify_plan(plan: Plan, recipients, kind: str, title, *, dedup_key: str | None = None, **params) -> None:
    """Notifications are stored in the company's language whoever caused them: `title` is lazy (gettext_lazy) and
    is translated only here, under the override."""
    with translation.override(settings.LANGUAGE_CODE):
        notify(
            recipients=recipients,
            kind=kind,
            title=str(title) % {"title": plan.reception.title, **params},
            url=plan_url(plan.reception_id),
            document_type=DOCUMENT_TYPE,
            document_id=plan.pk,
            dedup_key=dedup_key,
        )
