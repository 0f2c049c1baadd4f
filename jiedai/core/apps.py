from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "jiedai.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self):
        from jiedai.core import change_stamp

        change_stamp.install()  # the page cache's validator: every write moves it
