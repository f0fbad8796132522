"""Admin for points (city admins): earning rules, badges and honorary titles; the ledger and the
accounts read-only. The ledger is append-only: entries are written by points.services, never here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from littlebee.accounts.models import User
from littlebee.core.admin import CityAdminPermissions
from littlebee.core.errors import DomainError

from . import rules, services
from .models import Badge, EarningRule, HonoraryTitle, LedgerEntry, PointsAccount


@admin.register(EarningRule)
class EarningRuleAdmin(CityAdminPermissions):
    list_display = (
        "source",
        "category",
        "district",
        "points_min",
        "points_max",
        "daily_cap",
        "weekly_cap",
        "district_max_points",
        "is_active",
    )
    list_filter = ("source", "is_active", "district")
    search_fields = ("category",)
    list_select_related = ("district",)
    readonly_fields = ("updated_by", "created_at", "updated_at")
    autocomplete_fields = ("district",)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)

        class CheckedByTheRules(form_class):  # type: ignore[misc, valid-type]
            """The rules' own checks (who, ranges, the city's cap) as form errors."""

            def _post_clean(self) -> None:
                super()._post_clean()
                actor = request.user
                if self.errors or not isinstance(actor, User):
                    return
                try:
                    rules.rule_check(actor=actor, rule=self.instance)
                except DomainError as exc:
                    for error in exc.errors or []:
                        self.add_error(error.field if error.field in self.fields else None, str(error.detail))
                    if not exc.errors:
                        self.add_error(None, str(exc.detail))

        return CheckedByTheRules

    def save_model(self, request: HttpRequest, obj: EarningRule, form: ModelForm, change: bool) -> None:
        actor = request.user
        assert isinstance(actor, User)
        services.earning_rule_save(actor=actor, rule=obj)


@admin.register(Badge)
class BadgeAdmin(CityAdminPermissions):
    list_display = ("name", "name_en", "code", "source", "threshold", "order")
    list_filter = ("source",)
    search_fields = ("name", "name_en", "code")


@admin.register(HonoraryTitle)
class HonoraryTitleAdmin(CityAdminPermissions):
    list_display = ("title", "title_en", "worker", "granted_by_org", "created_at", "revoked_at")
    list_filter = ("title",)
    search_fields = ("title", "title_en", "worker__name", "worker__phone", "granted_by_org__name")
    list_select_related = ("worker", "granted_by_org")
    autocomplete_fields = ("worker", "granted_by_org")
    readonly_fields = ("granted_by", "created_at", "updated_at")

    def save_model(self, request: HttpRequest, obj: HonoraryTitle, form: ModelForm, change: bool) -> None:
        if not change and isinstance(request.user, User):
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(CityAdminPermissions):
    """Every point, traceable: who, how many, why, from what. Read-only, like the ledger itself."""

    read_only = True
    list_display = ("created_at", "worker", "amount", "reason", "source", "category", "source_type", "source_id")
    list_filter = ("reason", "source")
    search_fields = ("worker__name", "worker__phone", "idempotency_key", "source_id")
    list_select_related = ("worker",)
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(PointsAccount)
class PointsAccountAdmin(CityAdminPermissions):
    read_only = True
    list_display = ("worker", "balance", "lifetime_earned", "hide_from_boards", "updated_at")
    list_filter = ("hide_from_boards",)
    search_fields = ("worker__name", "worker__phone")
    list_select_related = ("worker",)
