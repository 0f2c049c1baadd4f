from jiedai.expenses.models.budget import (
    MONEY_EDITABLE,
    Budget,
    BudgetAction,
    BudgetHistory,
    BudgetLine,
    MoneyStatus,
)
from jiedai.expenses.models.catalog import CostStandard, ExpenseCategory, StandardUnit
from jiedai.expenses.models.claims import (
    CLAIM_EDITABLE,
    Claim,
    ClaimAction,
    ClaimHistory,
    ClaimLine,
    ClaimStatus,
    Invoice,
    Payment,
)
from jiedai.expenses.models.supplementary import SupplementaryBudget, SupplementaryHistory, SupplementaryLine

__all__ = [
    "CLAIM_EDITABLE",
    "Claim",
    "ClaimAction",
    "ClaimHistory",
    "ClaimLine",
    "ClaimStatus",
    "Invoice",
    "Payment",
    "MONEY_EDITABLE",
    "Budget",
    "BudgetAction",
    "BudgetHistory",
    "BudgetLine",
    "CostStandard",
    "ExpenseCategory",
    "MoneyStatus",
    "StandardUnit",
    "SupplementaryBudget",
    "SupplementaryHistory",
    "SupplementaryLine",
]
