"""The supplementary budget's form (policy 5.3.1): why the approved budget will not do, and the extra per category.
Amounts are plain text so the service (services/supplementary.py) gives the one clear message for a bad number;
empty rows are left out."""

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from jiedai.core.forms import BootstrapFormMixin
from jiedai.expenses.services.supplementary import MAX_LINES

EXTRA_ROWS = 2


class SupplementaryReasonForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("追加理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("说明为什么已批准的预算不够用：审批人据此决定（超支须事前审批）。"),
    )


class SupplementaryLineForm(BootstrapFormMixin, forms.Form):
    category = forms.ChoiceField(label=_("类别"), required=False)
    amount = forms.CharField(label=_("追加金额（元）"), max_length=20, required=False)
    reason = forms.CharField(label=_("说明"), max_length=300, required=False)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—"), *((str(c.pk), c.name) for c in categories)]
        self.fields["amount"].widget.attrs.update(inputmode="decimal", autocomplete="off")

    def line(self) -> dict | None:
        """The row as the service takes it; None for a row left empty."""
        data = {name: (self.cleaned_data.get(name) or "").strip() for name in ("category", "amount", "reason")}
        if not any(data.values()):
            return None
        if data["category"].isdigit():  # the service looks categories up by id
            data["category"] = int(data["category"])
        return data


SupplementaryLineFormSet = formset_factory(
    SupplementaryLineForm, extra=EXTRA_ROWS, max_num=MAX_LINES, absolute_max=MAX_LINES
)


def lines_initial(supplementary) -> list[dict]:
    return [
        {"category": str(line.category_id), "amount": str(line.amount), "reason": line.reason}
        for line in supplementary.lines.all()
    ]
