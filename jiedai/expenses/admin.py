"""Administration keeps the expense categories and the cost standards (policy 1.3.4, 5.1); budgets are read-only
here (they change through their flow)."""

from django.contrib import admin

from jiedai.core.admin import ReadOnlyAdmin
from jiedai.expenses.models import Budget, CostStandard, ExpenseCategory


@admin.register(ExpenseCategory)
class ExpenseCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "position", "is_active"]
    list_editable = ["position", "is_active"]


@admin.register(CostStandard)
class CostStandardAdmin(admin.ModelAdmin):
    list_display = ["category", "importance", "unit", "limit", "notes"]
    list_filter = ["category", "importance", "unit"]


@admin.register(Budget)
class BudgetAdmin(ReadOnlyAdmin):
    list_display = ["reception", "status", "total", "submitted_at", "approved_at"]
    list_filter = ["status"]
    list_select_related = ["reception"]
