"""The request's rules, as per-field error messages (shared by the web form and the API)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from jiedai.receptions.models import Importance

MAX_TEXT = 5000
MAX_CLIENTS = 50


def _add(errors, field, message):
    errors.setdefault(field, []).append(str(message))


def draft_errors(data: dict) -> dict[str, list[str]]:
    """Checks that hold even for a draft: nothing contradictory or out of range."""
    errors: dict[str, list[str]] = {}
    start, end = data.get("visit_start"), data.get("visit_end")
    if start and end and end <= start:
        _add(errors, "visit_end", _("结束时间必须晚于开始时间。"))
    count = data.get("visitor_count")
    if count is not None and not 1 <= count <= 10000:
        _add(errors, "visitor_count", _("来访人数必须在 1 到 10000 之间。"))
    cost = data.get("estimated_cost")
    if cost is not None:
        if cost < 0:
            _add(errors, "estimated_cost", _("预计费用不能为负数。"))
        elif cost.as_tuple().exponent < -2:
            _add(errors, "estimated_cost", _("金额最多两位小数。"))
        elif cost >= 10**12:
            _add(errors, "estimated_cost", _("金额过大。"))
    if data.get("importance") not in Importance.values:
        _add(errors, "importance", _("请选择重要程度。"))
    for field in ("purpose", "escort_needs", "importance_statement", "expected_outcome"):
        value = data.get(field) or ""
        if len(value) > MAX_TEXT:
            _add(errors, field, _("内容过长（最多 %(max)s 个字符）。") % {"max": MAX_TEXT})
        if "\x00" in value:
            _add(errors, field, _("包含不允许的字符。"))
    if len(data.get("clients") or []) > MAX_CLIENTS:
        _add(errors, "clients", _("来访客户最多 %(max)s 位。") % {"max": MAX_CLIENTS})
    host = data.get("host_department")
    if host is not None and any(d.pk == host.pk for d in data.get("coordinating_departments") or []):
        _add(errors, "coordinating_departments", _("协同部门不能包含接待部门本身。"))
    return errors


def submit_errors(data: dict) -> dict[str, list[str]]:
    """What a request needs before it can enter the approval chain (policy 2.1.1, 2.1.2)."""
    errors = draft_errors(data)
    required = {
        "purpose": _("请填写来访目的。"),
        "visit_start": _("请填写来访开始时间。"),
        "visit_end": _("请填写来访结束时间。"),
        "visitor_count": _("请填写来访人数。"),
        "estimated_cost": _("请填写预计费用。"),
    }
    for field, message in required.items():
        value = data.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            _add(errors, field, message)
    if not data.get("clients"):
        _add(errors, "clients", _("请至少添加一位来访客户。"))  # policy 2.1.1
    start = data.get("visit_start")
    if start and start <= timezone.now():
        _add(errors, "visit_start", _("来访时间必须在提交之后（应提前申请）。"))
    # policy 2.1.2: important clients or several departments need a lead, the departments, why and what for.
    important = data.get("importance") in (Importance.IMPORTANT, Importance.MAJOR)
    coordinated = bool(data.get("coordinating_departments"))
    if important or coordinated:
        if not data.get("lead"):
            _add(errors, "lead", _("重要接待或多部门接待须指定牵头负责人。"))
        if important and not coordinated:
            _add(errors, "coordinating_departments", _("重要或重大接待须明确协同部门。"))
        if not (data.get("importance_statement") or "").strip():
            _add(errors, "importance_statement", _("请简要说明接待活动的重要性。"))
        if not (data.get("expected_outcome") or "").strip():
            _add(errors, "expected_outcome", _("请填写预期效果。"))
    return errors
