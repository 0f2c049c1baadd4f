from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "jiedai.planning"
    label = "planning"
    verbose_name = _("接待方案")

    def ready(self):
        from jiedai.approvals.documents import register_document
        from jiedai.planning.review import PlanApprovalHandler
        from jiedai.planning.services.plan import DOCUMENT_TYPE

        register_document(DOCUMENT_TYPE, PlanApprovalHandler())
