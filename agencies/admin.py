from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from agencies.models import AdministrativeUnit, Jurisdiction, Office, UnitSuccession, User


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "type", "level", "parent", "valid_from", "valid_to"]
    list_filter = ["level", "type", "valid_from", "valid_to"]
    list_select_related = ["parent"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]


@admin.register(UnitSuccession)
class UnitSuccessionAdmin(admin.ModelAdmin):
    list_display = ["old", "new", "share", "legal_basis"]
    list_filter = ["share"]
    list_select_related = ["old", "new"]
    search_fields = ["old__code", "old__name", "new__code", "new__name"]
    autocomplete_fields = ["old", "new"]


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["name", "agency", "unit", "phone", "email"]
    list_filter = ["agency"]
    list_select_related = ["unit"]
    search_fields = ["name", "unit__code", "unit__name"]
    autocomplete_fields = ["unit"]


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ["unit", "role", "office", "valid_from", "valid_to"]
    list_filter = ["role", "valid_from", "valid_to"]
    list_select_related = ["unit", "office"]
    search_fields = ["unit__code", "unit__name", "office__name"]
    autocomplete_fields = ["office", "unit"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "role", "commune", "office", "province", "is_active"]
    list_filter = ["role", "is_active", "is_staff"]
    list_select_related = ["commune", "office", "province"]
    search_fields = ["username", "first_name", "last_name", "email"]
    autocomplete_fields = ["commune", "office", "province"]
    fieldsets = [
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Role in the portal"), {"fields": ["role", "commune", "office", "province", "heads_workplace"]}),
    ]
    add_fieldsets = [
        *DjangoUserAdmin.add_fieldsets,
        (_("Role in the portal"), {"fields": ["role", "commune", "office", "province"]}),
    ]
