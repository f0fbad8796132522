"""Admin for 用心做 (city admins), read only: tasks, claims with their timeline, service records
with their corrections, certificates, teams and point permissions change through the pages and
the API, whose services keep the counts, the timeline and the ledger; a record is never deleted."""

from __future__ import annotations

from django.contrib import admin

from littlebee.core.admin import CityAdminPermissions

from .models import Certificate, Claim, ClaimLog, PointPermission, RecordCorrection, ServiceRecord, Task, Team


class _ReadOnly(CityAdminPermissions):
    read_only = True


class ClaimLogInline(admin.TabularInline):
    model = ClaimLog
    extra = 0
    can_delete = False
    fields = ("at", "action", "from_status", "to_status", "actor", "note")
    readonly_fields = fields

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Task)
class TaskAdmin(_ReadOnly):
    list_display = ("title", "kind", "category", "organiser", "starts_at", "slots", "claimed_count", "points", "status")
    list_filter = ("status", "kind", "category")
    search_fields = ("title", "address")
    list_select_related = ("organiser",)
    raw_id_fields = ("organiser", "region", "hive", "team", "created_by")


@admin.register(Claim)
class ClaimAdmin(_ReadOnly):
    list_display = ("task", "worker", "status", "checked_in_at", "checked_out_at", "flagged", "minutes")
    list_filter = ("status", "flagged")
    list_select_related = ("task", "worker")
    raw_id_fields = ("task", "worker", "assigned_by", "reviewed_by")
    inlines = [ClaimLogInline]


class CorrectionInline(admin.TabularInline):
    model = RecordCorrection
    extra = 0
    can_delete = False
    fields = ("created_at", "requested_by", "minutes_asked", "reason", "status", "minutes_before", "minutes_after")
    readonly_fields = fields

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(ServiceRecord)
class ServiceRecordAdmin(_ReadOnly):
    list_display = ("worker", "task_title", "organiser", "started_at", "minutes", "points", "recorder")
    list_select_related = ("worker", "organiser", "recorder")
    raw_id_fields = ("claim", "worker", "organiser", "recorder")
    inlines = [CorrectionInline]


@admin.register(Certificate)
class CertificateAdmin(_ReadOnly):
    list_display = ("number", "holder_name", "period_from", "period_to", "minutes", "issuer_name", "issued_at")
    search_fields = ("number", "holder_name")
    raw_id_fields = ("worker", "issuer")


@admin.register(Team)
class TeamAdmin(_ReadOnly):
    list_display = ("name", "organiser", "street", "is_active")
    list_select_related = ("organiser", "street")


@admin.register(PointPermission)
class PointPermissionAdmin(_ReadOnly):
    list_display = ("organisation", "district", "max_points", "monthly_budget")
    list_select_related = ("organisation", "district")
