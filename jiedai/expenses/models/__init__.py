from jiedai.expenses.models.budget import (
    MONEY_EDITABLE,
    Budget,
    BudgetAction,
    BudgetHistory,
    BudgetLine,
    MoneyStatus,
)
from jiedai.expenses.models.catalog import CostStandard, ExpenseCategory, StandardUnit

__all__ = [
    "MONEY_EDITABLE",
    "Budget",
    "BudgetAction",
    "BudgetHistory",
    "BudgetLine",
    "CostStandard",
    "ExpenseCategory",
    "MoneyStatus",
    "StandardUnit",
]
