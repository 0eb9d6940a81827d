"""The province's administrators edit the online-rate targets (effective-dated rows) and read the
obstacles with their trail; the summaries are derived data and are not edited by hand."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from reporting.models import Obstacle, ObstacleEvent, ReportSchedule, Target
from reporting.services import targets_changed


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["unit_code", "percent", "pilot", "valid_from", "valid_to", "note"]
    list_filter = ["pilot", "percent", "valid_from"]
    search_fields = ["unit_code", "note"]
    ordering = ["unit_code", "valid_from"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        targets_changed()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        targets_changed()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        super().delete_queryset(request, queryset)
        targets_changed()


class ObstacleEventInline(admin.TabularInline):
    model = ObstacleEvent
    fields = readonly_fields = ("at", "actor", "action", "text")
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Obstacle)
class ObstacleAdmin(admin.ModelAdmin):
    """Read-only here: units file obstacles and provincial staff answer them on the dashboard, where
    each step is recorded in the trail."""

    list_display = ["title", "unit", "reported_by", "reported_at", "answered_by", "closed_at"]
    list_filter = ["closed_at", "reported_at"]
    list_select_related = ["unit", "reported_by", "answered_by"]
    search_fields = ["title", "description", "unit__code", "unit__name"]
    inlines = [ObstacleEventInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReportSchedule)
class ReportScheduleAdmin(admin.ModelAdmin):
    """Set by provincial staff on /reports/schedule/; here an administrator sees them all."""

    list_display = ["province", "cadence", "active", "last_period_end", "updated_by", "updated_at"]
    list_select_related = ["province", "updated_by"]
