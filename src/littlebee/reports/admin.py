"""Admin for 随手拍 (city admins): the report categories, their names in both languages (core.texts)
and how they are shown. Points per category are earning rules (points admin); routing is the case
engine's routing rules."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from littlebee.core.admin import CityAdminPermissions

from .models import ReportCategory


@admin.register(ReportCategory)
class ReportCategoryAdmin(CityAdminPermissions):
    list_display = ("name", "name_en", "code", "sensitivity", "order", "is_active")
    list_filter = ("sensitivity", "is_active")
    search_fields = ("name", "name_en", "code")
    fields = ("code", "name", "name_en", "sensitivity", "icon", "order", "is_active")

    def get_readonly_fields(self, request: HttpRequest, obj: ReportCategory | None = None) -> tuple[str, ...]:
        # Reports, points rules and routing name a category by its code: it is fixed once made.
        return ("code",) if obj is not None else ()
