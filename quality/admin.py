from django.contrib import admin

from .models import (
    Action,
    ActionReminder,
    Assessment,
    AssessmentScore,
    Criterion,
    Dialogue,
    Framework,
    Theme,
)


class ThemeInline(admin.TabularInline):
    model = Theme
    extra = 0


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ["code", "text", "theme", "parent", "order"]
    list_select_related = ["theme", "theme__framework", "parent"]
    raw_id_fields = ["parent"]


@admin.register(Framework)
class FrameworkAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "family", "edition", "valid_from", "order", "is_active"]
    inlines = [ThemeInline]


class AssessmentScoreInline(admin.TabularInline):
    model = AssessmentScore
    extra = 0


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = [
        "offer",
        "framework",
        "origin",
        "assessed_on",
        "source",
        "entered_by_organisation",
    ]
    list_select_related = ["offer", "framework", "entered_by_organisation"]
    raw_id_fields = ["offer", "created_by"]
    inlines = [AssessmentScoreInline]


@admin.register(Dialogue)
class DialogueAdmin(admin.ModelAdmin):
    list_display = ["held_on", "municipality", "provider", "framework", "next_dialogue_on"]
    list_select_related = ["municipality", "provider", "framework"]
    raw_id_fields = ["offers", "municipality_participants", "provider_participants"]


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    list_display = ["text", "owner_organisation", "owner", "deadline", "status"]
    list_filter = ["status"]
    list_select_related = ["owner_organisation", "owner"]
    raw_id_fields = ["dialogue", "origin_dialogue", "carried_from", "owner"]


@admin.register(ActionReminder)
class ActionReminderAdmin(admin.ModelAdmin):
    list_display = ["action", "week", "sent_at"]
    raw_id_fields = ["action"]
