"""Forms of the coordination tab (policy 3.2.1–3.2.2). They parse types only (every field is optional here); the
rules, required fields included, live in services/coordination.py, whose errors come back onto these fields.

The choices (people, clients, itinerary items, departments, meetings) come from one CoordinationOptions read once
per page, so four forms on a page cost four queries, not one per select (a ModelChoiceField would query again at
every render)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jiedai.core.forms import BootstrapFormMixin
from jiedai.planning.form_fields import optional_text
from jiedai.planning.models import Channel, NeedKind
from jiedai.planning.selectors_coordination import CoordinationOptions
from jiedai.receptions.forms import ShanghaiDateTimeField
from jiedai.receptions.models import LOCAL_TZ

EMPTY = [("", _("— 请选择 —"))]


def _user_label(user) -> str:
    return f"{user.display_name}（{user.department}）" if user.department_id else user.display_name


def _item_label(item) -> str:
    start = item.start.astimezone(LOCAL_TZ)
    return f"{start:%m-%d %H:%M} {item.title}"


def _meeting_label(meeting) -> str:
    start = meeting.start.astimezone(LOCAL_TZ)
    return f"{start:%m-%d %H:%M} {meeting.place}".strip()


class OptionsForm(BootstrapFormMixin, forms.Form):
    """A form whose choice fields pick rows from CoordinationOptions; service_data() hands the rows themselves."""

    # field name -> (options attribute, label function, empty choice allowed)
    PICKS: dict = {}
    MULTI: dict = {}
    FIELDS: tuple = ()
    REQUIRED: tuple = ()  # starred on the page; the service says what is missing

    def __init__(self, *args, options: CoordinationOptions, **kwargs):
        self.options = options
        super().__init__(*args, **kwargs)
        for name, (attribute, label) in self.PICKS.items():
            self.fields[name].choices = EMPTY + [(str(row.pk), label(row)) for row in getattr(options, attribute)]
        for name, (attribute, label) in self.MULTI.items():
            self.fields[name].choices = [(str(row.pk), label(row)) for row in getattr(options, attribute)]

    def _rows(self, attribute: str) -> dict:
        return {str(row.pk): row for row in getattr(self.options, attribute)}

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        for name, (attribute, _label) in self.PICKS.items():
            data[name] = self._rows(attribute).get(data.get(name) or "")
        for name, (attribute, _label) in self.MULTI.items():
            rows = self._rows(attribute)
            data[name] = [rows[pk] for pk in data.get(name) or [] if pk in rows]
        return data

    @classmethod
    def initial_for(cls, obj, fields) -> dict:
        initial = {}
        for name in fields:
            if name in cls.PICKS:
                value = getattr(obj, f"{name}_id")
                initial[name] = str(value) if value else ""
            elif name in cls.MULTI:
                initial[name] = [str(row.pk) for row in getattr(obj, name).all()]
            else:
                initial[name] = getattr(obj, name)
        return initial


class CommunicationForm(OptionsForm):
    """policy 3.2.1: a conversation with the client."""

    PICKS = {"staff": ("users", _user_label), "contact": ("contacts", str)}
    MULTI = {"items": ("items", _item_label)}

    at = ShanghaiDateTimeField(label=_("沟通时间"), required=False)
    channel = forms.ChoiceField(label=_("方式"), choices=EMPTY + Channel.choices, required=False)
    staff = forms.ChoiceField(label=_("我方人员"), required=False)
    contact = forms.ChoiceField(label=_("客户人员"), required=False)
    content = optional_text(_("沟通内容"), max_length=5000, rows=3, placeholder=_("例如：确认来访行程和参观路线"))
    agreed = optional_text(_("商定事项"), max_length=5000, rows=2, placeholder=_("例如：第二天下午改为参观二号车间"))
    items = forms.MultipleChoiceField(label=_("涉及的行程事项"), required=False, widget=forms.CheckboxSelectMultiple)

    FIELDS = ("at", "channel", "staff", "contact", "content", "agreed", "items")
    REQUIRED = ("at", "channel", "staff", "content")


class NeedForm(OptionsForm):
    """policy 3.2.1: a special need of the client."""

    PICKS = {"contact": ("contacts", str)}
    MULTI = {"items": ("items", _item_label)}

    kind = forms.ChoiceField(label=_("类别"), choices=EMPTY + NeedKind.choices, required=False)
    contact = forms.ChoiceField(label=_("客户"), required=False, help_text=_("不选表示全体来访客户。"))
    description = forms.CharField(
        label=_("需求"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("例如：清真饮食，不饮酒")}),
    )
    items = forms.MultipleChoiceField(label=_("涉及的行程事项"), required=False, widget=forms.CheckboxSelectMultiple)

    FIELDS = ("kind", "contact", "description", "items")
    REQUIRED = ("kind", "description")


class MeetingForm(OptionsForm):
    """policy 3.2.2: the coordination meeting."""

    MULTI = {"attendees": ("users", _user_label)}

    start = ShanghaiDateTimeField(label=_("会议时间"), required=False)
    place = forms.CharField(label=_("地点"), required=False, max_length=200)
    attendees = forms.MultipleChoiceField(
        label=_("参会人员"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("电脑上按住 Ctrl（Mac 为 ⌘）可多选。"),
    )
    minutes = optional_text(_("会议纪要"), max_length=20000, rows=4, placeholder=_("各部门工作重点和时间节点"))

    FIELDS = ("start", "place", "attendees", "minutes")
    REQUIRED = ("start", "attendees")


class TaskForm(OptionsForm):
    """policy 3.2.2: a preparation task with its owner and deadline."""

    PICKS = {
        "department": ("departments", str),
        "assignee": ("users", _user_label),
        "meeting": ("meetings", _meeting_label),
    }

    title = forms.CharField(label=_("任务"), required=False, max_length=200)
    description = optional_text(_("说明"), max_length=5000, rows=2)
    department = forms.ChoiceField(label=_("责任部门"), required=False)
    assignee = forms.ChoiceField(label=_("责任人"), required=False)
    due_date = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    meeting = forms.ChoiceField(label=_("来自协调会"), required=False)

    FIELDS = ("title", "description", "department", "assignee", "due_date", "meeting")
    REQUIRED = ("title", "due_date")
