"""Reception plans in the admin.

Master data — rooms, cars, drivers, hotels, restaurants, site areas — is administration's to keep (policy 3.1.1,
3.2.3, 4.3.3) and is edited here freely; a resource in use is retired (启用 off), not deleted, since the bookings
that used it keep pointing at it.

A plan's content (itinerary, staff, materials, bookings, meals, stays, communications, tasks, emergency plans) is
made in the app, where the rules apply (no double booking, the visit window, review, confidentiality) and every
change is recorded and announced: here it is shown, never added, changed or deleted. History rows (plan history,
downloads, template revisions) are read-only everywhere. Emergency templates keep their revision history through
the app's pages; here only their 启用 flag changes."""

from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jiedai.core.admin import ReadOnlyAdmin, ReadOnlyInline
from jiedai.planning.models import (
    Booking,
    ClientCommunication,
    CoordinationMeeting,
    Driver,
    EmergencyDrill,
    EmergencyTemplate,
    EmergencyTemplateRevision,
    Hotel,
    HotelStay,
    ItineraryItem,
    ItineraryLink,
    Material,
    MaterialDownload,
    Meal,
    Plan,
    PlanEmergency,
    PlanHistory,
    PrepTask,
    Restaurant,
    SetupTask,
    SiteArea,
    SpecialNeed,
    StaffAssignment,
    Vehicle,
    Venue,
)

# ---------------------------------------------------------------------------------------------------- master data


@admin.action(description=_("停用所选资源"))
def deactivate(modeladmin, request, queryset):
    count = queryset.update(is_active=False)
    modeladmin.message_user(request, gettext("已停用 %(n)s 项。") % {"n": count}, messages.SUCCESS)


@admin.action(description=_("启用所选资源"))
def activate(modeladmin, request, queryset):
    count = queryset.update(is_active=True)
    modeladmin.message_user(request, gettext("已启用 %(n)s 项。") % {"n": count}, messages.SUCCESS)


class ResourceAdmin(admin.ModelAdmin):
    """Rooms, cars, drivers, hotels, restaurants and site areas: retired, not deleted, once used."""

    list_filter = ["is_active"]
    search_fields = ["name", "notes"]
    list_editable = ["is_active"]
    actions = [activate, deactivate]
    ordering = ["name"]


@admin.register(Venue)
class VenueAdmin(ResourceAdmin):
    list_display = ["name", "kind", "location", "capacity", "equipment", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "location", "equipment", "notes"]
    fields = ["name", "kind", "location", "capacity", "equipment", "notes", "is_active"]


@admin.register(Vehicle)
class VehicleAdmin(ResourceAdmin):
    list_display = ["name", "plate", "seats", "is_active"]
    search_fields = ["name", "plate", "notes"]
    fields = ["name", "plate", "seats", "notes", "is_active"]


@admin.register(Driver)
class DriverAdmin(ResourceAdmin):
    list_display = ["name", "phone", "user", "is_active"]
    search_fields = ["name", "phone", "user__username", "user__full_name", "notes"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    fields = ["name", "phone", "user", "notes", "is_active"]


@admin.register(Hotel)
class HotelAdmin(ResourceAdmin):
    list_display = ["name", "address", "phone", "is_active"]
    search_fields = ["name", "address", "phone", "notes"]
    fields = ["name", "address", "phone", "notes", "is_active"]


@admin.register(Restaurant)
class RestaurantAdmin(ResourceAdmin):
    list_display = ["name", "address", "phone", "is_active"]
    search_fields = ["name", "address", "phone", "notes"]
    fields = ["name", "address", "phone", "notes", "is_active"]


@admin.register(SiteArea)
class SiteAreaAdmin(ResourceAdmin):
    """policy 4.3.3: a sensitive area needs a named escort and a notice to the client before the visit."""

    list_display = ["name", "sensitive", "is_active"]
    list_filter = ["sensitive", "is_active"]
    search_fields = ["name", "description", "notes"]
    fields = ["name", "description", "sensitive", "notes", "is_active"]


# ---------------------------------------------------------------------------------------------------- view-only
# Shown, never added, changed or deleted here (ReadOnlyAdmin, ReadOnlyInline): the app's services keep the rules and
# the history.


class PlanHistoryInline(ReadOnlyInline):
    model = PlanHistory
    fields = ["at", "action", "actor", "summary", "comment", "ip"]
    readonly_fields = fields
    ordering = ["at", "id"]
    select_related = ["actor"]


class ItineraryItemInline(ReadOnlyInline):
    model = ItineraryItem
    fields = ["start", "end", "kind", "title", "place", "site_area"]
    readonly_fields = fields
    select_related = ["site_area"]


class StaffAssignmentInline(ReadOnlyInline):
    model = StaffAssignment
    fields = ["person", "role", "duty", "item", "is_client_contact"]
    readonly_fields = fields
    select_related = ["person", "item"]


class ItineraryLinkInline(ReadOnlyInline):
    model = ItineraryLink
    fields = ["created_at", "created_by", "revoked_at"]  # never the token: it is the client's key
    readonly_fields = fields
    select_related = ["created_by"]


@admin.register(Plan)
class PlanAdmin(ReadOnlyAdmin):
    list_display = ["reception", "status", "version", "submitted_at", "confirmed_at", "overdue_at", "updated_at"]
    list_filter = ["status"]
    search_fields = ["reception__number", "reception__purpose", "summary"]
    list_select_related = ["reception"]
    date_hierarchy = "created_at"
    fields = [
        "reception",
        "status",
        "version",
        "summary",
        "created_at",
        "updated_at",
        "submitted_at",
        "confirmed_at",
        "overdue_at",
    ]
    readonly_fields = fields
    inlines = [ItineraryItemInline, StaffAssignmentInline, ItineraryLinkInline, PlanHistoryInline]


@admin.register(ItineraryLink)
class ItineraryLinkAdmin(ReadOnlyAdmin):
    list_display = ["plan", "created_by", "created_at", "revoked_at"]
    list_select_related = ["plan__reception", "created_by"]
    search_fields = ["plan__reception__number"]
    fields = ["plan", "created_by", "created_at", "revoked_at"]  # never the token: it is the client's key


@admin.register(PlanHistory)
class PlanHistoryAdmin(ReadOnlyAdmin):
    list_display = ["at", "plan", "action", "actor", "summary"]
    list_filter = ["action"]
    search_fields = ["plan__reception__number", "summary", "comment", "actor__username", "actor__full_name"]
    list_select_related = ["plan__reception", "actor"]
    date_hierarchy = "at"


@admin.register(ItineraryItem)
class ItineraryItemAdmin(ReadOnlyAdmin):
    list_display = ["title", "plan", "kind", "start", "end", "place", "site_area"]
    list_filter = ["kind", "site_area__sensitive"]
    search_fields = ["title", "place", "plan__reception__number"]
    list_select_related = ["plan__reception", "site_area"]
    date_hierarchy = "start"


@admin.register(StaffAssignment)
class StaffAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["person", "role", "duty", "plan", "item", "is_client_contact"]
    list_filter = ["role", "is_client_contact"]
    search_fields = ["person__username", "person__full_name", "duty", "plan__reception__number"]
    list_select_related = ["person", "plan__reception", "item"]


class MaterialDownloadInline(ReadOnlyInline):
    model = MaterialDownload
    fields = ["at", "user", "ip"]
    readonly_fields = fields
    select_related = ["user"]


@admin.register(Material)
class MaterialAdmin(ReadOnlyAdmin):
    """Titles and download records only: the file itself is served by the app, which checks clearance (policy
    3.1.1, confidential material)."""

    list_display = ["title", "plan", "kind", "confidentiality", "original_name", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["confidentiality", "kind"]
    search_fields = ["title", "original_name", "plan__reception__number"]
    list_select_related = ["plan__reception", "uploaded_by"]
    fields = ["plan", "title", "kind", "confidentiality", "description", "original_name", "content_type", "size"]
    readonly_fields = fields
    inlines = [MaterialDownloadInline]


@admin.register(MaterialDownload)
class MaterialDownloadAdmin(ReadOnlyAdmin):
    list_display = ["at", "material", "user", "ip"]
    search_fields = ["material__title", "user__username", "user__full_name"]
    list_select_related = ["material", "user"]
    date_hierarchy = "at"


class SetupTaskInline(ReadOnlyInline):
    model = SetupTask
    fields = ["position", "label", "done_at", "done_by"]
    readonly_fields = fields
    select_related = ["done_by"]


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdmin):
    list_display = ["start", "end", "kind", "venue", "vehicle", "driver", "plan", "status"]
    list_filter = ["kind", "status", "venue", "vehicle", "driver"]
    search_fields = ["plan__reception__number", "venue__name", "vehicle__plate", "vehicle__name", "driver__name"]
    list_select_related = ["plan__reception", "venue", "vehicle", "driver"]
    inlines = [SetupTaskInline]
    # A million bookings: no COUNT(*) for the "n total" line, no date hierarchy (it reads every distinct day).
    show_full_result_count = False


@admin.register(SetupTask)
class SetupTaskAdmin(ReadOnlyAdmin):
    list_display = ["label", "booking", "done_at", "done_by"]
    search_fields = ["label", "booking__plan__reception__number", "booking__venue__name"]
    list_select_related = ["booking__venue", "booking__vehicle", "done_by"]
    show_full_result_count = False


@admin.register(Meal)
class MealAdmin(ReadOnlyAdmin):
    list_display = ["start", "restaurant", "place", "standard_per_head", "headcount", "plan", "status"]
    list_filter = ["status", "restaurant"]
    search_fields = ["plan__reception__number", "restaurant__name", "place"]
    list_select_related = ["plan__reception", "restaurant"]
    show_full_result_count = False


@admin.register(HotelStay)
class HotelStayAdmin(ReadOnlyAdmin):
    list_display = ["check_in", "check_out", "nights", "hotel", "rooms", "room_type", "plan", "status"]
    list_filter = ["status", "hotel"]
    search_fields = ["plan__reception__number", "hotel__name", "guests"]
    list_select_related = ["plan__reception", "hotel"]
    show_full_result_count = False

    @admin.display(description=_("晚数"))
    def nights(self, obj):
        return obj.nights


@admin.register(ClientCommunication)
class ClientCommunicationAdmin(ReadOnlyAdmin):
    list_display = ["at", "plan", "channel", "staff", "contact"]
    list_filter = ["channel"]
    search_fields = ["plan__reception__number", "content", "agreed"]
    list_select_related = ["plan__reception", "staff", "contact"]
    date_hierarchy = "at"


@admin.register(SpecialNeed)
class SpecialNeedAdmin(ReadOnlyAdmin):
    list_display = ["plan", "kind", "contact", "description"]
    list_filter = ["kind"]
    search_fields = ["plan__reception__number", "description", "contact__name"]
    list_select_related = ["plan__reception", "contact"]


@admin.register(CoordinationMeeting)
class CoordinationMeetingAdmin(ReadOnlyAdmin):
    list_display = ["start", "plan", "place", "created_by"]
    search_fields = ["plan__reception__number", "place", "minutes"]
    list_select_related = ["plan__reception", "created_by"]
    date_hierarchy = "start"


@admin.register(PrepTask)
class PrepTaskAdmin(ReadOnlyAdmin):
    list_display = ["title", "plan", "department", "assignee", "due_date", "status", "overdue_at"]
    list_filter = ["status", "department"]
    search_fields = ["title", "plan__reception__number", "assignee__username", "assignee__full_name"]
    list_select_related = ["plan__reception", "department", "assignee"]
    date_hierarchy = "due_date"


# ---------------------------------------------------------------------------------------------------- emergency


class EmergencyTemplateRevisionInline(ReadOnlyInline):
    model = EmergencyTemplateRevision
    fields = ["revision", "revised_at", "revised_by", "reason"]
    readonly_fields = fields
    select_related = ["revised_by"]


class EmergencyDrillInline(ReadOnlyInline):
    model = EmergencyDrill
    fields = ["date", "scenario", "evaluation", "recorded_by"]
    readonly_fields = fields
    select_related = ["recorded_by"]


@admin.register(EmergencyTemplate)
class EmergencyTemplateAdmin(admin.ModelAdmin):
    """policy 3.3: templates are written and revised in the app (each revision recorded); here only retired or
    brought back."""

    list_display = ["name", "scenario", "revision", "is_active", "updated_at"]
    list_filter = ["scenario", "is_active"]
    search_fields = ["name", "procedure", "responsibilities"]
    fields = ["name", "scenario", "revision", "procedure", "responsibilities", "contacts", "is_active", "updated_at"]
    readonly_fields = [f for f in fields if f != "is_active"]
    inlines = [EmergencyTemplateRevisionInline, EmergencyDrillInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EmergencyTemplateRevision)
class EmergencyTemplateRevisionAdmin(ReadOnlyAdmin):
    list_display = ["template", "revision", "revised_at", "revised_by"]
    search_fields = ["template__name", "reason"]
    list_select_related = ["template", "revised_by"]


@admin.register(PlanEmergency)
class PlanEmergencyAdmin(ReadOnlyAdmin):
    list_display = ["plan", "template", "template_revision"]
    search_fields = ["plan__reception__number", "template__name"]
    list_select_related = ["plan__reception", "template"]


@admin.register(EmergencyDrill)
class EmergencyDrillAdmin(ReadOnlyAdmin):
    list_display = ["date", "template", "recorded_by"]
    list_filter = ["template"]
    search_fields = ["template__name", "scenario", "findings"]
    list_select_related = ["template", "recorded_by"]
    date_hierarchy = "date"
