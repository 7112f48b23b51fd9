from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Q

from .jobs import private_kinds
from .models import Invitation, Job, Membership, Organisation, User


class ReadOnlyMixin:
    """Shown, never written here: a role is given only in the portal, by the organisation's
    own administrator (partnership.permissions.can_grant_role), so the admin is no way
    around that rule, not even for a superuser."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MembershipInline(ReadOnlyMixin, admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["organisation", "role", "is_active", "created_at", "deactivated_at"]
    readonly_fields = fields


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_active", "is_staff"]
    search_fields = ["email", "name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["name", "title"]}),
        ("Adgang", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    filter_horizontal = ["groups"]
    inlines = [MembershipInline]

    def get_readonly_fields(self, request, obj=None):
        # Only a superuser (an operator, never a portal role) hands out admin rights.
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return ["is_staff", "is_superuser", "groups"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "code", "cvr", "ownership_form", "branch_organisation"]
    list_filter = ["kind", "ownership_form"]
    search_fields = ["name", "code", "cvr"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["email", "organisation", "role", "created_at", "expires_at", "accepted_at"]
    readonly_fields = ["token_hash"]


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "ordered_by", "created_at"]
    list_filter = ["status", "kind"]

    def get_queryset(self, request):
        # Private jobs (contract PDFs) are for the person who ordered them, here as well.
        return (
            super()
            .get_queryset(request)
            .filter(Q(ordered_by=request.user) | ~Q(kind__in=private_kinds()))
        )
