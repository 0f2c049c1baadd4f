"""Template helpers of finance's oversight pages (policy 5.3.2)."""

from django import template

from jiedai.expenses.access import sees_tax_summary as _sees_tax_summary

register = template.Library()


@register.filter
def sees_tax_summary(user) -> bool:
    """For the finance tabs: whether the entertainment-tax tab is shown (no query of its own once the user's roles
    were read for the request)."""
    return _sees_tax_summary(user)
