"""The 客户接待通知申请表 as a web form. Forms only parse types (dates, money, numbers, choices); the rules of the
policy live in validation.py and run in the services, whose errors come back onto these fields."""

from datetime import datetime

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiedai.core.forms import BootstrapFormMixin
from jiedai.org.models import Department, User
from jiedai.receptions.models import LOCAL_TZ, Importance

LOCAL_INPUT_FORMAT = "%Y-%m-%dT%H:%M"


def local_input(value) -> str:
    """An aware datetime as a datetime-local input value in Asia/Shanghai."""
    if not value:
        return ""
    return value.astimezone(LOCAL_TZ).strftime(LOCAL_INPUT_FORMAT)


class ShanghaiDateTimeField(forms.DateTimeField):
    """A datetime-local input read as Asia/Shanghai wall-clock time, whatever time zone is active (DESIGN 6)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT_FORMAT)
    input_formats = [LOCAL_INPUT_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]

    def prepare_value(self, value):
        if isinstance(value, datetime) and timezone.is_aware(value):
            return value.astimezone(LOCAL_TZ).replace(tzinfo=None)
        return value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value if timezone.is_aware(value) else timezone.make_aware(value, LOCAL_TZ)
        text = str(value).strip()
        for fmt in self.input_formats:
            try:
                naive = datetime.strptime(text, fmt)
            except ValueError:
                continue
            return timezone.make_aware(naive, LOCAL_TZ)
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class LeadChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name}（{obj.department}）" if obj.department_id else obj.display_name


def _textarea(rows=3, **attrs):
    return forms.Textarea(attrs={"rows": rows, **attrs})


class ReceptionForm(BootstrapFormMixin, forms.Form):
    """Everything of the request but its clients (those are rows: see ClientRows)."""

    purpose = forms.CharField(
        label=_("来访目的"),
        required=False,
        max_length=5000,
        widget=_textarea(3, placeholder=_("例如：考察生产线并洽谈年度采购")),
    )
    visit_start = ShanghaiDateTimeField(label=_("来访开始时间"), required=False)
    visit_end = ShanghaiDateTimeField(label=_("来访结束时间"), required=False)
    visitor_count = forms.IntegerField(
        label=_("来访人数"), required=False, min_value=1, max_value=10000, widget=forms.NumberInput(attrs={"step": 1})
    )
    escort_needs = forms.CharField(
        label=_("陪同人员需求"),
        required=False,
        max_length=5000,
        widget=_textarea(2, placeholder=_("例如：需要技术部工程师陪同参观生产线")),
    )
    importance = forms.ChoiceField(
        label=_("重要程度"),
        choices=Importance.choices,
        initial=Importance.NORMAL,
        widget=forms.RadioSelect(attrs={"class": "btn-check"}),
    )
    estimated_cost = forms.DecimalField(
        label=_("预计费用（元）"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal", "placeholder": "0.00"}),
    )
    lead = LeadChoiceField(
        label=_("牵头负责人"),
        required=False,
        queryset=User.objects.none(),
        empty_label=_("— 请选择 —"),
    )
    coordinating_departments = forms.ModelMultipleChoiceField(
        label=_("协同部门"),
        required=False,
        queryset=Department.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    importance_statement = forms.CharField(label=_("重要性说明"), required=False, max_length=5000, widget=_textarea(2))
    expected_outcome = forms.CharField(label=_("预期效果"), required=False, max_length=5000, widget=_textarea(2))
    expected_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    SERVICE_FIELDS = [
        "purpose",
        "visit_start",
        "visit_end",
        "visitor_count",
        "escort_needs",
        "importance",
        "estimated_cost",
        "lead",
        "coordinating_departments",
        "importance_statement",
        "expected_outcome",
    ]

    def __init__(self, *args, host_department=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = (
            User.objects.filter(is_active=True).select_related("department").order_by("department__code", "id")
        )
        departments = Department.objects.order_by("code")
        if host_department is not None:
            # policy 2.1.2: coordinating departments are the others; the host is implied.
            departments = departments.exclude(pk=host_department.pk)
        self.fields["coordinating_departments"].queryset = departments
        # app.js shows the days of stay as the dates change (policy 2.1.1)
        self.fields["visit_start"].widget.attrs["data-stay-start"] = ""
        self.fields["visit_end"].widget.attrs["data-stay-end"] = ""

    def service_data(self, clients: list[dict]) -> dict:
        data = {name: self.cleaned_data.get(name) for name in self.SERVICE_FIELDS}
        data["coordinating_departments"] = list(data["coordinating_departments"] or [])
        data["clients"] = clients
        return data

    @staticmethod
    def initial_for(reception) -> dict:
        return {
            "purpose": reception.purpose,
            "visit_start": reception.visit_start,
            "visit_end": reception.visit_end,
            "visitor_count": reception.visitor_count,
            "escort_needs": reception.escort_needs,
            "importance": reception.importance,
            "estimated_cost": reception.estimated_cost,
            "lead": reception.lead_id,
            "coordinating_departments": [d.pk for d in reception.coordinating_departments.all()],
            "importance_statement": reception.importance_statement,
            "expected_outcome": reception.expected_outcome,
            "expected_version": reception.version,
        }

    @classmethod
    def data_for(cls, reception, clients: "ClientRows") -> QueryDict:
        """The saved request as if posted back (to show the submit checks' errors on the form)."""
        initial = cls.initial_for(reception)
        data = QueryDict(mutable=True)
        for key, value in initial.items():
            if key == "coordinating_departments":
                data.setlist(key, [str(pk) for pk in value])
            elif key in ("visit_start", "visit_end"):
                data[key] = local_input(value)
            else:
                data[key] = "" if value is None else str(value)
        for row in clients.rows:
            for name in CLIENT_FIELDS:
                data.appendlist(f"client_{name}", row["values"].get(name, ""))
        return data


CLIENT_FIELDS = ("name", "organization", "title", "phone", "email")
MAX_CLIENT_ROWS = 51  # one more than the service allows, so the service's own message shows


class ClientRowForm(forms.Form):
    name = forms.CharField(required=False, max_length=64)
    organization = forms.CharField(required=False, max_length=200)
    title = forms.CharField(required=False, max_length=64)
    phone = forms.CharField(required=False, max_length=32)
    email = forms.EmailField(required=False, max_length=254)


class ClientRows:
    """The visiting clients as rows of same-named inputs (client_name, client_organization, …): rows can be added
    and removed in the browser without renumbering. Blank rows are dropped; row i's errors come back from the
    services as "clients.i.<field>"."""

    def __init__(self, values: list[dict]):
        self.rows = [{"values": v, "errors": {}} for v in values]
        self.errors: list[str] = []

    @classmethod
    def from_post(cls, post) -> "ClientRows":
        columns = {name: post.getlist(f"client_{name}") for name in CLIENT_FIELDS}
        count = min(max(len(c) for c in columns.values()), MAX_CLIENT_ROWS)
        values = []
        for index in range(count):
            row = {name: (columns[name][index] if index < len(columns[name]) else "").strip() for name in CLIENT_FIELDS}
            if any(row.values()):
                values.append(row)
        return cls(values)

    @classmethod
    def from_reception(cls, reception) -> "ClientRows":
        return cls(
            [
                {
                    "name": link.contact.name,
                    "organization": link.contact.organization.name,
                    "title": link.contact.title,
                    "phone": link.contact.phone,
                    "email": link.contact.email,
                }
                for link in reception.client_links.select_related("contact__organization")
            ]
        )

    def is_valid(self) -> bool:
        ok = True
        for row in self.rows:
            form = ClientRowForm(row["values"])
            if not form.is_valid():
                ok = False
                for name, messages in form.errors.items():
                    row["errors"].setdefault(name, []).extend(messages)
        return ok

    def cleaned(self) -> list[dict]:
        return [dict(row["values"]) for row in self.rows]

    def add_errors(self, errors: dict[str, list[str]]) -> None:
        """Take the services' "clients", "clients.i" and "clients.i.<field>" errors onto the rows."""
        for key, messages in errors.items():
            parts = key.split(".")
            if parts[0] != "clients":
                self.errors.extend(messages)
                continue
            if len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) < len(self.rows):
                field = parts[2] if len(parts) > 2 and parts[2] in CLIENT_FIELDS else "row"
                self.rows[int(parts[1])]["errors"].setdefault(field, []).extend(messages)
            else:
                self.errors.extend(messages)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(row["errors"] for row in self.rows)

    def for_display(self) -> list[dict]:
        """The rows to draw; one blank row when there are none, so there is always somewhere to type."""
        return self.rows or [{"values": dict.fromkeys(CLIENT_FIELDS, ""), "errors": {}}]


class WithdrawForm(BootstrapFormMixin, forms.Form):
    comment = forms.CharField(
        label=_("撤回原因"),
        required=False,
        max_length=2000,
        widget=_textarea(3, placeholder=_("选填，例如：客户来访时间变更")),
    )
