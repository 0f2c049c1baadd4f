"""The plan's own fields (policy 3.1.1: the plan as a whole, 方案概述), changed through the JSON API. The plan's
parts (items, staff, bookings, tasks...) have their own services; this one only writes what sits on the Plan row."""

from django.db import transaction
from django.utils.translation import gettext as _

from jiedai.core.errors import ValidationFailed
from jiedai.planning.models import Plan
from jiedai.planning.services.plan import plan_for_change, record_change

PLAN_FIELDS = ("summary",)
MAX_SUMMARY = 5000


def _clean(data: dict) -> dict:
    errors: dict[str, list[str]] = {}
    clean = {}
    if "summary" in data:
        summary = "" if data["summary"] is None else str(data["summary"]).strip()
        if len(summary) > MAX_SUMMARY:
            errors["summary"] = [_("内容过长（最多 %(max)s 个字符）。") % {"max": MAX_SUMMARY}]
        elif "\x00" in summary:
            errors["summary"] = [_("包含不允许的字符。")]
        clean["summary"] = summary
    if errors:
        raise ValidationFailed(_("请检查标红的项目。"), errors=errors)
    return clean


@transaction.atomic
def plan_update(*, reception_id: int, by, data: dict, ip=None) -> Plan:
    """Change the plan's own fields (the summary). Only the plan's editors, not while it is under review
    (plan_for_change); a change after confirmation is recorded and announced (policy 3.1.2, record_change).
    Sending the same values again changes nothing and records nothing."""
    plan = plan_for_change(reception_id=reception_id, by=by)
    clean = _clean({k: v for k, v in data.items() if k in PLAN_FIELDS})
    changed = [field for field, value in clean.items() if getattr(plan, field) != value]
    if not changed:
        return plan
    for field in changed:
        setattr(plan, field, clean[field])
    plan.save(update_fields=[*changed, "updated_at"])
    record_change(plan, by=by, summary=_("修改方案概述"), ip=ip)
    plan.refresh_from_db(fields=["version"])
    return plan
