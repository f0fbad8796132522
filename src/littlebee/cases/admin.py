"""Admin for city admins: routing rules, deadlines and reply templates are edited here; cases
are read only (they change through their services), with the timeline inline."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from littlebee.core.admin import CityAdminPermissions, _is_city_admin

from .models import Case, CaseEvent, DeadlineRule, ResponseTemplate, RoutingRule


@admin.register(RoutingRule)
class RoutingRuleAdmin(CityAdminPermissions):
    list_display = ("kind", "category", "region", "target", "department_type", "organisation", "priority", "is_active")
    list_filter = ("kind", "target", "is_active")
    search_fields = ("category",)
    autocomplete_fields = ("region", "organisation")


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(CityAdminPermissions):
    list_display = (
        "kind",
        "category",
        "accept_within_working_hours",
        "urgent_accept_within_hours",
        "resolve_within_working_days",
        "dispute_within_working_days",
    )
    list_filter = ("kind",)
    search_fields = ("category",)


@admin.register(ResponseTemplate)
class ResponseTemplateAdmin(CityAdminPermissions):
    list_display = ("title", "kind", "category", "action", "is_active")
    list_filter = ("kind", "action", "is_active")
    search_fields = ("title", "body", "category")


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ("at", "action", "actor", "actor_role", "from_status", "to_status", "from_org", "to_org", "note")
    readonly_fields = fields
    ordering = ("at", "id")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_city_admin(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("actor", "from_org", "to_org")


@admin.register(Case)
class CaseAdmin(CityAdminPermissions):
    read_only = True
    list_display = ("id", "kind", "category", "status", "organisation", "handler", "overdue", "urgent", "created_at")
    list_filter = ("kind", "status", "overdue", "urgent")
    search_fields = ("category", "organisation__name")
    list_select_related = ("organisation", "handler")
    inlines = (CaseEventInline,)

    def get_queryset(self, request: HttpRequest) -> Any:
        # Confidential cases are seen only by the office holding them, not city admins.
        return super().get_queryset(request).filter(confidential=False)
