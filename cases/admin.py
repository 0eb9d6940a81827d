from typing import Any

from django.contrib import admin

from cases import rules, services
from cases.choices import AccessChannel
from cases.models import (
    Bundle,
    BundleVariant,
    CalendarOverride,
    Event,
    Extract,
    Note,
    Outbox,
    Procedure,
    Setting,
    Step,
)


class ClearsRuleCache(admin.ModelAdmin):
    """Edits of routing, limits, rates and the calendar apply at once in this process (others within a minute)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        rules.clear_cache()


@admin.register(Procedure)
class ProcedureAdmin(ClearsRuleCache):
    list_display = ["code", "name", "name_en", "bundle_kind", "agency_role", "position"]
    list_filter = ["bundle_kind"]
    filter_horizontal = ["requires"]


@admin.register(BundleVariant)
class BundleVariantAdmin(ClearsRuleCache):
    list_display = ["name", "name_en", "kind"]
    list_filter = ["kind"]
    filter_horizontal = ["procedures"]


@admin.register(Setting)
class SettingAdmin(ClearsRuleCache):
    list_display = ["key", "value", "valid_from", "valid_to", "note"]
    list_filter = ["valid_from"]
    search_fields = ["key", "note"]


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(ClearsRuleCache):
    list_display = ["day", "working", "note"]
    list_filter = ["working"]
    date_hierarchy = "day"


class StepInline(admin.TabularInline):
    model = Step
    fields = ("procedure", "office", "state", "clock_starts_on", "due_date", "claimant", "late_since")
    readonly_fields = fields
    extra = 0
    can_delete = False


class RecordsReads:
    """An admin whose object's page shows a dossier's personal data: opening it is recorded as a
    read of that dossier (PersonalDataAccess, channel "admin"); the list is not a read."""

    def dossier(self, obj: Any) -> Bundle | None:
        return obj if isinstance(obj, Bundle) else getattr(obj, "bundle", None)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        shown = getattr(response, "context_data", {}).get("original")
        if response.status_code == 200 and shown is not None and (bundle := self.dossier(shown)) is not None:
            services.personal_data_access_record(user=request.user, bundles=[bundle], channel=AccessChannel.ADMIN)
        return response


class Unwritable:
    """An admin that adds, changes and deletes nothing: append-only rows (events, notes, the
    hospital notices' trail)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Bundle)
class BundleAdmin(RecordsReads, admin.ModelAdmin):
    """Read-only: bundles change only through the portal's services, which keep the audit trail."""

    list_display = ["code", "kind", "state", "channel", "commune", "received_at", "due_date"]
    list_filter = ["kind", "state", "channel"]
    list_select_related = ["commune"]
    search_fields = ["code"]
    inlines = [StepInline]
    readonly_fields = tuple(field.name for field in Bundle._meta.fields)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(RecordsReads, Unwritable, admin.ModelAdmin):
    """Read only. An event's page shows its reason and data (a correction's old and new values):
    a read of its dossier's personal data, recorded."""

    list_display = ["at", "bundle", "step", "action", "actor", "from_state", "to_state"]
    list_filter = ["action"]
    list_select_related = ["bundle", "step", "actor"]
    readonly_fields = tuple(field.name for field in Event._meta.fields)


@admin.register(Note)
class NoteAdmin(RecordsReads, Unwritable, admin.ModelAdmin):
    """Read only: notes are append-only (no edit, no delete, here either). A note's page shows what
    the offices wrote about the dossier: a read of its personal data, recorded."""

    list_display = ["at", "bundle", "step", "author", "author_office", "to_office"]
    list_select_related = ["bundle", "step", "author", "author_office", "to_office"]
    search_fields = ["bundle__code"]
    readonly_fields = tuple(field.name for field in Note._meta.fields)


@admin.register(Outbox)
class OutboxAdmin(admin.ModelAdmin):
    list_display = ["pk", "topic", "created_at", "delivered_at", "attempts"]
    list_filter = ["topic"]


@admin.register(Extract)
class ExtractAdmin(admin.ModelAdmin):
    """Read only: the civil-status extracts the officers attached, each checked on arrival."""

    list_display = ["step", "signer", "signed_at", "uploaded_by", "uploaded_at"]
    list_select_related = ["step__bundle", "step__procedure", "uploaded_by"]
    search_fields = ["step__bundle__code", "sha256"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
