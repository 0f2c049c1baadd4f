"""The one access layer for reception money (policy 5): finance sees all of it; a department sees its own
visits' money; the people asked to approve see what they approve; everyone else nothing. The visit's requester and
lead draw the budget up (policy 5.1.1: with the plan)."""

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from jiedai.approvals.selectors import has_task_exists
from jiedai.core.errors import Forbidden, NotFound
from jiedai.expenses.models import Claim, SupplementaryBudget
from jiedai.org.models import Role
from jiedai.org.selectors import user_has_role
from jiedai.receptions.models import Reception, ReceptionStatus

BUDGET_DOCUMENT = "budget"
CLAIM_DOCUMENT = "reimbursement"
SUPPLEMENTARY_DOCUMENT = "supplementary_budget"


def sees_all_money(user) -> bool:
    return user.is_superuser or user_has_role(user, Role.FINANCE) or user_has_role(user, Role.GENERAL_MANAGER)


def money_receptions_visible_to(user, queryset=None):
    """Approved visits whose money the user may read."""
    queryset = (Reception.objects.all() if queryset is None else queryset).filter(status=ReceptionStatus.APPROVED)
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if sees_all_money(user):
        return queryset
    own = Q(requester=user) | Q(lead=user)
    if user.department_id:
        own |= Q(host_department_id=user.department_id)
    led = Q(host_department__head=user) | Q(host_department__supervising_leader=user)
    approving = Q(has_task_exists(user, BUDGET_DOCUMENT, ref="budget"))
    # Whoever is asked to approve one of the visit's claims (a delegate too) reads its money (policy 5.2).
    claims = Claim.objects.filter(reception=OuterRef("pk")).filter(has_task_exists(user, CLAIM_DOCUMENT))
    extra = SupplementaryBudget.objects.filter(reception=OuterRef("pk")).filter(
        has_task_exists(user, SUPPLEMENTARY_DOCUMENT)
    )
    return queryset.filter(own | led | approving | Q(Exists(claims)) | Q(Exists(extra)))


def is_money_editor(user, reception) -> bool:
    return user.is_active and user.pk in (reception.requester_id, reception.lead_id)


def get_reception_for_money(user, reception_pk, *, write: bool = False) -> Reception:
    """The approved visit whose money the user may read (else 404); write=True: its requester or lead (else 403)."""
    try:
        reception_pk = int(reception_pk)
    except (TypeError, ValueError):
        raise NotFound(_("找不到该接待的费用。")) from None
    reception = money_receptions_visible_to(user).filter(pk=reception_pk).select_related("host_department").first()
    if reception is None:
        raise NotFound(_("找不到该接待的费用。"))
    if write and not is_money_editor(user, reception):
        raise Forbidden(_("只有申请人和牵头负责人可以编制接待费用预算。"))
    return reception
