from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from outbound import services
from outbound.models import Attempt, Delivery, DeliveryState, NationalState, Subscription


@admin.register(NationalState)
class NationalStateAdmin(admin.ModelAdmin):
    list_display = ["event", "code", "label"]


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    readonly_fields = ["at", "status_code", "error", "answer", "duration_ms"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """What went out and what did not: the dead-letter list is the filter "Given up"; select its
    deliveries and send them again (each in its place in its dossier's order)."""

    list_display = ["created_at", "target", "bundle", "event", "state", "attempts", "next_attempt_at", "last_error"]
    list_filter = ["state", "target", "event"]
    search_fields = ["bundle__code", "bundle__national_code"]
    list_select_related = ["bundle"]
    readonly_fields = [field.name for field in Delivery._meta.fields]
    inlines = [AttemptInline]
    actions = ["replay"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send the given-up deliveries again"))
    def replay(self, request, queryset):
        dead = list(queryset.filter(state=DeliveryState.DEAD))
        for delivery in dead:
            services.delivery_replay(delivery=delivery)
        self.message_user(
            request,
            ngettext("%(count)d delivery sent again.", "%(count)d deliveries sent again.", len(dead))
            % {"count": len(dead)},
            messages.SUCCESS,
        )


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    """Partners' webhooks: who, where, which events, whether switched off and why."""

    list_display = ["url", "client", "active", "failures", "disabled_at", "disabled_reason"]
    list_filter = ["active"]
    list_select_related = ["client"]
    exclude = ["secret", "previous_secret"]
    readonly_fields = ["client", "url", "events", "created_at", "failures", "disabled_at", "disabled_reason"]

    def has_add_permission(self, request, obj=None):
        return False
