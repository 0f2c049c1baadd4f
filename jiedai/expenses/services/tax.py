"""Writes for the business-entertainment tax summary (policy 5.3.2): the year's sales (operating) revenue that
finance enters, the base of the 5‰ cap (企业所得税法实施条例 第四十三条), with a history of every change."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from jiedai.core.errors import ConflictError, ValidationFailed
from jiedai.expenses.access import check_tax_summary
from jiedai.expenses.models import YearRevenue, YearRevenueHistory
from jiedai.expenses.services.budgets import money

MIN_YEAR, MAX_YEAR = 2000, 2999


def _year(value) -> int:
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        year = None
    if year is None or not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailed(
            _("年度有误。"),
            errors={"year": [_("年度必须是 %(min)s 到 %(max)s 之间的整数。") % {"min": MIN_YEAR, "max": MAX_YEAR}]},
        )
    return year


@transaction.atomic
def revenue_set(*, year, revenue, by, expected_version: int | None = None, ip=None) -> YearRevenue:
    """Enter or correct the year's revenue (finance or the superuser, else 403; others 404). The amount in yuan,
    not negative, at most two decimals. `expected_version`: the version read; a newer one on the server is a
    conflict (None: no check)."""
    check_tax_summary(by, write=True)
    year = _year(year)
    errors = {}
    amount = money(revenue, _("营业收入"), errors, "revenue", required=True)
    if errors:
        raise ValidationFailed(_("营业收入有误，请检查后重试。"), errors=errors)
    row = YearRevenue.objects.select_for_update().filter(year=year).first()
    if expected_version is not None and (row.version if row else 0) != expected_version:
        raise ConflictError(_("该年度的营业收入已在别处被修改，请刷新后再录入。"))
    previous = row.revenue if row else None
    if row is None:
        try:
            with transaction.atomic():
                row = YearRevenue.objects.create(year=year, revenue=amount, entered_by=by)
        except IntegrityError:  # entered at the same moment by someone else
            raise ConflictError(_("该年度的营业收入已在别处被录入，请刷新后再录入。")) from None
    else:
        row.revenue, row.entered_by, row.version = amount, by, row.version + 1
        row.save(update_fields=["revenue", "entered_by", "entered_at", "version"])
    YearRevenueHistory.objects.create(year_revenue=row, actor=by, revenue=amount, previous=previous, ip=ip)
    return row
