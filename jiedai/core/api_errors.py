"""Turns pydantic/ninja validation errors into {"field": ["message", ...]} in the user's language."""

from django.utils.translation import gettext as _


def _ctx(error: dict, key: str, default="?"):
    return (error.get("ctx") or {}).get(key, default)


_MESSAGES = {
    "missing": lambda e: _("此项为必填项。"),
    "string_too_long": lambda e: _("内容过长（最多 %(max)s 个字符）。") % {"max": _ctx(e, "max_length")},
    "too_long": lambda e: _("最多 %(max)s 项。") % {"max": _ctx(e, "max_length")},
    "extra_forbidden": lambda e: _("不支持的字段。"),
    "json_invalid": lambda e: _("请求体不是有效的 JSON。"),
    "nul_character": lambda e: _("包含不允许的字符。"),
    "string_type": lambda e: _("应为文本。"),
    "int_type": lambda e: _("应为整数。"),
    "int_parsing": lambda e: _("应为整数。"),
    "int_from_float": lambda e: _("应为整数。"),
    "bool_type": lambda e: _("应为 true 或 false。"),
    "bool_parsing": lambda e: _("应为 true 或 false。"),
    "list_type": lambda e: _("应为列表。"),
    "model_type": lambda e: _("应为对象。"),
    "model_attributes_type": lambda e: _("应为对象。"),
    "dict_type": lambda e: _("应为对象。"),
    "datetime_type": lambda e: _("应为 ISO 8601 日期时间，例如 2026-12-01T09:00:00+08:00。"),
    "datetime_parsing": lambda e: _("应为 ISO 8601 日期时间，例如 2026-12-01T09:00:00+08:00。"),
    "datetime_from_date_parsing": lambda e: _("应为 ISO 8601 日期时间，例如 2026-12-01T09:00:00+08:00。"),
    "datetime_range": lambda e: _("日期超出范围。"),
    "date_type": lambda e: _("应为日期，例如 2026-12-01。"),
    "date_parsing": lambda e: _("应为日期，例如 2026-12-01。"),
    "date_from_datetime_parsing": lambda e: _("应为日期，例如 2026-12-01。"),
    "decimal_type": lambda e: _("应为金额（数字或数字字符串）。"),
    "decimal_parsing": lambda e: _("应为金额（数字或数字字符串）。"),
    "finite_number": lambda e: _("应为金额（数字或数字字符串）。"),
    "decimal_max_places": lambda e: _("最多两位小数。"),
    "decimal_max_digits": lambda e: _("金额过大。"),
    "decimal_whole_digits": lambda e: _("金额过大。"),
    "greater_than_equal": lambda e: _("不能小于 %(min)s。") % {"min": _ctx(e, "ge")},
    "greater_than": lambda e: _("必须大于 %(min)s。") % {"min": _ctx(e, "gt")},
    "less_than_equal": lambda e: _("不能大于 %(max)s。") % {"max": _ctx(e, "le")},
    "less_than": lambda e: _("必须小于 %(max)s。") % {"max": _ctx(e, "lt")},
    "enum": lambda e: _("不是可选的值。"),
    "literal_error": lambda e: _("不是可选的值。"),
    "email": lambda e: _("邮箱格式不正确。"),
}

# ninja's loc starts with where a parameter came from, then (for a body schema) the parameter's name; the field
# names callers see start after those. Every body parameter in this API is called `payload`.
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


def validation_errors_to_fields(errors: list[dict]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        loc = [str(part) for part in error.get("loc", [])]
        if loc and loc[0] in _SOURCES:
            loc.pop(0)
            if loc and loc[0] == "payload":
                loc.pop(0)
        # pydantic names the branch of a union or the validator function it tried ("clients.0.function-after[...]");
        # keep only the data's own path.
        loc = [part for part in loc if "[" not in part]
        field = ".".join(loc) or "__all__"
        make = _MESSAGES.get(error.get("type", ""))
        message = make(error) if make else _("格式不正确。")
        if message not in fields.get(field, []):
            fields.setdefault(field, []).append(str(message))
    return fields
