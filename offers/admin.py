from django.contrib import admin

from .models import (
    DeclarationQuestion,
    LegalParagraph,
    Offer,
    RegulationRate,
    TargetGroup,
    Tariff,
    TariffAddOn,
)


@admin.register(LegalParagraph)
class LegalParagraphAdmin(admin.ModelAdmin):
    list_display = ["code", "short", "title", "order", "is_active"]


@admin.register(TargetGroup)
class TargetGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "order", "is_active"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(DeclarationQuestion)
class DeclarationQuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "group", "key", "order", "is_active"]


@admin.register(RegulationRate)
class RegulationRateAdmin(admin.ModelAdmin):
    list_display = ["year", "rate", "note"]


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ["name", "provider", "municipality", "status"]
    list_filter = ["status", "paragraphs"]
    search_fields = ["name", "provider__name"]


class TariffAddOnInline(admin.TabularInline):
    model = TariffAddOn
    extra = 0

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.is_published

    has_add_permission = has_delete_permission = has_change_permission


@admin.register(Tariff)
class TariffAdmin(admin.ModelAdmin):
    """A published tariff is read-only here too; the database refuses changes anyway."""

    list_display = ["offer", "year", "version", "status", "price", "unit"]
    list_filter = ["status", "year"]
    inlines = [TariffAddOnInline]

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.is_published

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.is_published
