"""The one access layer for reception plans (every planning view and endpoint goes through here).

Who reads a plan: whoever may read its approved request (requester, lead, host leaders, approvers, the GM, the
copied people and their departments — policy 2.2.3), plus the staff named on the plan and the people and
departments given a preparation task (policy 3.2.2). Who edits it: the requester and the lead (policy 3.1.1: the
host department leads the plan). Administration (the role) carries out the logistics: it may change booking
statuses and tick setup checklists (policy 3.2.3). Confidential material: only the editors and the people the plan
clears (policy 3.1.1)."""

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from jiedai.approvals.selectors import has_task_exists
from jiedai.core.errors import Forbidden, NotFound
from jiedai.org.models import Role
from jiedai.org.selectors import user_has_role
from jiedai.planning.models import Confidentiality, Material, Plan, PrepTask, StaffAssignment
from jiedai.receptions.access import visibility_rule
from jiedai.receptions.models import Reception, ReceptionStatus


def _named_on_plan(user) -> Q:
    staff = StaffAssignment.objects.filter(plan=OuterRef("plan"), person=user)
    tasks = PrepTask.objects.filter(plan=OuterRef("plan"))
    task_owner = Q(assignee=user)
    if user.department_id:
        task_owner |= Q(department_id=user.department_id)
    # Reviewers, delegates included (policy 3.1.2), read what they are asked to confirm.
    reviewing = has_task_exists(user, "reception_plan", ref="plan")
    return Q(Exists(staff)) | Q(Exists(tasks.filter(task_owner))) | Q(reviewing)


def plan_receptions_visible_to(user, queryset=None):
    """Approved requests whose plan the user may read."""
    queryset = Reception.objects.all() if queryset is None else queryset
    queryset = queryset.filter(status=ReceptionStatus.APPROVED)
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_superuser:
        return queryset
    # One row-wise rule (not `pk IN (…)`): PostgreSQL would otherwise scan every approved request for the subquery.
    return queryset.filter(visibility_rule(user) | _named_on_plan(user))


def plans_visible_to(user, queryset=None):
    queryset = Plan.objects.all() if queryset is None else queryset
    return queryset.filter(reception__in=plan_receptions_visible_to(user).values("pk"))


def is_plan_editor(user, reception) -> bool:
    return user.is_active and user.pk in (reception.requester_id, reception.lead_id)


def is_logistics_handler(user) -> bool:
    """Administration carries out bookings and setups (policy 3.2.3)."""
    return user.is_active and (user.is_superuser or user_has_role(user, Role.ADMINISTRATION))


def get_reception_with_plan(user, reception_pk, *, write: bool = False) -> Reception:
    """The approved request whose plan the user may read (else 404); write=True also demands a plan editor (403).
    The plan itself is `reception.plan` once created (see services.plan_ensure)."""
    try:
        reception_pk = int(reception_pk)
    except (TypeError, ValueError):
        raise NotFound(_("找不到该接待方案。")) from None
    reception = (
        plan_receptions_visible_to(user)
        .filter(pk=reception_pk)
        .select_related("host_department", "requester", "lead")
        .first()
    )
    if reception is None:
        raise NotFound(_("找不到该接待方案。"))
    if write and not is_plan_editor(user, reception):
        raise Forbidden(_("只有申请人和牵头负责人可以编制接待方案。"))
    return reception


def materials_visible_to(user, plan, queryset=None):
    """Public and internal material for every reader; confidential material only for the editors and the cleared."""
    queryset = Material.objects.filter(plan=plan) if queryset is None else queryset
    if is_plan_editor(user, plan.reception):
        return queryset
    return queryset.filter(~Q(confidentiality=Confidentiality.CONFIDENTIAL) | Q(cleared=user)).distinct()
