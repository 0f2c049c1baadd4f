"""Reception requests and the client directory in the admin. Requests are made, changed and decided in the app
(through the services, which keep their history); the admin shows them and lets an administrator correct only the
plan deadline (e.g. once the year's holiday schedule is published). The client directory is edited freely."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from jiedai.core.admin import ReadOnlyInline
from jiedai.receptions.models import ClientContact, ClientOrganization, Reception, ReceptionClient, ReceptionHistory


class ReceptionClientInline(admin.TabularInline):
    model = ReceptionClient
    fields = ["position", "contact"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = _("来访客户")
    verbose_name_plural = _("来访客户")

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("contact__organization")


class ReceptionHistoryInline(ReadOnlyInline):
    model = ReceptionHistory
    fields = ["at", "action", "actor", "from_status", "to_status", "comment", "ip"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(Reception)
class ReceptionAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "purpose_short",
        "requester",
        "host_department",
        "status",
        "importance",
        "visit_start",
        "estimated_cost",
    ]
    list_filter = ["status", "importance", "host_department", "plan_due_provisional"]
    search_fields = ["number", "purpose", "requester__username", "requester__full_name", "clients__name"]
    list_select_related = ["requester", "host_department"]
    date_hierarchy = "visit_start"
    inlines = [ReceptionClientInline, ReceptionHistoryInline]
    fieldsets = [
        (None, {"fields": ["number", "status", "requester", "host_department", "version"]}),
        (
            _("来访信息"),
            {"fields": ["purpose", "visit_start", "visit_end", "visitor_count", "escort_needs", "estimated_cost"]},
        ),
        (
            _("重要接待与多部门协同"),
            {"fields": ["importance", "lead", "coordinating_departments", "importance_statement", "expected_outcome"]},
        ),
        (_("时间"), {"fields": ["created_at", "updated_at", "submitted_at", "approved_at"]}),
        (_("接待方案"), {"fields": ["plan_due_date", "plan_due_provisional"]}),
    ]
    # Everything but the plan deadline is read-only: the services own the request's content and its status.
    EDITABLE = {"plan_due_date", "plan_due_provisional"}

    def get_readonly_fields(self, request, obj=None):
        return [f for fs in self.fieldsets for f in fs[1]["fields"] if f not in self.EDITABLE]

    @admin.display(description=_("来访目的"))
    def purpose_short(self, obj):
        return (obj.purpose or "")[:40]

    def has_add_permission(self, request):
        return False  # requests are made in the app, where the rules and the history apply

    def has_delete_permission(self, request, obj=None):
        return False  # a request's history is kept forever (policy 2.2.1)


class ClientContactInline(admin.TabularInline):
    model = ClientContact
    fields = ["name", "title", "phone", "email"]
    extra = 0


@admin.register(ClientOrganization)
class ClientOrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name", "contacts__name"]
    inlines = [ClientContactInline]


@admin.register(ClientContact)
class ClientContactAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "title", "phone", "email"]
    search_fields = ["name", "organization__name", "phone", "email"]
    list_select_related = ["organization"]
    autocomplete_fields = ["organization"]
