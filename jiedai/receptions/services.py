"""Writes for reception requests. Each runs in one transaction with the request row locked, checks the current
state, writes a ReceptionHistory row and lets the approval engine notify after commit."""

from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jiedai.approvals.selectors import last_comment
from jiedai.approvals.services import approval_submit, approval_withdraw
from jiedai.core.errors import ConflictError, Forbidden, ValidationFailed
from jiedai.core.runtime_settings import get_setting
from jiedai.org.models import Department, User
from jiedai.receptions.access import DOCUMENT_TYPE, get_reception_for_user
from jiedai.receptions.clients import contacts_resolve
from jiedai.receptions.models import (
    EDITABLE_STATUSES,
    LOCAL_TZ,
    HistoryAction,
    Reception,
    ReceptionClient,
    ReceptionHistory,
    ReceptionSequence,
    ReceptionStatus,
)
from jiedai.receptions.validation import draft_errors, submit_errors
from jiedai.workdays.services import shift_workdays

FLOW_CODE = "reception_request"
SCALAR_FIELDS = [
    "purpose",
    "visit_start",
    "visit_end",
    "visitor_count",
    "escort_needs",
    "importance",
    "estimated_cost",
    "lead",
    "importance_statement",
    "expected_outcome",
]


def _history(reception, action, *, by, from_status="", to_status="", comment="", ip=None):
    ReceptionHistory.objects.create(
        reception=reception,
        action=action,
        actor=by,
        from_status=from_status,
        to_status=to_status,
        comment=comment,
        ip=ip,
    )


def _check_requester(by, reception_id) -> None:
    """Visible (else 404) and the caller's own request (else 403). The status is checked on the locked row, so a
    request that is no longer a draft is a conflict (409), not a permission problem."""
    if get_reception_for_user(by, reception_id).requester_id != by.pk:
        raise Forbidden(_("只有申请人可以修改或提交申请。"))


def _lock(reception_id) -> Reception:
    return Reception.objects.select_for_update(of=("self",)).select_related("host_department").get(pk=reception_id)


def _current_data(reception) -> dict:
    data = {field: getattr(reception, field) for field in SCALAR_FIELDS}
    data["host_department"] = reception.host_department
    data["coordinating_departments"] = list(reception.coordinating_departments.all())
    data["clients"] = [link.contact for link in reception.client_links.select_related("contact")]
    return data


def _normalise(data: dict) -> dict:
    """Accept usernames and department codes as the API sends them; text is stripped."""
    out = dict(data)
    for field in ("purpose", "escort_needs", "importance_statement", "expected_outcome"):
        if field in out:
            out[field] = (out[field] or "").strip()
    if isinstance(out.get("lead"), str):
        username = out["lead"]
        out["lead"] = User.objects.filter(username=username, is_active=True).first()
        if out["lead"] is None:
            raise ValidationFailed(_("输入有误。"), errors={"lead": [_("找不到人员“%s”。") % username[:64]]})
    if "coordinating_departments" in out:
        items = out["coordinating_departments"] or []
        codes = [d for d in items if isinstance(d, str)]
        if codes:
            found = {d.code: d for d in Department.objects.filter(code__in=codes)}
            missing = [c for c in codes if c not in found]
            if missing:
                raise ValidationFailed(
                    _("输入有误。"),
                    errors={"coordinating_departments": [_("未知的部门：%s") % ", ".join(m[:32] for m in missing[:5])]},
                )
            out["coordinating_departments"] = [found[c] for c in dict.fromkeys(codes)]
    if isinstance(out.get("estimated_cost"), (int, str, float)) and out["estimated_cost"] != "":
        out["estimated_cost"] = Decimal(str(out["estimated_cost"]))
    return out


def _apply(reception, data: dict) -> None:
    for field in SCALAR_FIELDS:
        if field in data:
            setattr(reception, field, data[field])


def _save_relations(reception, data: dict, contacts) -> None:
    if "coordinating_departments" in data:
        reception.coordinating_departments.set(data["coordinating_departments"] or [])
    if contacts is not None:
        ReceptionClient.objects.filter(reception=reception).delete()
        ReceptionClient.objects.bulk_create(
            [ReceptionClient(reception=reception, contact=c, position=i) for i, c in enumerate(contacts)]
        )


def _check(errors):
    if errors:
        raise ValidationFailed(_("请检查标红的项目。"), errors=errors)


@transaction.atomic
def reception_create(*, by, data: dict, ip=None) -> Reception:
    """Save a new request as a draft (policy 2.1.1). The host department is the requester's."""
    if by.department_id is None:
        raise Forbidden(_("您还没有所属部门，请联系管理员。"))
    data = _normalise(data)
    data.setdefault("importance", "normal")
    data["host_department"] = by.department
    _check(draft_errors(data))
    contacts = contacts_resolve(data["clients"]) if "clients" in data else []
    reception = Reception(requester=by, host_department=by.department)
    _apply(reception, data)
    reception.save()
    _save_relations(reception, data, contacts)
    _history(reception, HistoryAction.CREATED, by=by, to_status=ReceptionStatus.DRAFT, ip=ip)
    return reception


@transaction.atomic
def reception_update(*, reception_id: int, by, data: dict, expected_version: int | None = None, ip=None) -> Reception:
    """Edit a draft or a returned request. `expected_version` (from the form) turns a lost update into a conflict."""
    _check_requester(by, reception_id)
    reception = _lock(reception_id)
    if reception.status not in EDITABLE_STATUSES:
        raise ConflictError(_("申请已提交，不能再修改。"))
    if expected_version is not None and expected_version != reception.version:
        raise ConflictError(_("申请已在别处被修改，请刷新后再编辑。"))
    data = _normalise(data)
    merged = {**_current_data(reception), **data}
    if "clients" in data:
        merged["clients"] = data["clients"]
    _check(draft_errors(merged))
    contacts = contacts_resolve(data["clients"]) if "clients" in data else None
    _apply(reception, data)
    reception.version = F("version") + 1
    reception.save()
    _save_relations(reception, data, contacts)
    _history(reception, HistoryAction.UPDATED, by=by, from_status=reception.status, to_status=reception.status, ip=ip)
    reception.refresh_from_db()
    return reception


def _next_number(year: int) -> str:
    """JD-<year>-<n>: sequential per year, never reused (the sequence row is locked while numbering)."""
    sequence, _created = ReceptionSequence.objects.select_for_update().get_or_create(year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"JD-{year}-{sequence.last:04d}"


def snapshot_for(reception) -> dict:
    """The fields the flow's conditions read (frozen on the instance at submit)."""
    return {
        "importance": reception.importance,
        "estimated_cost": str(reception.estimated_cost) if reception.estimated_cost is not None else None,
        "coordinating_departments": sorted(reception.coordinating_departments.values_list("code", flat=True)),
        "visitor_count": reception.visitor_count,
    }


@transaction.atomic
def reception_submit(*, reception_id: int, by, ip=None) -> Reception:
    """Send a draft (or a returned request, as a new round) into the approval chain (policy 2.2.1)."""
    _check_requester(by, reception_id)
    reception = _lock(reception_id)
    if reception.status not in EDITABLE_STATUSES:
        raise ConflictError(_("申请已提交或已结束，不能再次提交。"))
    _check(submit_errors(_current_data(reception)))
    from_status = reception.status
    now = timezone.now()
    if not reception.number:
        reception.number = _next_number(now.astimezone(LOCAL_TZ).year)
    reception.status = ReceptionStatus.PENDING_APPROVAL
    reception.submitted_at = now
    reception.version = F("version") + 1
    reception.save(update_fields=["number", "status", "submitted_at", "version", "updated_at"])
    action = HistoryAction.RESUBMITTED if from_status == ReceptionStatus.RETURNED else HistoryAction.SUBMITTED
    _history(reception, action, by=by, from_status=from_status, to_status=reception.status, ip=ip)
    approval_submit(
        flow_code=FLOW_CODE,
        document_type=DOCUMENT_TYPE,
        document_id=reception.pk,
        applicant=reception.requester,
        department=reception.host_department,
        title=reception.title,
        url=reverse("receptions:detail", args=[reception.pk]),
        snapshot=snapshot_for(reception),
        by=by,
        ip=ip,
    )
    reception.refresh_from_db()
    return reception


def reception_withdraw(*, reception_id: int, by, comment: str = "", ip=None) -> Reception:
    """The requester takes a pending request back. Withdrawn is final for this request (its number is kept);
    a changed visit is filed as a new request."""
    reception = get_reception_for_user(by, reception_id)
    if reception.requester_id != by.pk:
        raise Forbidden(_("只有申请人可以撤回。"))
    if reception.status != ReceptionStatus.PENDING_APPROVAL:
        # A draft has no approval to withdraw (the engine would say "not found"); the engine re-checks under lock.
        raise ConflictError(_("只有审批中的申请可以撤回。"))
    approval_withdraw(document_type=DOCUMENT_TYPE, document_id=reception.pk, by=by, comment=comment, ip=ip)
    reception.refresh_from_db()
    return reception


class ReceptionApprovalHandler:
    """The engine calls these inside its transaction when the request's approval ends."""

    def _finish(self, instance, status, action, *, by, comment=""):
        reception = _lock(instance.document_id)
        from_status = reception.status
        reception.status = status
        fields = ["status", "updated_at"]
        if status == ReceptionStatus.APPROVED:
            # policy 2.2.3: frozen as approved; policy 3.1.2: the plan is due X working days before the visit.
            reception.approved_at = timezone.now()
            lead_days = get_setting("plan_lead_workdays")
            due = shift_workdays(reception.visit_start.astimezone(LOCAL_TZ).date(), -lead_days)
            reception.plan_due_date, reception.plan_due_provisional = due.date, due.provisional
            fields += ["approved_at", "plan_due_date", "plan_due_provisional"]
        reception.save(update_fields=fields)
        _history(reception, action, by=by, from_status=from_status, to_status=status, comment=comment)

    def on_approved(self, instance, *, by):
        self._finish(instance, ReceptionStatus.APPROVED, HistoryAction.APPROVED, by=by)

    def on_rejected(self, instance, *, by):
        self._finish(instance, ReceptionStatus.REJECTED, HistoryAction.REJECTED, by=by, comment=last_comment(instance))

    def on_returned(self, instance, *, by):
        self._finish(instance, ReceptionStatus.RETURNED, HistoryAction.RETURNED, by=by, comment=last_comment(instance))

    def on_withdrawn(self, instance, *, by):
        self._finish(instance, ReceptionStatus.WITHDRAWN, HistoryAction.WITHDRAWN, by=by)
