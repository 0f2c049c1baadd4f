from django.contrib import admin

from jiedai.core.models import SystemSetting


@admin.register(SystemSetting)
class SystemSettingAdmin(admin.ModelAdmin):
    list_display = ["key", "description", "value", "updated_at"]
    readonly_fields = ["description"]
