"""The itinerary item and staff assignment as web forms (policy 3.1.1). Forms only parse types and resolve ids to
objects; the rules (inside the visit, one lead, clients of this request...) live in services/itinerary.py, whose
errors come back onto these fields."""

import datetime

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiedai.core.forms import BootstrapFormMixin
from jiedai.org.models import User
from jiedai.planning.form_fields import optional_text
from jiedai.planning.models import ItemKind, ItineraryItem, SiteArea, StaffRole
from jiedai.planning.selectors_itinerary import item_label, local
from jiedai.receptions.forms import ShanghaiDateTimeField
from jiedai.receptions.models import LOCAL_TZ, ClientContact


class ClientChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.title}）" if obj.title else obj.name


class ItemForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=[("", _("— 请选择 —")), *ItemKind.choices])
    title = forms.CharField(
        label=_("事项"), max_length=120, widget=forms.TextInput(attrs={"placeholder": _("例如：欢迎会、参观生产线")})
    )
    start = ShanghaiDateTimeField(label=_("开始时间"))
    end = ShanghaiDateTimeField(label=_("结束时间"))
    place = forms.CharField(label=_("地点"), required=False, max_length=200)
    site_area = forms.ModelChoiceField(
        label=_("参观区域"),
        required=False,
        queryset=SiteArea.objects.none(),
        empty_label=_("— 不指定 —"),
        help_text=_("参观考察时选择"),
    )
    clients = ClientChoiceField(
        label=_("参加客户"),
        required=False,
        queryset=ClientContact.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选即全体来访客户"),
    )
    description = optional_text(_("说明（客户可见）"), max_length=5000, rows=2, help_text=_("会显示在客户行程单上"))
    internal_notes = optional_text(
        _("内部备注"), max_length=5000, rows=2, help_text=_("仅内部可见，不会出现在客户行程单上")
    )

    SERVICE_FIELDS = ("kind", "title", "start", "end", "place", "site_area", "clients", "description", "internal_notes")

    def __init__(self, *args, reception, item: ItineraryItem | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        areas = Q(is_active=True)
        if item is not None and item.site_area_id:
            areas |= Q(pk=item.site_area_id)  # a since-disabled area stays selectable on its item
        self.fields["site_area"].queryset = SiteArea.objects.filter(areas).order_by("name")
        self.fields["clients"].queryset = ClientContact.objects.filter(
            pk__in=reception.client_links.values("contact_id")
        ).order_by("name", "id")
        window = {"min": _input(reception.visit_start), "max": _input(reception.visit_end)}
        self.fields["start"].widget.attrs.update(window)
        self.fields["end"].widget.attrs.update(window)

    def service_data(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in self.SERVICE_FIELDS}
        data["clients"] = list(data["clients"] or [])
        return data

    @classmethod
    def initial_for(cls, item: ItineraryItem) -> dict:
        initial = {name: getattr(item, name) for name in cls.SERVICE_FIELDS if name not in ("site_area", "clients")}
        return {**initial, "site_area": item.site_area_id, "clients": [c.pk for c in item.clients.all()]}

    @staticmethod
    def initial_for_day(reception, day: str | None) -> dict:
        """A new item on the day the user picked (?day=YYYY-MM-DD; else the visit's first day): 09:00 for an hour,
        kept inside the visit, so the date pickers open on the right day."""
        try:
            date = datetime.date.fromisoformat(day) if day else local(reception.visit_start).date()
        except ValueError:
            date = local(reception.visit_start).date()
        start = datetime.datetime.combine(date, datetime.time(9), tzinfo=LOCAL_TZ)
        start = min(max(start, reception.visit_start), reception.visit_end)
        end = min(start + datetime.timedelta(hours=1), reception.visit_end)
        if end <= start:
            return {}
        return {"start": start, "end": end}


def _input(value) -> str:
    return f"{local(value):%Y-%m-%dT%H:%M}" if value else ""


class PersonChoiceField(forms.ChoiceField):
    """Active people grouped by department (a <select> with <optgroup>s); cleans to the User. One query."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.people: dict[str, User] = {}

    def load(self, current: User | None = None):
        people = User.objects.filter(is_active=True)
        if current is not None:
            people = User.objects.filter(Q(is_active=True) | Q(pk=current.pk))
        groups: dict[str, list] = {}
        for user in people.select_related("department").order_by("department__code", "full_name", "username"):
            self.people[str(user.pk)] = user
            department = user.department.name if user.department_id else str(_("未分配部门"))
            groups.setdefault(department, []).append((str(user.pk), user.display_name))
        self.choices = [("", _("— 请选择 —")), *groups.items()]

    def clean(self, value):
        value = super().clean(value)
        return self.people.get(str(value)) if value else None


class ItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return item_label(obj)


class StaffForm(BootstrapFormMixin, forms.Form):
    person = PersonChoiceField(label=_("人员"))
    role = forms.ChoiceField(label=_("角色"), choices=[("", _("— 请选择 —")), *StaffRole.choices])
    duty = forms.CharField(
        label=_("职责"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("例如：全程陪同、生产线讲解、机场接送")}),
    )
    item = ItemChoiceField(
        label=_("安排在"),
        required=False,
        queryset=ItineraryItem.objects.none(),
        empty_label=_("整个接待（全程）"),
        help_text=_("全程安排按整个来访时间计算是否与其他安排冲突"),
    )
    is_client_contact = forms.BooleanField(
        label=_("作为客户联系人"),
        required=False,
        help_text=_("姓名和电话会列在客户行程单上"),
    )

    SERVICE_FIELDS = ("person", "role", "duty", "item", "is_client_contact")

    def __init__(self, *args, plan, current_person: User | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].load(current_person)
        self.fields["item"].queryset = ItineraryItem.objects.filter(plan=plan).order_by("start", "end", "id")

    def service_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.SERVICE_FIELDS}

    @staticmethod
    def initial_for(assignment) -> dict:
        return {
            "person": str(assignment.person_id),
            "role": assignment.role,
            "duty": assignment.duty,
            "item": assignment.item_id,
            "is_client_contact": assignment.is_client_contact,
        }
