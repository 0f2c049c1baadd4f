"""The finance analytics' filter bar (policy 5.3.2): period granularity and date range (the current year by
default), department, importance, category. The page, the Excel export and the API read their query string with
this one form, so a bad filter gets the same clear message everywhere (the API answers it with a 400)."""

from datetime import date
from urllib.parse import urlencode

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiedai.core.errors import NotFound
from jiedai.core.forms import BootstrapFormMixin
from jiedai.expenses.access import analytics_departments_for
from jiedai.expenses.models import ExpenseCategory
from jiedai.expenses.selectors_analytics import MAX_SPAN_DAYS, AnalyticsFilter, Granularity
from jiedai.org.models import Department
from jiedai.receptions.models import LOCAL_TZ, Importance

MIN_YEAR, MAX_YEAR = 2000, 2100  # a business's horizon; far dates would overflow when turned into datetimes


def this_year() -> tuple[date, date]:
    today = timezone.now().astimezone(LOCAL_TZ).date()
    return date(today.year, 1, 1), date(today.year, 12, 31)


class AnalyticsFilterForm(BootstrapFormMixin, forms.Form):
    granularity = forms.ChoiceField(label=_("统计周期"), choices=Granularity.choices, required=False)
    start = forms.DateField(label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    department = forms.ModelChoiceField(
        label=_("部门"), queryset=Department.objects.none(), required=False, empty_label=_("全部部门")
    )
    importance = forms.ChoiceField(label=_("重要程度"), required=False)
    category = forms.ModelChoiceField(
        label=_("费用类别"), queryset=ExpenseCategory.objects.all(), required=False, empty_label=_("全部类别")
    )

    @classmethod
    def from_query(cls, query, *, departments: frozenset[int] | None) -> "AnalyticsFilterForm":
        """Bound to the query string, with the defaults filled in where a filter is missing (the form then shows
        the range the figures are for)."""
        data = query.copy()
        first, last = this_year()
        for name, default in (("granularity", Granularity.MONTH), ("start", first), ("end", last)):
            if not data.get(name):
                data[name] = str(default)
        return cls(data, departments=departments)

    def __init__(self, data=None, *, departments: frozenset[int] | None):
        """`departments`: those the user may analyse (None: all; see access.analytics_departments_for)."""
        super().__init__(data)
        self.allowed = departments
        queryset = Department.objects.order_by("code")
        self.fields["department"].queryset = queryset if departments is None else queryset.filter(pk__in=departments)
        self.fields["importance"].choices = [("", _("全部")), *Importance.choices]
        self.fields["granularity"].error_messages["invalid_choice"] = _("统计周期只能是月、季度或年。")
        for name in ("start", "end"):
            self.fields[name].error_messages["invalid"] = _("请输入正确的日期（年-月-日）。")
        self.fields["department"].error_messages["invalid_choice"] = _("没有该部门，或无权查看该部门的费用。")
        self.fields["category"].error_messages["invalid_choice"] = _("没有该费用类别。")
        self.fields["importance"].error_messages["invalid_choice"] = _("没有该重要程度。")

    def clean(self):
        data = super().clean()
        first, last = this_year()
        start, end = data.get("start") or first, data.get("end") or last
        for name, value in (("start", start), ("end", end)):
            if not MIN_YEAR <= value.year <= MAX_YEAR:
                self.add_error(name, _("日期须在 %(min)s 年至 %(max)s 年之间。") % {"min": MIN_YEAR, "max": MAX_YEAR})
        if "start" in self.errors or "end" in self.errors:
            return data
        if end < start:
            self.add_error("end", _("结束日期不能早于开始日期。"))
        elif (end - start).days > MAX_SPAN_DAYS:
            self.add_error("end", _("统计区间最长 10 年。"))
        data["start"], data["end"] = start, end
        return data

    def filters(self) -> AnalyticsFilter:
        """The valid filter, narrowed to the departments the user may see."""
        data = self.cleaned_data
        department, category = data.get("department"), data.get("category")
        return AnalyticsFilter(
            granularity=data.get("granularity") or Granularity.MONTH,
            start=data["start"],
            end=data["end"],
            department_id=department.pk if department else None,
            importance=data.get("importance") or "",
            category_id=category.pk if category else None,
            departments=self.allowed,
        )

    def query_string(self) -> str:
        """The valid filter as a query string (the export link carries it)."""
        data = self.cleaned_data
        values = {
            "granularity": data.get("granularity") or Granularity.MONTH,
            "start": data["start"].isoformat(),
            "end": data["end"].isoformat(),
            "department": data["department"].pk if data.get("department") else "",
            "importance": data.get("importance") or "",
            "category": data["category"].pk if data.get("category") else "",
        }
        return urlencode({key: value for key, value in values.items() if value != ""})

    def describe(self) -> list[tuple[str, str]]:
        """The filter in words, for the export's first sheet."""
        data = self.cleaned_data
        granularity = data.get("granularity") or Granularity.MONTH
        importance = data.get("importance")
        return [
            (str(_("统计周期")), str(Granularity(granularity).label)),
            (str(_("开始日期")), data["start"].isoformat()),
            (str(_("结束日期")), data["end"].isoformat()),
            (str(_("部门")), str(data.get("department") or _("全部部门"))),
            (str(_("重要程度")), str(Importance(importance).label if importance else _("全部"))),
            (str(_("费用类别")), str(data.get("category") or _("全部类别"))),
        ]

    def error_dict(self) -> dict[str, list[str]]:
        return {name: [str(message) for message in messages] for name, messages in self.errors.items()}


def analytics_filter_form(user, query) -> AnalyticsFilterForm:
    """The filter form on `query` (valid or not) for a user who may analyse some spending; NotFound for anyone else,
    who cannot tell the analytics exist (expenses.access.analytics_departments_for). The page, its exports and the
    API all start here."""
    departments = analytics_departments_for(user)
    if departments is not None and not departments:
        raise NotFound(_("找不到该页面。"))
    return AnalyticsFilterForm.from_query(query, departments=departments)
