"""The approval engine in the admin. Flows are data an administrator edits (DESIGN: rules are data, not code); a
flow version that documents already went through is frozen — copy it into a new version, edit that, enable it.
Runtime records (instances, tasks, events, CC) are history: visible, never added, changed or deleted here."""

from django.contrib import admin, messages
from django.db import IntegrityError
from django.db.models import Count
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jiedai.approvals.models import (
    ApprovalEvent,
    ApprovalInstance,
    ApprovalTask,
    CcRecord,
    CcRule,
    Flow,
    FlowStep,
)
from jiedai.approvals.services import flow_activate, flow_new_version
from jiedai.core.admin import ReadOnlyAdmin, ReadOnlyInline


def _in_use(flow) -> bool:
    return flow is not None and flow.pk is not None and flow.instances.exists()


class FrozenWhenUsedInline(admin.TabularInline):
    """Steps and CC rules of a flow that has instances cannot change: running and finished instances pinned it."""

    extra = 0

    def has_add_permission(self, request, obj=None):
        return not _in_use(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not _in_use(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _in_use(obj) and super().has_delete_permission(request, obj)


class FlowStepInline(FrozenWhenUsedInline):
    model = FlowStep
    fields = [
        "order",
        "name",
        "kind",
        "resolver",
        "resolver_value",
        "mode",
        "condition",
        "allow_return",
        "allow_reject",
        "clause",
    ]
    ordering = ["order"]


class CcRuleInline(FrozenWhenUsedInline):
    model = CcRule
    fields = ["target", "value", "clause"]


@admin.register(Flow)
class FlowAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "version", "document_type", "is_active", "instance_count", "created_at"]
    list_filter = ["is_active", "document_type"]
    search_fields = ["code", "name"]
    # Enabling goes through the action (it disables the other versions in the same transaction).
    readonly_fields = ["is_active", "created_at"]
    inlines = [FlowStepInline, CcRuleInline]
    actions = ["new_version", "activate"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_instances=Count("instances"))

    @admin.display(description=_("使用次数"), ordering="_instances")
    def instance_count(self, obj):
        return getattr(obj, "_instances", None)

    def has_change_permission(self, request, obj=None):
        return not _in_use(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _in_use(obj) and super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.pk is not None:
            return [*self.readonly_fields, "code", "version"]
        return self.readonly_fields

    @admin.action(description=_("复制为新版本"), permissions=["add"])
    def new_version(self, request, queryset):
        created = [flow_new_version(flow=Flow.objects.get(pk=flow.pk)) for flow in queryset]
        self.message_user(
            request,
            gettext("已复制为新版本（未启用）：%(names)s。修改后使用“启用此版本”。")
            % {"names": "、".join(str(f) for f in created)},
            messages.SUCCESS,
        )

    @admin.action(description=_("启用此版本"), permissions=["add"])
    def activate(self, request, queryset):
        flows = list(queryset)
        if len(flows) != 1:
            self.message_user(request, gettext("请只选择一个流程版本来启用。"), messages.ERROR)
            return
        try:
            flow_activate(flow=flows[0])
        except IntegrityError:
            self.message_user(request, gettext("启用失败，请重试。"), messages.ERROR)
            return
        self.message_user(
            request, gettext("已启用 %(flow)s；新提交的单据将使用此版本。") % {"flow": flows[0]}, messages.SUCCESS
        )


class TaskInline(ReadOnlyInline):
    model = ApprovalTask
    fields = ["round", "step", "assignee", "acting_for", "status", "comment", "skip_reason", "created_at", "decided_at"]
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = ApprovalEvent
    fields = ["round", "step_name", "action", "actor", "on_behalf_of", "comment", "ip", "created_at"]
    readonly_fields = fields


class CcRecordInline(ReadOnlyInline):
    model = CcRecord
    fields = ["user", "created_at", "read_at"]
    readonly_fields = fields


@admin.register(ApprovalInstance)
class ApprovalInstanceAdmin(ReadOnlyAdmin):
    list_display = ["title", "document_type", "applicant", "department", "status", "round", "submitted_at"]
    list_filter = ["status", "document_type", "department"]
    search_fields = ["title", "applicant__username", "applicant__full_name"]
    list_select_related = ["applicant", "department"]
    date_hierarchy = "submitted_at"
    inlines = [TaskInline, EventInline, CcRecordInline]


@admin.register(ApprovalTask)
class ApprovalTaskAdmin(ReadOnlyAdmin):
    list_display = ["instance", "step", "round", "assignee", "acting_for", "status", "created_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["instance__title", "assignee__username", "assignee__full_name"]
    list_select_related = ["instance", "step", "assignee", "acting_for"]


@admin.register(ApprovalEvent)
class ApprovalEventAdmin(ReadOnlyAdmin):
    list_display = ["instance", "round", "step_name", "action", "actor", "on_behalf_of", "created_at", "ip"]
    list_filter = ["action"]
    search_fields = ["instance__title", "actor__username", "actor__full_name", "comment"]
    list_select_related = ["instance", "actor", "on_behalf_of"]


@admin.register(CcRecord)
class CcRecordAdmin(ReadOnlyAdmin):
    list_display = ["instance", "user", "created_at", "read_at"]
    search_fields = ["instance__title", "user__username", "user__full_name"]
    list_select_related = ["instance", "user"]
