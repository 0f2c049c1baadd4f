from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from jiedai.org.models import ApiToken, Delegation, Department, RoleAssignment, User


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "department", "email", "is_active"]
    list_filter = ["department", "role_assignments__role", "is_active"]
    search_fields = ["username", "full_name", "email"]
    list_select_related = ["department"]
    inlines = [RoleAssignmentInline]
    fieldsets = BaseUserAdmin.fieldsets + ((_("接待系统"), {"fields": ["full_name", "department", "phone"]}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("接待系统"), {"fields": ["full_name", "department"]}),)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "head", "supervising_leader"]
    list_select_related = ["head", "supervising_leader"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["head", "supervising_leader"]


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    list_display = ["delegator", "delegate", "starts_at", "ends_at", "reason", "revoked"]
    list_select_related = ["delegator", "delegate"]
    autocomplete_fields = ["delegator", "delegate"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "last_used_at"]
    readonly_fields = ["user", "key_hash", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False
