from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from jiedai.api import api

admin.site.site_header = _("接待管理系统 · 后台管理")
admin.site.site_title = _("接待管理系统")
admin.site.index_title = _("系统设置")

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("jiedai.core.urls")),
    path("", include("jiedai.dashboard.urls")),
    path("receptions/", include("jiedai.receptions.urls")),
    path("", include("jiedai.planning.urls")),
    path("", include("jiedai.expenses.urls")),
    path("approvals/", include("jiedai.approvals.urls")),
    path("notifications/", include("jiedai.notify.urls")),
    path("workdays/", include("jiedai.workdays.urls")),
    path("me/", include("jiedai.org.urls")),
]
