"""Admin for city admins: learning items and sessions are read only here (items change through
the staff pages' review workflow, sessions only through the learner's own finish); the question
bank may be corrected here, choices inline."""

from __future__ import annotations

from django.contrib import admin

from littlebee.core.admin import CityAdminPermissions

from .models import Choice, LearningItem, LearningSession, Question


@admin.register(LearningItem)
class LearningItemAdmin(CityAdminPermissions):
    read_only = True
    list_display = (
        "title",
        "kind",
        "quiz_kind",
        "topic",
        "status",
        "organisation",
        "author",
        "reviewer",
        "published_at",
    )
    list_filter = ("status", "kind", "topic", "quiz_kind")
    search_fields = ("title", "title_en", "body")
    list_select_related = ("organisation", "author", "reviewer")


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 0
    fields = ("order", "text", "text_en", "correct")


@admin.register(Question)
class QuestionAdmin(CityAdminPermissions):
    list_display = ("id", "text", "kind", "topic", "is_active")
    list_filter = ("kind", "topic", "is_active")
    search_fields = ("text", "text_en", "explanation")
    fields = ("topic", "kind", "text", "text_en", "explanation", "explanation_en", "is_active")
    inlines = (ChoiceInline,)


@admin.register(LearningSession)
class LearningSessionAdmin(CityAdminPermissions):
    read_only = True
    list_display = (
        "id",
        "worker",
        "item",
        "activity",
        "status",
        "flag",
        "points",
        "reason",
        "started_at",
        "finished_at",
    )
    list_filter = ("status", "flag", "activity")
    search_fields = ("worker__phone", "worker__name", "item__title")
    list_select_related = ("worker", "item")
    raw_id_fields = ("worker", "item")
