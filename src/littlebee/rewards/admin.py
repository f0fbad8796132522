"""Admin for the rewards mall (city admins): gifts with their pickup stations, and vouchers with
their timeline (read only: vouchers change through the pages and the API, never by editing).

Stock is never saved as a number read from the form: an edit of the total (or of a station's own
stock) is applied as the difference, by a conditional update (services.gift_restock), so that
redemptions running meanwhile are not overwritten.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from littlebee.core.admin import CityAdminPermissions, _is_city_admin
from littlebee.core.errors import DomainError

from . import codes, services
from .models import Gift, GiftStation, Voucher, VoucherEvent, VoucherStatus


class _CityAdminInline(admin.TabularInline):
    extra = 0

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_city_admin(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_city_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_city_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_city_admin(request)


class GiftStationForm(forms.ModelForm):
    class Meta:
        model = GiftStation
        fields = ("hive", "stock_available")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The number the admin saw travels with the form, so the edit is applied as a difference.
        self.fields["stock_available"].show_hidden_initial = True

    def _shown_stock(self) -> int | None:
        field = self.fields["stock_available"]
        raw = field.hidden_widget().value_from_datadict(
            self.data, self.files, self.add_initial_prefix("stock_available")
        )
        try:
            return field.to_python(raw)
        except forms.ValidationError:
            return None

    def save(self, commit: bool = True) -> GiftStation:
        station: GiftStation = super().save(commit=False)
        if station.pk is not None and "stock_available" in self.changed_data:
            before = self._shown_stock()
            after = self.cleaned_data.get("stock_available")
            if before is not None and after is not None:
                # As a difference, so hand-overs meanwhile are kept (see services.gift_station_restock).
                services.gift_station_restock(station_id=station.pk, change=after - before)
                station.stock_available = GiftStation.objects.get(pk=station.pk).stock_available
                if commit:
                    station.save(update_fields=["hive"])  # the stock moved by the update above only
                return station
        if commit:
            station.save()
        return station


class GiftStationInline(_CityAdminInline):
    model = GiftStation
    form = GiftStationForm
    fields = ("hive", "stock_available")
    autocomplete_fields = ("hive",)
    verbose_name = _("领取驿站")
    verbose_name_plural = _("领取驿站（领取方式为“指定驿站”时生效；可分别限量）")


class GiftForm(forms.ModelForm):
    class Meta:
        model = Gift
        fields = (
            "name",
            "name_en",
            "description",
            "description_en",
            "picture",
            "points_cost",
            "is_active",
            "donor",
            "donor_note",
            "total_stock",
            "pickup",
            "per_worker_limit",
            "active_from",
            "active_until",
            "voucher_valid_days",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk is not None and "total_stock" in self.changed_data:
            change = (data.get("total_stock") or 0) - self.instance.total_stock
            if change < 0 and -change > self.instance.stock_available:
                self.add_error(
                    "total_stock",
                    _("最多只能减少 %(n)d 份（其余已被兑换）。") % {"n": self.instance.stock_available},
                )
        return data


@admin.register(Gift)
class GiftAdmin(CityAdminPermissions):
    form = GiftForm
    list_display = (
        "name",
        "points_cost",
        "stock_display",
        "donor",
        "pickup",
        "is_active",
        "active_until",
        "redeemed",
        "fulfilled",
    )
    list_filter = ("is_active", "pickup", "donor__kind")
    search_fields = ("name", "name_en", "donor__name")
    autocomplete_fields = ("donor",)
    list_select_related = ("donor",)
    readonly_fields = ("stock_available",)
    inlines = (GiftStationInline,)
    fieldsets = (
        (None, {"fields": ("name", "name_en", "description", "description_en", "picture", "points_cost", "is_active")}),
        (_("捐赠"), {"fields": ("donor", "donor_note")}),
        (_("库存与领取"), {"fields": ("total_stock", "stock_available", "pickup", "per_worker_limit")}),
        (_("时间"), {"fields": ("active_from", "active_until", "voucher_valid_days")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Gift]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                redeemed_count=Count("vouchers", filter=Q(vouchers__status__in=["reserved", "fulfilled"])),
                fulfilled_count=Count("vouchers", filter=Q(vouchers__status=VoucherStatus.FULFILLED)),
            )
        )

    @admin.display(description=_("可兑/总库存"))
    def stock_display(self, obj: Gift) -> str:
        return f"{obj.stock_available} / {obj.total_stock}"

    @admin.display(description=_("已兑换"), ordering="redeemed_count")
    def redeemed(self, obj: Any) -> int:
        return int(obj.redeemed_count)

    @admin.display(description=_("已领取"), ordering="fulfilled_count")
    def fulfilled(self, obj: Any) -> int:
        return int(obj.fulfilled_count)

    def save_model(self, request: HttpRequest, obj: Gift, form: forms.ModelForm, change: bool) -> None:
        if not change:
            obj.stock_available = obj.total_stock
            obj.save()
            return
        fields = [f for f in form.changed_data if f not in ("total_stock", "stock_available")]
        if fields:
            obj.save(update_fields=[*fields, "updated_at"])
        if "total_stock" in form.changed_data:
            before = Gift.objects.values_list("total_stock", flat=True).get(pk=obj.pk)
            try:
                services.gift_restock(gift_id=obj.pk, change=obj.total_stock - before)
            except DomainError as exc:
                self.message_user(request, str(exc.detail), level="error")
        obj.refresh_from_db(fields=["total_stock", "stock_available"])


class VoucherEventInline(admin.TabularInline):
    model = VoucherEvent
    extra = 0
    can_delete = False
    fields = ("at", "from_status", "to_status", "actor", "hive", "note")
    readonly_fields = fields

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_city_admin(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Voucher)
class VoucherAdmin(CityAdminPermissions):
    read_only = True
    list_display = ("code_display", "gift", "worker", "status", "hive", "created_at", "expires_at", "fulfilled_at")
    list_filter = ("status", "gift")
    search_fields = ("code", "worker__phone", "worker__name", "gift__name")
    list_select_related = ("gift", "worker", "hive")
    date_hierarchy = "created_at"
    inlines = (VoucherEventInline,)

    @admin.display(description=_("兑换码"), ordering="code")
    def code_display(self, obj: Voucher) -> str:
        return obj.code_display

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> Any:
        # A code as printed (with its dash, in lower case) finds the voucher too.
        code = codes.voucher_code_normalise(search_term)
        if code:
            return queryset.filter(code=code), False
        return super().get_search_results(request, queryset, search_term)
