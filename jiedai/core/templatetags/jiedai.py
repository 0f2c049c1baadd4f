"""Template filters shared by the pages."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def money(value, symbol="¥"):
    """¥25,000.00: two places, rounded half up, thousands grouped (the zh-hans locale itself groups nothing)."""
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return value
    sign = "-" if amount < 0 else ""  # -¥3,330.00, as accountants write it, not ¥-3,330.00
    return f"{sign}{symbol}{abs(amount):,.2f}"
