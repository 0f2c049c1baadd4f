"""Forms of the plan's logistics (policy 3.1.1): a room or a car with its driver, a meal, hotel rooms. Forms only
parse types; the rules (the visit window, double bookings, the standard per head) live in the services, whose
errors come back onto these fields (core.web.add_domain_errors)."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiedai.core.forms import BootstrapFormMixin
from jiedai.planning.form_fields import optional_text
from jiedai.planning.models import BookingKind, Driver, Hotel, ItineraryItem, Restaurant, Vehicle, Venue
from jiedai.receptions.forms import ShanghaiDateTimeField, local_input
from jiedai.receptions.models import LOCAL_TZ


def _active(model, *current):
    """Active master data, plus the rows already chosen (an edit keeps a room that was retired since)."""
    keep = [obj.pk for obj in current if obj is not None]
    return model.objects.filter(Q(is_active=True) | Q(pk__in=keep)).order_by("name", "id")


class VenueChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        parts = [obj.name, _("%(n)s人") % {"n": obj.capacity}]
        if obj.location:
            parts.append(obj.location)
        if obj.equipment:
            parts.append(obj.equipment)
        return " · ".join(str(p) for p in parts)


class DriverChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.phone}）" if obj.phone else obj.name


class ItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.start.astimezone(LOCAL_TZ):%m-%d %H:%M} {obj.title}"


def _item_field():
    return ItemChoiceField(
        label=_("关联行程事项"),
        required=False,
        queryset=ItineraryItem.objects.none(),
        empty_label=_("— 不关联 —"),
    )


def _count_field(label, **attrs):
    # "At least 1" is the services' rule, reported with the other errors at once; the ceiling only keeps the
    # number within the database's integer.
    return forms.IntegerField(
        label=label, required=False, max_value=10000, widget=forms.NumberInput(attrs={"step": 1, **attrs})
    )


class BookingForm(BootstrapFormMixin, forms.Form):
    """A room (kind venue) or a car with its driver (kind vehicle) for a slot of the visit."""

    venue = VenueChoiceField(
        label=_("场地"), required=False, queryset=Venue.objects.none(), empty_label=_("— 请选择 —")
    )
    vehicle = forms.ModelChoiceField(
        label=_("车辆"), required=False, queryset=Vehicle.objects.none(), empty_label=_("— 请选择 —")
    )
    driver = DriverChoiceField(
        label=_("司机"), required=False, queryset=Driver.objects.none(), empty_label=_("— 暂不指定 —")
    )
    start = ShanghaiDateTimeField(label=_("开始时间"), required=False)
    end = ShanghaiDateTimeField(label=_("结束时间"), required=False)
    item = _item_field()
    headcount = _count_field(_("人数"))
    notes = optional_text(_("备注"), max_length=2000, rows=2)

    # A button of the clash panel re-submits the form with one of the free alternatives picked.
    PICKS = {"pick_venue": "venue", "pick_vehicle": "vehicle", "pick_driver": "driver"}

    def __init__(self, *args, kind: str, plan, booking=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind == BookingKind.VENUE:
            del self.fields["vehicle"], self.fields["driver"]
            self.fields["venue"].queryset = _active(Venue, booking and booking.venue)
        else:
            del self.fields["venue"]
            self.fields["vehicle"].queryset = _active(Vehicle, booking and booking.vehicle)
            self.fields["driver"].queryset = _active(Driver, booking and booking.driver)
        self.fields["item"].queryset = plan.items.order_by("start", "id")

    @classmethod
    def with_pick(cls, post, **kwargs):
        """The posted form, with a picked alternative (if a pick button was pressed) in place of the chosen one."""
        data = post.copy()
        for button, field in cls.PICKS.items():
            if data.get(button):
                data[field] = data[button]
        return cls(data, **kwargs)

    @staticmethod
    def initial_for(booking) -> dict:
        return {
            "venue": booking.venue_id,
            "vehicle": booking.vehicle_id,
            "driver": booking.driver_id,
            "start": local_input(booking.start),
            "end": local_input(booking.end),
            "item": booking.item_id,
            "headcount": booking.headcount,
            "notes": booking.notes,
        }

    def service_data(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in self.fields}
        data["kind"] = self.kind
        data["notes"] = (data.get("notes") or "").strip()
        return data


class MealForm(BootstrapFormMixin, forms.Form):
    restaurant = forms.ModelChoiceField(
        label=_("餐厅"), required=False, queryset=Restaurant.objects.none(), empty_label=_("— 其他地点 —")
    )
    place = forms.CharField(
        label=_("用餐地点"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("不在餐厅名录中时填写，例如：公司食堂二楼包间")}),
    )
    start = ShanghaiDateTimeField(label=_("用餐时间"), required=False)
    standard_per_head = forms.DecimalField(
        label=_("餐标（元/人）"),
        required=False,
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal", "placeholder": "0.00"}),
    )
    headcount = _count_field(_("人数"))
    item = _item_field()
    notes = optional_text(_("备注"), max_length=2000, rows=2)

    def __init__(self, *args, plan, meal=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["restaurant"].queryset = _active(Restaurant, meal and meal.restaurant)
        self.fields["item"].queryset = plan.items.order_by("start", "id")

    @staticmethod
    def initial_for(meal) -> dict:
        return {
            "restaurant": meal.restaurant_id,
            "place": meal.place,
            "start": local_input(meal.start),
            "standard_per_head": meal.standard_per_head,
            "headcount": meal.headcount,
            "item": meal.item_id,
            "notes": meal.notes,
        }

    def service_data(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in self.fields}
        data["notes"] = (data.get("notes") or "").strip()
        return data


class HotelForm(BootstrapFormMixin, forms.Form):
    hotel = forms.ModelChoiceField(
        label=_("酒店"), required=False, queryset=Hotel.objects.none(), empty_label=_("— 请选择 —")
    )
    check_in = forms.DateField(label=_("入住日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    check_out = forms.DateField(label=_("离店日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    rooms = _count_field(_("房间数"))
    room_type = forms.CharField(
        label=_("房型"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": _("例如：商务大床房")}),
    )
    guests = forms.CharField(label=_("入住客人"), required=False, max_length=200)
    notes = optional_text(_("备注"), max_length=2000, rows=2)

    def __init__(self, *args, stay=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hotel"].queryset = _active(Hotel, stay and stay.hotel)

    @staticmethod
    def initial_for(stay) -> dict:
        return {
            "hotel": stay.hotel_id,
            "check_in": stay.check_in.isoformat(),
            "check_out": stay.check_out.isoformat(),
            "rooms": stay.rooms,
            "room_type": stay.room_type,
            "guests": stay.guests,
            "notes": stay.notes,
        }

    def service_data(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in self.fields}
        data["notes"] = (data.get("notes") or "").strip()
        return data


class QueueFilterForm(forms.Form):
    """The queue's filters (policy 3.2.3). Bad values fall back to the defaults instead of failing the page."""

    date_from = forms.DateField(label=_("从"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("到"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(
        label=_("类别"),
        required=False,
        choices=[
            ("", _("全部")),
            ("venue", _("场地布置")),
            ("vehicle", _("车辆")),
            ("meal", _("用餐")),
            ("hotel", _("住宿")),
        ],
    )
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[
            ("", _("未完成（待落实、已落实）")),
            ("all", _("全部")),
            ("requested", _("待落实")),
            ("confirmed", _("已落实")),
            ("done", _("已完成")),
            ("cancelled", _("已取消")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            css = (
                "form-select form-select-sm" if isinstance(field, forms.ChoiceField) else "form-control form-control-sm"
            )
            field.widget.attrs["class"] = css
            field.widget.attrs["id"] = f"queue-{name}"

    def value(self, name, default):
        """The parsed value of a field, or `default` when it is empty or does not parse (the form is always bound,
        to the query string)."""
        self.is_valid()  # cleaned_data keeps the fields that parsed
        return self.cleaned_data.get(name) or default
