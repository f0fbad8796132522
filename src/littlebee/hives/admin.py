"""Admin for stations and the service catalogue (city admins). New stations go through hives.services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from littlebee.accounts.models import User
from littlebee.core.admin import CityAdminPermissions, ServiceCreateAdmin, _is_city_admin

from . import services
from .models import AnnualServiceItem, Hive, OpeningException, OpeningInterval, Service


class _CityAdminInline(admin.TabularInline):
    """Inline rows follow the same rule as their station: city admins may do everything."""

    extra = 0

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_city_admin(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_city_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_city_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_city_admin(request)


class OpeningIntervalInline(_CityAdminInline):
    model = OpeningInterval
    fields = ("weekday", "opens", "closes")


class OpeningExceptionInline(_CityAdminInline):
    model = OpeningException
    fields = ("date", "closed", "opens", "closes", "note")


class AnnualServiceItemInline(_CityAdminInline):
    model = AnnualServiceItem
    fields = ("year", "order", "title", "description", "date", "frequency")


@admin.register(Service)
class ServiceAdmin(CityAdminPermissions):
    list_display = ("name", "name_en", "code", "is_base", "order")
    list_filter = ("is_base",)
    search_fields = ("name", "name_en", "code")


@admin.register(Hive)
class HiveAdmin(ServiceCreateAdmin):
    list_display = ("name", "community", "managing_unit", "demonstration", "always_open", "is_active")
    list_filter = ("demonstration", "always_open", "is_active", "services")
    search_fields = ("name", "address", "community__name")
    autocomplete_fields = ("community", "managing_unit")
    filter_horizontal = ("services",)
    list_select_related = ("community", "managing_unit")
    inlines = (OpeningIntervalInline, OpeningExceptionInline, AnnualServiceItemInline)

    def create_with_service(self, request: HttpRequest, data: dict[str, Any]) -> Hive:
        actor = request.user
        assert isinstance(actor, User)
        extra = {
            name: data[name]
            for name in (
                "responsible_person",
                "contact_phone",
                "description",
                "demonstration",
                "is_active",
                "time_zone",
            )
            if name in data
        }
        selected = data.get("services")
        return services.hive_create(
            actor=actor,
            name=data["name"],
            address=data["address"],
            lat=data["lat"],
            lng=data["lng"],
            community=data["community"],
            managing_unit=data["managing_unit"],
            services=[s.code for s in selected] if selected else (),
            **extra,
        )
