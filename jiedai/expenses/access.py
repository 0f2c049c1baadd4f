"""The one access layer for reception money (policy 5): finance sees all of it; a department sees its own
visits' money; the people asked to approve see what they approve; everyone else nothing. The visit's requester and
lead draw the budget up (policy 5.1.1: with the plan)."""

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from jiedai.approvals.selectors import has_task_exists
from jiedai.core.errors import Forbidden, NotFound
from jiedai.expenses.models import AnalyticsExport, Anomaly, Claim, SupplementaryBudget
from jiedai.org.models import Department, Role
from jiedai.org.selectors import departments_led_by, leads_a_department, user_has_role
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


def analytics_departments_for(user) -> frozenset[int] | None:
    """Whose spending the user may analyse (policy 5.3.2): None for all of it (finance, the general manager, the
    superuser: sees_all_money), else the departments the user heads or supervises — an empty set for everyone
    else, who gets 404 on the analytics page and API. One query at most (the roles are read once per request)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if sees_all_money(user):
        return None
    return frozenset(Department.objects.filter(departments_led_by(user)).values_list("pk", flat=True))


def shows_analytics_link(user) -> bool:
    """Whether the top navigation links to the finance analytics: finance, the general manager, and whoever heads
    or supervises a department (analytics_departments_for lets exactly them in). No query of its own: whether the
    person leads a department is read with their roles, once per request (the navigation already asks)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return sees_all_money(user) or leads_a_department(user)


def get_export_for_user(user, pk: int) -> AnalyticsExport:
    """A background export of the analytics (services/exports.py): its requester's only (the superuser's too, who
    sees all the money); NotFound for everyone else, who cannot tell it exists."""
    queryset = AnalyticsExport.objects.filter(pk=pk)
    if not (user.is_authenticated and user.is_active):
        raise NotFound(_("找不到该页面。"))
    if not user.is_superuser:
        queryset = queryset.filter(requested_by=user)
    export = queryset.first()
    if export is None:
        raise NotFound(_("找不到该页面。"))
    return export


def exports_of(user):
    """The user's own background exports, newest first (the job page lists the latest few)."""
    return (
        AnalyticsExport.objects.filter(requested_by=user) if user.is_authenticated else AnalyticsExport.objects.none()
    )


# policy 5.3.2: finance's oversight — anomalies, their investigations, the business-entertainment tax summary.


def anomalies_visible_to(user, queryset=None):
    """Finance, the general manager and the superuser see every anomaly; a department's head and supervising leader
    those of the department's visits (read only, as the analytics: analytics_departments_for); everyone else none."""
    queryset = Anomaly.objects.all() if queryset is None else queryset
    departments = analytics_departments_for(user)
    if departments is None:
        return queryset
    return queryset.filter(reception__host_department_id__in=departments) if departments else queryset.none()


def is_finance_or_superuser(user) -> bool:
    """Finance investigates anomalies and enters the year's revenue (policy 5.3.2: 财务部门……及时进行调查和处理); the
    superuser may too."""
    return user.is_active and (user.is_superuser or user_has_role(user, Role.FINANCE))


def get_anomaly_for_user(user, anomaly_pk, *, write: bool = False) -> Anomaly:
    """The anomaly the user may read (else 404); write=True: finance or the superuser (else 403)."""
    try:
        anomaly_pk = int(anomaly_pk)
    except (TypeError, ValueError):
        raise NotFound(_("找不到该费用异常。")) from None
    anomaly = anomalies_visible_to(user).filter(pk=anomaly_pk).first()
    if anomaly is None:
        raise NotFound(_("找不到该费用异常。"))
    if write and not is_finance_or_superuser(user):
        raise Forbidden(_("只有财务人员可以调查和处理费用异常。"))
    return anomaly


def sees_tax_summary(user) -> bool:
    """The company's yearly business-entertainment summary: finance, the general manager, the superuser."""
    return user.is_authenticated and user.is_active and sees_all_money(user)


def check_tax_summary(user, *, write: bool = False) -> None:
    """404 for who may not see the summary; write=True (the year's revenue): finance or the superuser, else 403."""
    if not sees_tax_summary(user):
        raise NotFound(_("找不到该页面。"))
    if write and not is_finance_or_superuser(user):
        raise Forbidden(_("只有财务人员可以录入年度营业收入。"))
