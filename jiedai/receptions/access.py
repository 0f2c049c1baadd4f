"""The one access layer for reception requests: who may see and who may change what (every view and endpoint
goes through here)."""

from django.db.models import Q
from django.utils.translation import gettext as _

from jiedai.approvals.selectors import copied_exists, document_ids_copied, document_ids_with_task, has_task_exists
from jiedai.core.errors import Forbidden, NotFound
from jiedai.org.models import Role
from jiedai.org.selectors import user_has_role
from jiedai.receptions.models import EDITABLE_STATUSES, Reception, ReceptionStatus

DOCUMENT_TYPE = "reception"


def receptions_visible_to(user, queryset=None):
    """Requests the user may read: their own and those they lead; once submitted, those of the departments
    they head or supervise, those they were asked to approve, and everything for the GM; once approved, those
    copied to them or to their department (policy 2.2.3)."""
    queryset = Reception.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_superuser:
        return queryset
    return queryset.filter(visibility_rule(user))


def visibility_rule(user) -> Q:
    """The row-wise rule of receptions_visible_to for an active, non-superuser user, to combine with other rules
    (the plan's readers add the people named on the plan)."""
    submitted = ~Q(status=ReceptionStatus.DRAFT)
    if user_has_role(user, Role.GENERAL_MANAGER):
        return Q(requester=user) | Q(lead=user) | submitted
    return (
        Q(requester=user)
        | Q(lead=user)
        | (submitted & (Q(host_department__head=user) | Q(host_department__supervising_leader=user)))
        | Q(has_task_exists(user, DOCUMENT_TYPE))
        | (Q(status=ReceptionStatus.APPROVED) & Q(copied_exists(user, DOCUMENT_TYPE)))
    )


def visible_ids(user, queryset):
    """The ids of `queryset` the user may see: the same rule as receptions_visible_to, written as a UNION of index
    range scans over ids. The row-wise form suits page 1 (it stops after 20 rows), but a COUNT or a deep page with
    it tests every request of the company; this form reads only the user's own ids."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none().values_list("pk", flat=True)
    if user.is_superuser or user_has_role(user, Role.GENERAL_MANAGER):
        return receptions_visible_to(user, queryset).values_list("pk", flat=True)
    ids = Reception.objects.values_list("pk")
    parts = [
        ids.filter(lead=user),
        document_ids_with_task(user, DOCUMENT_TYPE),
        # Copies are made only when a request is approved, and approval is final: no status check needed here.
        document_ids_copied(user, DOCUMENT_TYPE),
    ]
    # The departments the user heads or supervises, as joins from the (small) department table: written as an
    # IN-subquery, PostgreSQL scans every submitted request even for the many people who lead none.
    submitted = ids.exclude(status=ReceptionStatus.DRAFT)
    parts += [submitted.filter(host_department__head=user), submitted.filter(host_department__supervising_leader=user)]
    visible = ids.filter(requester=user).union(*parts)
    return queryset.filter(pk__in=visible).values_list("pk", flat=True)


def get_reception_for_user(user, pk, *, write: bool = False) -> Reception:
    """The reception if the user may see it (else NotFound, 404); with write=True, also that they may edit it
    now (else Forbidden, 403)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound(_("找不到该接待申请。")) from None
    reception = receptions_visible_to(user).filter(pk=pk).select_related("host_department", "requester", "lead").first()
    if reception is None:
        raise NotFound(_("找不到该接待申请。"))
    if write and not can_edit(user, reception):
        raise Forbidden(_("只有申请人可以在草稿或退回状态下修改。"))
    return reception


def can_edit(user, reception) -> bool:
    return reception.requester_id == user.pk and reception.status in EDITABLE_STATUSES


def can_withdraw(user, reception) -> bool:
    return reception.requester_id == user.pk and reception.status == ReceptionStatus.PENDING_APPROVAL
