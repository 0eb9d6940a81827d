from django.contrib import admin

from signing.models import IssuedDocument, SigningKey, SigningRule


@admin.register(SigningRule)
class SigningRuleAdmin(admin.ModelAdmin):
    list_display = ["document", "signer"]


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    """Keys are registered by `manage.py signing_key` (which reads the certificate from the key
    store); here they are listed, and switched off when a certificate is replaced or revoked."""

    list_display = ["subject", "unit", "office", "user", "not_after", "demo", "active"]
    list_filter = ["active", "demo"]
    search_fields = ["subject", "key"]
    list_select_related = ["unit", "office", "user"]
    readonly_fields = ["unit", "office", "user", "key", "subject", "not_after", "demo"]
    exclude = ["certificate"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(admin.ModelAdmin):
    """Read only: the record of what the portal issued and who signed it."""

    list_display = ["pk", "kind", "bundle", "signer", "created_at", "signed_at", "problem"]
    list_filter = ["kind"]
    search_fields = ["bundle__code", "sha256"]
    list_select_related = ["bundle"]
    exclude = ["html"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
