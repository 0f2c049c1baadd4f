from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExpensesConfig(AppConfig):
    name = "jiedai.expenses"
    label = "expenses"
    verbose_name = _("接待费用")

    def ready(self):
        from jiedai.approvals.documents import register_document
        from jiedai.expenses.access import BUDGET_DOCUMENT
        from jiedai.expenses.services.budgets import BudgetApprovalHandler
        from jiedai.expenses.services.claims import CLAIM_DOCUMENT, ClaimApprovalHandler

        register_document(BUDGET_DOCUMENT, BudgetApprovalHandler())
        from jiedai.expenses.services.supplementary import SUPPLEMENTARY_DOCUMENT, SupplementaryApprovalHandler

        register_document(CLAIM_DOCUMENT, ClaimApprovalHandler())  # policy 5.2.2–5.2.3
        register_document(SUPPLEMENTARY_DOCUMENT, SupplementaryApprovalHandler())  # policy 5.3.1
