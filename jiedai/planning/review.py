"""The plan's review and confirmation through the approval engine (policy 3.1.2: 提交至相关领导和部门审核确认).
The flow is data (approvals/seeds.py, code "reception_plan"): host department head → every coordinating
department's head → the supervising leader for important or major visits."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiedai.approvals.selectors import last_comment
from jiedai.approvals.services import approval_submit, approval_withdraw
from jiedai.core.errors import ConflictError, ValidationFailed
from jiedai.planning.models import Plan, PlanAction, PlanStatus
from jiedai.planning.services.plan import DOCUMENT_TYPE, history, plan_for_change, plan_url

FLOW_CODE = "reception_plan"


def submit_errors(plan: Plan) -> dict[str, list[str]]:
    """What keeps a plan from review: an itinerary (policy 3.1.1), a lead on the staff list (3.1.1) and at least
    one emergency plan adapted for the visit (3.3.1)."""
    errors = {}
    if not plan.items.exists():
        errors["items"] = [_("行程安排至少需要一项。")]
    if not plan.staff.filter(role="lead").exists():
        errors["staff"] = [_("请在人员安排中指定接待负责人。")]
    if not plan.emergencies.exists():
        errors["emergencies"] = [_("请添加至少一项应急预案。")]
    return errors


def snapshot_for(plan: Plan) -> dict:
    reception = plan.reception
    return {
        "importance": reception.importance,
        "coordinating_departments": sorted(reception.coordinating_departments.values_list("code", flat=True)),
        "visitor_count": reception.visitor_count,
    }


@transaction.atomic
def plan_submit(*, reception_id: int, by, ip=None) -> Plan:
    plan = plan_for_change(reception_id=reception_id, by=by)
    if plan.status not in (PlanStatus.DRAFT, PlanStatus.RETURNED):
        raise ConflictError(_("方案已提交或已确认，不能再次提交。"))
    errors = submit_errors(plan)
    if errors:
        raise ValidationFailed(_("方案还不完整，不能提交。"), errors=errors)
    action = PlanAction.RESUBMITTED if plan.status == PlanStatus.RETURNED else PlanAction.SUBMITTED
    plan.status = PlanStatus.PENDING_REVIEW
    if plan.submitted_at is None:  # the first submission is what the deadline counts (policy 3.1.2)
        plan.submitted_at = timezone.now()
    plan.save(update_fields=["status", "submitted_at", "updated_at"])
    history(plan, action, by=by, ip=ip)
    reception = plan.reception
    approval_submit(
        flow_code=FLOW_CODE,
        document_type=DOCUMENT_TYPE,
        document_id=plan.pk,
        applicant=by,
        department=reception.host_department,
        title=_("接待方案：%s") % reception.title,
        url=plan_url(reception.pk),
        snapshot=snapshot_for(plan),
        by=by,
        ip=ip,
    )
    return plan


def plan_withdraw(*, reception_id: int, by, comment: str = "", ip=None) -> Plan:
    """Take a plan back from review to change it; the engine re-checks under its lock."""
    from jiedai.planning.access import get_reception_with_plan

    reception = get_reception_with_plan(by, reception_id, write=True)
    plan = Plan.objects.filter(reception=reception).first()
    if plan is None or plan.status != PlanStatus.PENDING_REVIEW:
        raise ConflictError(_("只有审核中的方案可以撤回。"))
    approval_withdraw(document_type=DOCUMENT_TYPE, document_id=plan.pk, by=by, comment=comment, ip=ip)
    plan.refresh_from_db()
    return plan


class PlanApprovalHandler:
    """Called by the engine inside its transaction when the plan's review ends."""

    def _finish(self, instance, status, action, *, by):
        plan = Plan.objects.select_for_update(of=("self",)).get(pk=instance.document_id)
        plan.status = status
        fields = ["status", "updated_at"]
        if status == PlanStatus.CONFIRMED:
            plan.confirmed_at = timezone.now()
            fields.append("confirmed_at")
        plan.save(update_fields=fields)
        history(plan, action, by=by, comment=last_comment(instance))

    def on_approved(self, instance, *, by):
        self._finish(instance, PlanStatus.CONFIRMED, PlanAction.CONFIRMED, by=by)

    def on_returned(self, instance, *, by):
        self._finish(instance, PlanStatus.RETURNED, PlanAction.RETURNED, by=by)

    # A plan must still be made when a reviewer rejects it: it goes back for revision like a return.
    on_rejected = on_returned

    def on_withdrawn(self, instance, *, by):
        self._finish(instance, PlanStatus.DRAFT, PlanAction.WITHDRAWN, by=by)
