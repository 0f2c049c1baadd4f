"""Writes about people: delegation while away (policy 2.2: an approver away names who acts for them)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiedai.core.errors import ConflictError, NotFound, ValidationFailed
from jiedai.org.models import Delegation

MAX_DELEGATION = timedelta(days=366)


@transaction.atomic
def delegation_create(*, by, delegate, starts_at, ends_at, reason: str = "") -> Delegation:
    """Name a delegate for a period. New approval tasks go to the delegate meanwhile; tasks already waiting stay
    with their assignee (the record shows both names on what the delegate decides)."""
    errors = {}
    if delegate is None or not delegate.is_active:
        errors["delegate"] = [_("请选择在职的代理人。")]
    elif delegate.pk == by.pk:
        errors["delegate"] = [_("不能委托给自己。")]
    if starts_at and ends_at and ends_at <= starts_at:
        errors["ends_at"] = [_("结束时间必须晚于开始时间。")]
    elif starts_at and ends_at and ends_at - starts_at > MAX_DELEGATION:
        errors["ends_at"] = [_("代理期限最长一年。")]
    if ends_at and ends_at <= timezone.now():
        errors.setdefault("ends_at", []).append(_("结束时间已过。"))
    if len(reason) > 200 or "\x00" in reason:
        errors["reason"] = [_("原因最多 200 个字符。")]
    if errors:
        raise ValidationFailed(_("请检查标红的项目。"), errors=errors)
    # A delegate who has delegated the same period onwards would pass tasks in a circle: refuse chains.
    if Delegation.objects.active_at(starts_at).filter(delegator=delegate).exists():
        raise ValidationFailed(
            _("代理人在此期间也已委托他人，请另选代理人。"), errors={"delegate": [_("此人在此期间也已委托他人。")]}
        )
    return Delegation.objects.create(
        delegator=by, delegate=delegate, starts_at=starts_at, ends_at=ends_at, reason=reason.strip()
    )


@transaction.atomic
def delegation_revoke(*, by, delegation_id: int) -> Delegation:
    delegation = Delegation.objects.select_for_update().filter(pk=delegation_id, delegator=by).first()
    if delegation is None:
        raise NotFound(_("找不到该代理授权。"))
    if delegation.revoked:
        raise ConflictError(_("该代理授权已撤销。"))
    delegation.revoked = True
    delegation.save(update_fields=["revoked"])
    return delegation
