from django.contrib import admin

from health.models import HealthFacility, HealthNotice, NoticeEvent


@admin.register(HealthFacility)
class HealthFacilityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "client", "active"]
    search_fields = ["code", "name"]


@admin.register(HealthNotice)
class HealthNoticeAdmin(admin.ModelAdmin):
    """Read only: notices come from the facilities, signed; nobody edits one here."""

    list_display = ["certificate_number", "kind", "facility", "format", "received_at", "bundle"]
    list_filter = ["kind", "format", "facility"]
    search_fields = ["certificate_number"]
    list_select_related = ["facility", "bundle"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(NoticeEvent)
class NoticeEventAdmin(admin.ModelAdmin):
    list_display = ["at", "action", "kind", "certificate_number", "facility", "actor", "bundle_code"]
    list_filter = ["action", "kind"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
