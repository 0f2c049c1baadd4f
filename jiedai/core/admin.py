from django.contrib import admin

from jiedai.core.models import SystemSetting


@admin.register(SystemSetting)
class SystemSettingAdmin(admin.ModelAdmin):
    list_display = ["key", "description", "value", "updated_at"]
    readonly_fields = ["description"]


class NoEditing:
    """No add, change or delete in the admin: a view permission shows everything."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(NoEditing, admin.ModelAdmin):
    """Records kept by the app's services (history, approval records): shown here, never added, changed or
    deleted."""


class ReadOnlyInline(NoEditing, admin.TabularInline):
    """Rows shown under their parent and never changed in the admin (history, approval records). `select_related`:
    the foreign keys the rows show, read in the same query."""

    extra = 0
    can_delete = False
    show_change_link = False
    select_related: list[str] = []

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset.select_related(*self.select_related) if self.select_related else queryset
