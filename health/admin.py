from django.contrib import admin

from cases.admin import RecordsReads, Unwritable
from health.models import HealthFacility, HealthNotice, NoticeAction, NoticeEvent


@admin.register(HealthFacility)
class HealthFacilityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "client", "active"]
    search_fields = ["code", "name"]


@admin.register(HealthNotice)
class HealthNoticeAdmin(RecordsReads, admin.ModelAdmin):
    """Read only: notices come from the facilities, signed; nobody edits one here. Opening one
    shows the mother's or the deceased's data: recorded in the notices' trail, and as a read of
    the dossier that cites it, if one does."""

    list_display = ["certificate_number", "kind", "facility", "format", "received_at", "bundle"]
    list_filter = ["kind", "format", "facility"]
    search_fields = ["certificate_number"]
    list_select_related = ["facility", "bundle"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        notice = getattr(response, "context_data", {}).get("original")
        if response.status_code == 200 and isinstance(notice, HealthNotice):
            NoticeEvent.record(notice, NoticeAction.OPENED, actor=request.user)
        return response


@admin.register(NoticeEvent)
class NoticeEventAdmin(Unwritable, admin.ModelAdmin):
    """The notices' trail: append-only."""

    list_display = ["at", "action", "kind", "certificate_number", "facility", "actor", "bundle_code"]
    list_filter = ["action", "kind"]
