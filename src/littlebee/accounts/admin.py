"""Admin for phone-identified users, worker profiles, staff roles, and (read-only) records."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from littlebee.core.admin import CityAdminPermissions, ServiceCreateAdmin
from littlebee.core.digits import is_number
from littlebee.core.errors import InvalidInput

from . import services
from .models import ApiToken, Membership, ProfileEvent, User, WorkerProfile
from .phones import normalise_phone


class PhoneUserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("phone", "name")

    def clean_phone(self) -> str:
        try:
            phone = normalise_phone(self.cleaned_data.get("phone", ""))
        except InvalidInput as exc:
            raise forms.ValidationError(str(exc.detail)) from exc
        if User.objects.filter(phone=phone).exists():
            raise forms.ValidationError(_("该手机号已注册。"))
        return phone


class PhoneUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean_phone(self) -> str:
        try:
            return normalise_phone(self.cleaned_data.get("phone", ""))
        except InvalidInput as exc:
            raise forms.ValidationError(str(exc.detail)) from exc


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    fields = ("organisation", "role", "granted_by", "created_at")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(CityAdminPermissions, DjangoUserAdmin):
    form = PhoneUserChangeForm
    add_form = PhoneUserCreationForm
    list_display = ("phone", "name", "is_active", "is_staff", "date_joined", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("phone", "name")
    ordering = ("-date_joined",)
    filter_horizontal = ()
    inlines = (MembershipInline,)
    fieldsets = (
        (None, {"fields": ("phone", "password")}),
        (_("个人信息"), {"fields": ("name",)}),
        (
            _("权限"),
            {
                "fields": ("is_active", "is_staff", "is_superuser"),
                "description": _("进入管理后台的资格随“市级管理员”岗位自动授予或收回，请在岗位中设置。"),
            },
        ),
        (_("时间"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("phone", "name", "usable_password", "password1", "password2")}),
    )

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        deactivated = change and "is_active" in form.changed_data and not obj.is_active
        super().save_model(request, obj, form, change)
        if deactivated:
            # Unticking "active" closes the door now: every token revoked, every session ended.
            actor = request.user if isinstance(request.user, User) else None
            services.user_deactivate(user=obj, actor=actor)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            # A password set here ends the user's tokens (their stamp no longer matches); mark
            # them revoked too, so the token list says so.
            user = User.objects.filter(pk=id).first() if is_number(str(id)) else None
            if user is not None:
                services.tokens_revoke_all(user=user)
        return response

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = ["is_staff", "last_login", "date_joined"]
        if not getattr(request.user, "is_superuser", False):
            readonly.append("is_superuser")
        return readonly


@admin.register(WorkerProfile)
class WorkerProfileAdmin(CityAdminPermissions):
    list_display = (
        "user",
        "worker_type",
        "enterprise",
        "community",
        "checkin_status",
        "employment_status",
        "created_at",
    )
    list_filter = ("checkin_status", "employment_status", "worker_type", "party_member")
    search_fields = ("user__phone", "user__name", "enterprise__name", "community__name")
    list_select_related = ("user", "enterprise", "community")
    autocomplete_fields = ("user", "enterprise", "outlet", "community")
    date_hierarchy = "created_at"
    # Statuses move only through the check-in services (with a timeline row); not here.
    readonly_fields = (
        "checkin_status",
        "checkin_decided_by",
        "checkin_decided_at",
        "checkin_note",
        "employment_status",
        "employment_decided_by",
        "employment_decided_at",
        "employment_note",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        # Workers register themselves (worker_register), which also writes the timeline.
        return False


@admin.register(Membership)
class MembershipAdmin(ServiceCreateAdmin):
    list_display = ("user", "organisation", "role", "granted_by", "created_at")
    list_filter = ("role", "organisation__kind")
    search_fields = ("user__phone", "user__name", "organisation__name")
    list_select_related = ("user", "organisation", "granted_by")
    autocomplete_fields = ("user", "organisation")
    fields = ("user", "organisation", "role")
    # A role is granted or revoked, never edited: change it by revoking and granting anew.
    create_only_fields = ("user", "organisation", "role")

    def create_with_service(self, request: HttpRequest, data: dict[str, Any]) -> Membership:
        actor = request.user if isinstance(request.user, User) else None
        return services.membership_grant(
            user=data["user"], organisation=data["organisation"], role=data["role"], actor=actor
        )

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        services.membership_revoke(membership=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        for membership in queryset.select_related("user"):
            services.membership_revoke(membership=membership)


class ReadOnlyAdmin(CityAdminPermissions):
    read_only = True


@admin.register(ProfileEvent)
class ProfileEventAdmin(ReadOnlyAdmin):
    list_display = ("profile", "action", "actor", "actor_role", "organisation", "from_status", "to_status", "at")
    list_filter = ("action", "actor_role")
    search_fields = ("profile__user__phone", "profile__user__name", "note")
    list_select_related = ("profile__user", "actor", "organisation")
    date_hierarchy = "at"


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("prefix_display", "user", "name", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("user__phone", "user__name", "prefix", "name")
    list_select_related = ("user",)
    # Only the prefix is ever shown; the hash stays out of the page.
    fields = ("prefix_display", "user", "name", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields

    @admin.display(description=_("令牌前缀"))
    def prefix_display(self, obj: ApiToken) -> str:
        return f"{obj.prefix}…"
