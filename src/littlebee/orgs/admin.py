"""Admin for regions, organisations and outlets. New rows go through orgs.services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from littlebee.core.admin import ServiceCreateAdmin

from . import services
from .models import Organisation, OrgKind, Outlet, Region


@admin.register(Region)
class RegionAdmin(ServiceCreateAdmin):
    list_display = ("name", "code", "level", "parent", "lat", "lng")
    list_filter = ("level",)
    search_fields = ("name", "code")
    ordering = ("code",)
    autocomplete_fields = ("parent",)
    list_select_related = ("parent",)
    fields = ("code", "name", "level", "parent", "lat", "lng", "boundary", "path")
    readonly_fields = ("path",)
    # The materialised path and bounding box are derived from these: they are fixed once made.
    create_only_fields = ("code", "level", "parent", "boundary")

    def create_with_service(self, request: HttpRequest, data: dict[str, Any]) -> Region:
        return services.region_create(
            code=data["code"],
            name=data["name"],
            level=data["level"],
            lat=data["lat"],
            lng=data["lng"],
            parent=data.get("parent"),
            boundary=data.get("boundary"),
        )


@admin.register(Organisation)
class OrganisationAdmin(ServiceCreateAdmin):
    list_display = ("name", "kind", "industry", "department_type", "region", "is_active")
    list_filter = ("kind", "industry", "department_type", "is_active")
    search_fields = ("name", "short_name", "code")
    ordering = ("kind", "name")
    autocomplete_fields = ("region", "parent", "enterprise")
    list_select_related = ("region",)
    create_only_fields = ("code", "kind", "enterprise")

    def create_with_service(self, request: HttpRequest, data: dict[str, Any]) -> Organisation:
        common = {
            "code": data["code"],
            "name": data["name"],
            "region": data["region"],
            "short_name": data.get("short_name", ""),
            "industry": data.get("industry", ""),
            "contact_phone": data.get("contact_phone", ""),
            "address": data.get("address", ""),
        }
        if data["kind"] == OrgKind.ENTERPRISE:
            # An enterprise comes with its party organisation, answering to the industry committee.
            committee = data.get("parent")
            if committee is None or committee.kind != OrgKind.INDUSTRY_COMMITTEE:
                committee = Organisation.objects.filter(
                    kind=OrgKind.INDUSTRY_COMMITTEE, industry=data.get("industry", "")
                ).first()
            return services.enterprise_create(industry_committee=committee, **common)
        return services.organisation_create(
            kind=data["kind"],
            parent=data.get("parent"),
            department_type=data.get("department_type", ""),
            enterprise=data.get("enterprise"),
            **common,
        )


@admin.register(Outlet)
class OutletAdmin(ServiceCreateAdmin):
    list_display = ("name", "enterprise", "parent", "region", "address")
    list_filter = ("enterprise",)
    search_fields = ("name", "address", "enterprise__name")
    autocomplete_fields = ("enterprise", "parent", "region")
    list_select_related = ("enterprise", "parent", "region")
    create_only_fields = ("enterprise",)

    def create_with_service(self, request: HttpRequest, data: dict[str, Any]) -> Outlet:
        return services.outlet_create(
            enterprise=data["enterprise"],
            name=data["name"],
            parent=data.get("parent"),
            region=data.get("region"),
            address=data.get("address", ""),
            lat=data.get("lat"),
            lng=data.get("lng"),
        )
