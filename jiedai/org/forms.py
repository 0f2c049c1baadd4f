from django import forms
from django.utils.translation import gettext_lazy as _

from jiedai.core.forms import BootstrapFormMixin
from jiedai.org.models import User


class DelegationForm(BootstrapFormMixin, forms.Form):
    delegate = forms.ModelChoiceField(label=_("代理人"), queryset=User.objects.none())
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    reason = forms.CharField(label=_("原因"), max_length=200, required=False, help_text=_("例如：出差、休假"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delegate"].queryset = (
            User.objects.filter(is_active=True)
            .exclude(pk=user.pk)
            .select_related("department")
            .order_by("department", "username")
        )
        self.fields["delegate"].label_from_instance = lambda u: f"{u.display_name}（{u.department or '-'}）"
