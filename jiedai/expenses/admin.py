"""Administration keeps the expense categories and the cost standards (policy 1.3.4, 5.1); budgets and claims are
read-only here (they change through their flows)."""

from django.contrib import admin

from jiedai.core.admin import ReadOnlyAdmin, ReadOnlyInline
from jiedai.expenses.models import (
    Anomaly,
    Budget,
    Claim,
    ClaimHistory,
    ClaimLine,
    CostStandard,
    ExpenseCategory,
    Investigation,
    InvestigationHistory,
    Invoice,
    Payment,
    YearRevenue,
    YearRevenueHistory,
)


@admin.register(ExpenseCategory)
class ExpenseCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "position", "is_active", "counts_as_entertainment"]
    list_editable = ["position", "is_active", "counts_as_entertainment"]  # policy 5.3.2: the tax summary's 业务招待费


@admin.register(CostStandard)
class CostStandardAdmin(admin.ModelAdmin):
    list_display = ["category", "importance", "unit", "limit", "notes"]
    list_filter = ["category", "importance", "unit"]


@admin.register(Budget)
class BudgetAdmin(ReadOnlyAdmin):
    list_display = ["reception", "status", "total", "submitted_at", "approved_at"]
    list_filter = ["status"]
    list_select_related = ["reception"]


class ClaimLineInline(ReadOnlyInline):
    model = ClaimLine
    fields = ["category", "description", "amount_claimed", "amount_approved", "rejected_reason"]
    select_related = ["category"]


class ClaimHistoryInline(ReadOnlyInline):
    model = ClaimHistory
    fields = ["at", "actor", "action", "comment"]
    select_related = ["actor"]


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdmin):
    list_display = ["pk", "reception", "status", "total_claimed", "total_approved", "submitted_at", "paid_at"]
    list_filter = ["status"]
    list_select_related = ["reception"]
    inlines = [ClaimLineInline, ClaimHistoryInline]


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["number", "code", "date", "total", "seller_name", "line"]
    search_fields = ["number", "code", "seller_name", "seller_tax_id"]
    exclude = ["file"]  # downloaded through the app, with its checks, never from the admin


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["claim", "date", "method", "reference", "paid_by"]


# policy 5.3.2: anomalies, investigations and the year's revenue change through their services, with history.


class InvestigationHistoryInline(ReadOnlyInline):
    model = InvestigationHistory
    fields = ["at", "actor", "action", "version", "outcome", "findings", "actions"]
    select_related = ["actor"]


@admin.register(Anomaly)
class AnomalyAdmin(ReadOnlyAdmin):
    list_display = ["pk", "kind", "subject", "reception", "status", "detected_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["reception"]
    search_fields = ["subject", "reception__number"]


@admin.register(Investigation)
class InvestigationAdmin(ReadOnlyAdmin):
    list_display = ["anomaly", "investigator", "outcome", "opened_at", "closed_at"]
    list_filter = ["outcome"]
    list_select_related = ["anomaly", "investigator"]
    inlines = [InvestigationHistoryInline]


class YearRevenueHistoryInline(ReadOnlyInline):
    model = YearRevenueHistory
    fields = ["at", "actor", "previous", "revenue"]
    select_related = ["actor"]


@admin.register(YearRevenue)
class YearRevenueAdmin(ReadOnlyAdmin):
    list_display = ["year", "revenue", "entered_by", "entered_at"]
    list_select_related = ["entered_by"]
    inlines = [YearRevenueHistoryInline]
