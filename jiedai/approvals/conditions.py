"""Whitelisted JSON conditions on a document's snapshot — never eval.

    {"all": [c, ...]}  {"any": [c, ...]}  {"not": c}
    {"field": "importance", "in": ["important", "major"]}
    {"field": "estimated_cost", "gt": {"setting": "gm_cost_threshold"}}

Operators: eq ne in not_in gt gte lt lte contains empty. A value may be a literal or {"setting": key}, read from
the run-time settings (core.runtime_settings), so an administrator changes a threshold without touching flows.
"""

from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from jiedai.core.runtime_settings import REGISTRY, get_setting

COMPARISONS = {"eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "contains", "empty"}
MAX_DEPTH = 8


class ConditionError(ValueError):
    pass


def validate_condition(condition, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise ConditionError(_("条件嵌套过深。"))
    if not isinstance(condition, dict) or not condition:
        raise ConditionError(_("条件必须是 JSON 对象。"))
    if "all" in condition or "any" in condition:
        key = "all" if "all" in condition else "any"
        if set(condition) != {key} or not isinstance(condition[key], list) or not condition[key]:
            raise ConditionError(_("“%s” 必须是非空列表，且不能与其他键并列。") % key)
        for item in condition[key]:
            validate_condition(item, depth + 1)
        return
    if "not" in condition:
        if set(condition) != {"not"}:
            raise ConditionError(_("“not” 不能与其他键并列。"))
        validate_condition(condition["not"], depth + 1)
        return
    field = condition.get("field")
    if not isinstance(field, str) or not field:
        raise ConditionError(_("缺少 “field”。"))
    ops = set(condition) - {"field"}
    if len(ops) != 1 or not ops <= COMPARISONS:
        raise ConditionError(_("每个条件只能有一个运算符，可选：%s。") % ", ".join(sorted(COMPARISONS)))
    (op,) = ops
    value = condition[op]
    if isinstance(value, dict):
        if set(value) != {"setting"} or value["setting"] not in REGISTRY:
            raise ConditionError(_("值引用的参数不存在：%s") % value)
    if op in {"in", "not_in"} and not isinstance(value, list):
        raise ConditionError(_("“%s” 的值必须是列表。") % op)


def _number(value):
    if isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _resolve(value, setting: Callable):
    if isinstance(value, dict) and "setting" in value:
        return setting(value["setting"])
    return value


def _compare(op: str, actual, expected) -> bool:
    if op == "empty":
        is_empty = actual in (None, "", [], {})
        return is_empty if expected else not is_empty
    if op == "in":
        return actual in expected
    if op == "not_in":
        return actual not in expected
    if op == "contains":
        return isinstance(actual, (list, str)) and expected in actual
    left, right = _number(actual), _number(expected)
    if left is None or right is None:
        left, right = actual, expected
    if op == "eq":
        return left == right
    if op == "ne":
        return left != right
    if actual is None:
        return False
    try:
        return {"gt": left > right, "gte": left >= right, "lt": left < right, "lte": left <= right}[op]
    except TypeError:
        return False


def evaluate(condition, snapshot: dict, setting: Callable = get_setting) -> bool:
    """True when the condition holds for the snapshot (an empty condition always holds)."""
    if not condition:
        return True
    if "all" in condition:
        return all(evaluate(item, snapshot, setting) for item in condition["all"])
    if "any" in condition:
        return any(evaluate(item, snapshot, setting) for item in condition["any"])
    if "not" in condition:
        return not evaluate(condition["not"], snapshot, setting)
    (op,) = set(condition) - {"field"}
    return _compare(op, snapshot.get(condition["field"]), _resolve(condition[op], setting))
