from django.contrib import admin

from .models import IdentityProvider, PendingLogin


@admin.register(IdentityProvider)
class IdentityProviderAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "slug", "minimum_loa", "is_active")
    list_filter = ("kind", "is_active")
    filter_horizontal = ("organisations",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(PendingLogin)
class PendingLoginAdmin(admin.ModelAdmin):
    list_display = ("email", "organisation", "identity_provider", "status", "created_at")
    list_filter = ("status",)
    readonly_fields = ("uid", "extra_data", "created_at", "decided_at", "decided_by")
