from django.contrib import admin

from jiedai.workdays.models import CalendarOverride


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "name", "note", "updated_at"]
    list_filter = ["is_workday"]
    search_fields = ["name", "note"]
    date_hierarchy = "date"
    ordering = ["-date"]
