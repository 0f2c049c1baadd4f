"""Forms of the emergency plans (policy 3.3). They parse types only; the rules (required texts, unique names, a
reason for each revision, no drill in the future) live in services/emergency.py, whose errors come back onto these
fields."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jiedai.core.forms import BootstrapFormMixin
from jiedai.planning.form_fields import optional_text
from jiedai.planning.models import EmergencyTemplate, Scenario


class ContentFields(forms.Form):
    """policy 3.3.1: what every emergency plan holds."""

    procedure = optional_text(
        _("处置步骤"), max_length=10000, rows=8, placeholder=_("1. 发现情况后……\n2. ……"), strip=False
    )
    responsibilities = optional_text(
        _("责任分工"), max_length=10000, rows=5, placeholder=_("接待负责人：……\n行政部接待岗：……"), strip=False
    )
    contacts = optional_text(_("联系人及电话"), max_length=10000, rows=5, strip=False)


class TemplateForm(BootstrapFormMixin, ContentFields):
    name = forms.CharField(label=_("预案名称"), required=False, max_length=100)
    scenario = forms.ChoiceField(
        label=_("适用情形"), choices=[("", _("— 请选择 —")), *Scenario.choices], required=False
    )

    field_order = ["name", "scenario", "procedure", "responsibilities", "contacts"]

    SERVICE_FIELDS = ("name", "scenario", "procedure", "responsibilities", "contacts")

    def service_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.SERVICE_FIELDS}

    @staticmethod
    def initial_for(template: EmergencyTemplate) -> dict:
        return {name: getattr(template, name) for name in TemplateForm.SERVICE_FIELDS}


class TemplateReviseForm(TemplateForm):
    """policy 3.3.2: a revision says why (after a drill, an incident, a change of people)."""

    is_active = forms.BooleanField(
        label=_("启用"), required=False, help_text=_("停用后不能再添加到新的接待方案；已添加的不受影响。")
    )
    reason = optional_text(
        _("修订原因"),
        max_length=10000,
        rows=3,
        placeholder=_("例如：根据 2025 年 6 月演练发现的问题，补充备用会议室的启用步骤"),
    )
    expected_revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    field_order = ["reason", *TemplateForm.field_order, "is_active"]
    SERVICE_FIELDS = (*TemplateForm.SERVICE_FIELDS, "is_active", "reason")

    @staticmethod
    def initial_for(template: EmergencyTemplate) -> dict:
        return {
            **TemplateForm.initial_for(template),
            "is_active": template.is_active,
            "expected_revision": template.revision,
        }


class DrillForm(BootstrapFormMixin, forms.Form):
    date = forms.DateField(label=_("演练日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    scenario = optional_text(_("演练情景"), max_length=10000, rows=3, placeholder=_("例如：客户参观生产线途中突发晕厥"))
    participants = optional_text(
        _("参加人员"),
        max_length=10000,
        rows=2,
        placeholder=_("例如：行政部郑洁、销售部王小明、安全管理员及前台人员共 8 人"),
    )
    evaluation = optional_text(_("评估"), max_length=10000, rows=3)
    findings = optional_text(
        _("发现的问题及改进"),
        max_length=10000,
        rows=3,
        help_text=_("需要修改预案的，记录后请修订预案并写明原因（制度 3.3.2）。"),
    )

    SERVICE_FIELDS = ("date", "scenario", "participants", "evaluation", "findings")

    def service_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.SERVICE_FIELDS}


class TemplateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return gettext("%(name)s（%(scenario)s，第 %(revision)s 版）") % {
            "name": obj.name,
            "scenario": obj.get_scenario_display(),
            "revision": obj.revision,
        }


class PlanEmergencyAttachForm(BootstrapFormMixin, forms.Form):
    template = TemplateChoiceField(
        label=_("应急预案模板"), queryset=EmergencyTemplate.objects.none(), required=False, empty_label=_("— 请选择 —")
    )
    with_contacts = forms.BooleanField(
        label=_("附上本次联系人"),
        required=False,
        initial=True,
        help_text=_("把本方案的接待负责人、客户联系人及其电话加到联系人中。"),
    )

    def __init__(self, *args, templates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if templates is not None:
            self.fields["template"].queryset = templates

    def service_data(self) -> dict:
        return {"template": self.cleaned_data.get("template"), "with_contacts": self.cleaned_data.get("with_contacts")}


class PlanEmergencyForm(BootstrapFormMixin, ContentFields):
    """The copy adapted for the visit. `template_revision` is set when the editor brings it up to a newer
    revision of the template (the re-sync)."""

    template_revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def service_data(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in ("procedure", "responsibilities", "contacts")}
        if self.cleaned_data.get("template_revision") is not None:
            data["template_revision"] = self.cleaned_data["template_revision"]
        return data
