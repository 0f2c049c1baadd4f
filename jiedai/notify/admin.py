from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from jiedai.notify.models import Notification, OutboxMessage, OutboxStatus
from jiedai.notify.services import outbox_retry


class OutboxInline(admin.TabularInline):
    model = OutboxMessage
    extra = 0
    can_delete = False
    fields = ["channel", "status", "attempts", "next_attempt_at", "sent_at", "last_error"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "kind", "created_at", "delivered_at", "read_at"]
    list_filter = ["kind", "created_at"]
    search_fields = ["title", "recipient__username", "recipient__full_name", "document_type"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient"]
    readonly_fields = ["created_at", "delivered_at", "read_at"]
    date_hierarchy = "created_at"
    inlines = [OutboxInline]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "notification", "channel", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status", "channel"]
    search_fields = ["dedup_key", "notification__title", "last_error"]
    list_select_related = ["notification"]
    raw_id_fields = ["notification"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["retry_now"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("立即重试所选消息"))
    def retry_now(self, request, queryset):
        count = outbox_retry(message_ids=queryset.filter(status=OutboxStatus.FAILED).values_list("pk", flat=True))
        self.message_user(request, _("已安排重试 %(count)d 条消息。") % {"count": count}, messages.SUCCESS)
