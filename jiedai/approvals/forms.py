"""The decision on an approval task: 同意 / 驳回 / 退回 with a comment (required for reject and return; the
engine checks that and the step's options, and its messages come back onto these fields)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jiedai.core.forms import BootstrapFormMixin

DECISION_CHOICES = [("approve", _("同意")), ("reject", _("驳回")), ("return", _("退回"))]


class DecisionForm(BootstrapFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("审批决定"),
        choices=DECISION_CHOICES,
        error_messages={"required": _("请选择同意、驳回或退回。"), "invalid_choice": _("请选择同意、驳回或退回。")},
    )
    comment = forms.CharField(
        label=_("审批意见"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("同意时可不填；驳回或退回时必须填写意见")}),
    )
