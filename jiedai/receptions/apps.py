from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReceptionsConfig(AppConfig):
    name = "jiedai.receptions"
    label = "receptions"
    verbose_name = _("客户接待")
