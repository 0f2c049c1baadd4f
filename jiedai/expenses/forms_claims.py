"""The reimbursement claim's forms (policy 5.2): one row per invoice, rows with the same line number make one claim
line (its category, content and amount taken from its first row). Every field is plain text so the service
(services/claims.py) gives the one clear message for a bad number or date; empty rows are left out."""

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from jiedai.core.forms import BootstrapFormMixin

EXTRA_ROWS = 2
LINE_FIELDS = ("category", "description", "amount_claimed")
INVOICE_FIELDS = (
    "code",
    "number",
    "date",
    "amount_before_tax",
    "tax",
    "total",
    "seller_name",
    "seller_tax_id",
    "buyer_tax_id",
)


class ClaimRowForm(BootstrapFormMixin, forms.Form):
    line = forms.CharField(label=_("明细行号"), max_length=4, required=False)
    category = forms.ChoiceField(label=_("类别"), required=False)
    description = forms.CharField(label=_("内容"), max_length=200, required=False)
    amount_claimed = forms.CharField(label=_("报销金额（元）"), max_length=20, required=False)
    invoice_id = forms.CharField(widget=forms.HiddenInput, required=False)
    code = forms.CharField(label=_("发票代码"), max_length=12, required=False)
    number = forms.CharField(label=_("发票号码"), max_length=20, required=False)
    date = forms.CharField(
        label=_("开票日期"), max_length=10, required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    amount_before_tax = forms.CharField(label=_("金额（元）"), max_length=20, required=False)
    tax = forms.CharField(label=_("税额（元）"), max_length=20, required=False)
    total = forms.CharField(label=_("价税合计（元）"), max_length=20, required=False)
    seller_name = forms.CharField(label=_("销售方名称"), max_length=200, required=False)
    seller_tax_id = forms.CharField(label=_("销售方纳税人识别号"), max_length=20, required=False)
    buyer_tax_id = forms.CharField(label=_("购买方纳税人识别号"), max_length=20, required=False)
    file = forms.FileField(label=_("发票文件"), required=False)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—"), *((str(c.pk), c.name) for c in categories)]
        for name in ("line", "amount_claimed", "amount_before_tax", "tax", "total", "code", "number"):
            self.fields[name].widget.attrs.update(inputmode="decimal", autocomplete="off")
        self.fields["file"].widget.attrs.update(accept=".pdf,.ofd,.xml,.png,.jpg,.jpeg")

    def text(self, name) -> str:
        return (self.cleaned_data.get(name) or "").strip()

    def is_blank(self) -> bool:
        names = (*LINE_FIELDS, *INVOICE_FIELDS)
        return not any(self.text(name) for name in names) and not self.cleaned_data.get("file")

    def has_invoice(self) -> bool:
        return any(self.text(name) for name in INVOICE_FIELDS) or bool(self.cleaned_data.get("file"))

    def line_data(self) -> dict:
        category = self.text("category")
        return {
            "category": int(category) if category.isdigit() else None,
            "description": self.text("description"),
            "amount_claimed": self.text("amount_claimed"),
            "invoices": [],
        }

    def invoice_data(self) -> dict:
        data = {name: self.text(name) for name in INVOICE_FIELDS}
        data["file"] = self.cleaned_data.get("file") or None
        invoice_id = self.text("invoice_id")
        if invoice_id.isdigit():
            data["id"] = int(invoice_id)
        return data


ClaimRowFormSet = formset_factory(ClaimRowForm, extra=EXTRA_ROWS, max_num=400, absolute_max=400)


def rows_initial(claim) -> list[dict]:
    """One row per invoice (a line without invoices: one row), numbered by line."""

    def text(value):
        return "" if value is None else str(value)

    rows = []
    for n, line in enumerate(claim.lines.all(), start=1):
        base = {
            "line": str(n),
            "category": str(line.category_id),
            "description": line.description,
            "amount_claimed": text(line.amount_claimed),
        }
        invoices = list(line.invoices.all())
        if not invoices:
            rows.append(base)
        for invoice in invoices:
            row = {**base, "invoice_id": str(invoice.pk)}
            row.update({name: text(getattr(invoice, name)) for name in INVOICE_FIELDS})
            row["date"] = invoice.date.isoformat() if invoice.date else ""
            rows.append(row)
    return rows


class LineApproveForm(BootstrapFormMixin, forms.Form):
    """policy 5.2.2: finance approves a line at a lower amount, with its reason."""

    amount = forms.CharField(label=_("核准金额（元）"), max_length=20)
    reason = forms.CharField(label=_("核减理由"), max_length=300, required=False)


class PaymentForm(BootstrapFormMixin, forms.Form):
    """policy 5.2.3: finance records the payment."""

    date = forms.CharField(label=_("付款日期"), max_length=10, widget=forms.DateInput(attrs={"type": "date"}))
    method = forms.CharField(label=_("付款方式"), max_length=40)
    reference = forms.CharField(label=_("付款凭证号"), max_length=100, required=False)
