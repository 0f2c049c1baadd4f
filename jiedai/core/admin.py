from django.contrib import admin

from jiedai.core.models import SystemSetting


@admin.register(SystemSetting)
class SystemSettingAdmin(admin.ModelAdmin):
    list_display = ["key", "description", "value", "updated_at"]
    readonly_fields = ["description"]


class ReadOnlyInline(admin.TabularInline):
    """Rows shown under their parent and never changed in the admin (history, approval records)."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
