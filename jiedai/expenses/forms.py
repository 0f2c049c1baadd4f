"""The budget's edit form (policy 5.1.1): a table of rows, one form per line. Every field is plain text so the
service (services/budgets.py) gives the one clear message for a bad number; empty rows are left out."""

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from jiedai.core.forms import BootstrapFormMixin

EXTRA_ROWS = 3
FIELDS = ("category", "description", "quantity", "unit_price", "times", "amount", "basis")


class BudgetLineForm(BootstrapFormMixin, forms.Form):
    category = forms.ChoiceField(label=_("类别"), required=False)
    description = forms.CharField(label=_("内容"), max_length=200, required=False)
    quantity = forms.CharField(label=_("数量"), max_length=20, required=False)
    unit_price = forms.CharField(label=_("单价（元）"), max_length=20, required=False)
    times = forms.CharField(label=_("次数"), max_length=10, required=False)
    amount = forms.CharField(label=_("金额（元）"), max_length=20, required=False)
    basis = forms.CharField(label=_("测算依据"), max_length=300, required=False)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—"), *((str(c.pk), c.name) for c in categories)]
        for name in ("quantity", "unit_price", "times", "amount"):
            self.fields[name].widget.attrs.update(inputmode="decimal", autocomplete="off")

    def line(self) -> dict | None:
        """The row as the service takes it; None for a row left empty."""
        data = {name: (self.cleaned_data.get(name) or "").strip() for name in FIELDS}
        if not any(data.values()):
            return None
        if data["category"].isdigit():  # the service looks categories up by id
            data["category"] = int(data["category"])
        return data


BudgetLineFormSet = formset_factory(BudgetLineForm, extra=EXTRA_ROWS, max_num=200, absolute_max=200)


def line_initial(line) -> dict:
    def text(value):
        return "" if value is None else str(value)

    return {
        "category": str(line.category_id),
        "description": line.description,
        "quantity": text(line.quantity),
        "unit_price": text(line.unit_price),
        "times": text(line.times),
        "amount": text(line.amount),
        "basis": line.basis,
    }
