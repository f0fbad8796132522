"""Admin for city admins: appeals are read only (they change through their services and the case
engine); the routing rules and deadlines of the kind are edited with the case engine's admin
(cases.admin: RoutingRule, DeadlineRule with kind "appeal")."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from littlebee.core.admin import CityAdminPermissions

from .models import Appeal, AppealAttachment


class AppealAttachmentInline(admin.TabularInline):
    model = AppealAttachment
    extra = 0
    can_delete = False
    fields = ("file", "thumbnail", "content_sha256", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Appeal)
class AppealAdmin(CityAdminPermissions):
    read_only = True
    list_display = ("case", "subject", "type", "involves", "enterprise", "industry", "supervisor", "created_at")
    list_filter = ("type", "involves", "industry", "anonymous_to_enterprise")
    search_fields = ("subject", "description", "enterprise__name")
    list_select_related = ("case", "enterprise", "supervisor")
    inlines = (AppealAttachmentInline,)
