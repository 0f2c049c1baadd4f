"""Turns pydantic/ninja validation errors into {"field": ["message", ...]} in the user's language."""

from django.utils.translation import gettext as _

_MESSAGES = {
    "missing": lambda e: _("此项为必填项。"),
    "string_too_long": lambda e: (
        _("内容过长（最多 %(max)s 个字符）。") % {"max": e.get("ctx", {}).get("max_length", "?")}
    ),
    "extra_forbidden": lambda e: _("不支持的字段。"),
    "json_invalid": lambda e: _("请求体不是有效的 JSON。"),
    "decimal_max_places": lambda e: _("最多两位小数。"),
    "greater_than_equal": lambda e: _("不能小于 %(min)s。") % {"min": e.get("ctx", {}).get("ge", "?")},
    "less_than_equal": lambda e: _("不能大于 %(max)s。") % {"max": e.get("ctx", {}).get("le", "?")},
    "enum": lambda e: _("不是可选的值。"),
    "literal_error": lambda e: _("不是可选的值。"),
}


def validation_errors_to_fields(errors: list[dict]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        loc = [str(part) for part in error.get("loc", []) if part not in ("body", "payload", "query", "path")]
        field = ".".join(loc) or "__all__"
        make = _MESSAGES.get(error.get("type", ""))
        message = make(error) if make else _("格式不正确。")
        fields.setdefault(field, []).append(str(message))
    return fields
