"""Forms of finance's oversight pages (policy 5.3.2): the anomaly list's filters, the investigation, the year's
revenue. Free-text fields are plain text: the services (services/anomalies.py, services/tax.py) give the one clear
message for bad input, the same as over the API."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jiedai.core.forms import BootstrapFormMixin
from jiedai.expenses.models import AnomalyKind, AnomalyStatus, InvestigationOutcome
from jiedai.org.models import Department


class AnomalyFilterForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类型"), required=False)
    status = forms.ChoiceField(label=_("状态"), required=False)
    department = forms.ModelChoiceField(
        label=_("部门"), queryset=Department.objects.none(), required=False, empty_label=_("全部部门")
    )

    def __init__(self, data=None, *, departments: frozenset[int] | None):
        """`departments`: those whose anomalies the user may read (None: all; see access.anomalies_visible_to)."""
        super().__init__(data)
        self.fields["kind"].choices = [("", _("全部类型")), *AnomalyKind.choices]
        self.fields["status"].choices = [("", _("全部状态")), *AnomalyStatus.choices]
        queryset = Department.objects.order_by("code")
        self.fields["department"].queryset = queryset if departments is None else queryset.filter(pk__in=departments)
        self.fields["kind"].error_messages["invalid_choice"] = _("没有该异常类型。")
        self.fields["status"].error_messages["invalid_choice"] = _("没有该状态。")
        self.fields["department"].error_messages["invalid_choice"] = _("没有该部门，或无权查看该部门的费用。")

    def filter(self, queryset):
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if data.get("department"):
            queryset = queryset.filter(reception__host_department=data["department"])
        return queryset


class InvestigationForm(BootstrapFormMixin, forms.Form):
    findings = forms.CharField(label=_("调查结果"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    outcome = forms.ChoiceField(label=_("处理结论"), required=False)
    actions = forms.CharField(label=_("处理措施"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [("", "—"), *InvestigationOutcome.choices]
        self.fields["outcome"].error_messages["invalid_choice"] = _("请选择列表中的处理结论。")


class RevenueForm(BootstrapFormMixin, forms.Form):
    year = forms.CharField(label=_("年度"), max_length=4, widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    revenue = forms.CharField(
        label=_("销售（营业）收入（元）"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    # The version of every year's revenue as the page showed it ("2026:2,2025:0"): saving a year someone else has
    # entered or corrected since is a conflict, not a silent overwrite.
    seen = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    @staticmethod
    def seen_versions(years) -> str:
        return ",".join(f"{row.year}:{row.revenue_version or 0}" for row in years)

    def expected_version(self) -> int:
        """The version the page showed for the year being saved; 0 for a year it did not list (none entered)."""
        versions = {}
        for pair in (self.cleaned_data.get("seen") or "").split(","):
            year, _sep, version = pair.partition(":")
            if year.strip().isdigit() and version.strip().isdigit():
                versions[year.strip()] = int(version)
        return versions.get(str(self.cleaned_data.get("year", "")).strip(), 0)
