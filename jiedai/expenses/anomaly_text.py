"""What an anomaly found, in a sentence for people (policy 5.3.2) — for the pages and the API."""

from django.utils.translation import gettext as _

from jiedai.core.templatetags.jiedai import money
from jiedai.expenses.models import AnomalyKind, ClaimStatus, StandardUnit


def _unit(code) -> str:
    try:
        return str(StandardUnit(code).label)
    except ValueError:
        return code


def anomaly_summary(anomaly) -> str:
    f = anomaly.figures or {}
    if anomaly.kind == AnomalyKind.OVER_BUDGET:
        return _("实际支出 %(spent)s，超出已批准预算（含追加）%(allowed)s 共 %(gap)s。") % {
            "spent": money(f.get("spent")),
            "allowed": money(f.get("allowed")),
            "gap": money(f.get("gap")),
        }
    if anomaly.kind == AnomalyKind.OVER_STANDARD:
        breaches = "；".join(
            _("%(unit)s %(value)s，标准 %(limit)s")
            % {"unit": _unit(b.get("unit")), "value": money(b.get("value")), "limit": money(b.get("limit"))}
            for b in f.get("breaches", [])
        )
        status = ""
        if f.get("claim_status") == ClaimStatus.PENDING_APPROVAL:
            status = _("（报销审批中，按报销金额）")
        return _("%(category)s「%(description)s」%(amount)s%(status)s：%(breaches)s。") % {
            "category": f.get("category", ""),
            "description": f.get("description", ""),
            "amount": money(f.get("amount")),
            "status": status,
            "breaches": breaches,
        }
    if anomaly.kind == AnomalyKind.COST_OUTLIER:
        return _(
            "人天费用 %(cost)s（%(spent)s ÷ %(days)s 人天），高于%(department)s %(visits)s 次接待的第 90 百分位 "
            "%(percentile)s。"
        ) % {
            "cost": money(f.get("cost_per_visitor_day")),
            "spent": money(f.get("spent")),
            "days": f.get("visitor_days"),
            "department": f.get("department", ""),
            "visits": f.get("visits"),
            "percentile": money(f.get("percentile")),
        }
    if anomaly.kind == AnomalyKind.INVOICE_DATE:
        return _("发票 %(number)s（%(total)s）开票日期 %(date)s，不在来访期间 %(start)s 至 %(end)s 内。") % {
            "number": f.get("number", ""),
            "total": money(f.get("total")),
            "date": f.get("date", ""),
            "start": f.get("visit_start", ""),
            "end": f.get("visit_end", ""),
        }
    return ""
