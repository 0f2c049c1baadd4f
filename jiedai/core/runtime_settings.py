"""The numbers the policy leaves as [X]: defaults here, overrides in SystemSetting rows (editable in the admin)."""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class SettingSpec:
    key: str
    default: str
    kind: type
    label: Any
    clause: str
    pattern: str = ""  # text settings: the form a non-empty value must have (empty = not set)
    hint: Any = ""  # and the message saying so

    def parse(self, raw: str):
        if self.kind is int:
            try:
                value = int(raw)
            except ValueError as exc:
                raise ValueError(_("必须是非负整数。")) from exc
            if value < 0:
                raise ValueError(_("必须是非负整数。"))
            return value
        if self.kind is Decimal:
            try:
                value = Decimal(raw)
            except InvalidOperation as exc:
                raise ValueError(_("必须是金额，例如 20000.00。")) from exc
            if value < 0 or value != value.quantize(Decimal("0.01")):
                raise ValueError(_("必须是非负金额，最多两位小数。"))
            return value
        if self.kind is tuple:
            try:
                values = tuple(sorted({int(part) for part in raw.split(",") if part.strip()}, reverse=True))
            except ValueError as exc:
                raise ValueError(_("必须是用逗号分隔的非负整数，例如 2,1。")) from exc
            if any(value < 0 for value in values):
                raise ValueError(_("必须是用逗号分隔的非负整数，例如 2,1。"))
            return values
        if self.kind is str:
            value = (raw or "").strip()
            if value and self.pattern and not re.fullmatch(self.pattern, value):
                raise ValueError(self.hint or _("格式不正确。"))
            return value
        return raw


REGISTRY: dict[str, SettingSpec] = {
    spec.key: spec
    for spec in [
        SettingSpec("plan_lead_workdays", "3", int, _("接待方案提前完成的工作日数"), "3.1.2"),
        SettingSpec("survey_window_workdays", "5", int, _("来访结束后满意度调查的工作日数"), "6.2.1"),
        SettingSpec("gm_cost_threshold", "20000.00", Decimal, _("需总经理审批的预计费用阈值（元）"), "2.2.2"),
        SettingSpec("plan_reminder_workdays", "2,1", tuple, _("方案截止前提醒的工作日（逗号分隔）"), "3.1.2"),
        SettingSpec("task_reminder_workdays", "1", tuple, _("准备任务截止前提醒的工作日（逗号分隔）"), "3.2.2"),
        SettingSpec("drill_interval_months", "12", int, _("应急预案演练周期（月）"), "3.3.2"),
        SettingSpec("invoice_date_window_days", "30", int, _("发票日期可早于或晚于来访期间的天数"), "5.2.2"),
        SettingSpec("overrun_tolerance", "0.00", Decimal, _("报销可超出已批准预算的容差（元）"), "5.3.1"),
        # policy 5.2.2: an invoice that names its buyer must name us; empty = the check is off
        SettingSpec(
            "company_tax_id",
            "",
            str,
            _("本公司统一社会信用代码（发票购买方须与之一致，留空则不检查）"),
            "5.2.2",
            pattern=r"[0-9A-HJ-NPQRTUWXY]{18}",
            hint=_("统一社会信用代码应为 18 位数字或大写字母（不含 I、O、Z、S、V）。"),
        ),
        SettingSpec("company_name", "", str, _("本公司名称（与发票购买方名称核对）"), "5.2.2"),
    ]
}


def get_setting(key: str):
    """The current value of a run-time setting (one query; a missing row means the default)."""
    from jiedai.core.models import SystemSetting

    spec = REGISTRY[key]
    raw = SystemSetting.objects.filter(key=key).values_list("value", flat=True).first()
    if raw is None:
        return spec.parse(spec.default)
    try:
        return spec.parse(raw)
    except (ValueError, ArithmeticError):
        return spec.parse(spec.default)
