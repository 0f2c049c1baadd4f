from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReceptionsConfig(AppConfig):
    name = "jiedai.receptions"
    label = "receptions"
    verbose_name = _("客户接待")

    def ready(self):
        from jiedai.approvals.documents import register_document
        from jiedai.receptions.access import DOCUMENT_TYPE
        from jiedai.receptions.services import ReceptionApprovalHandler

        register_document(DOCUMENT_TYPE, ReceptionApprovalHandler())
