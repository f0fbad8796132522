"""The admin site's chrome and the rules every Little Bee ModelAdmin follows.

The Django admin is the city admins' tool. `is_staff` (needed to log in) is maintained by
`accounts.services.membership_grant/revoke` for city admins; inside, city admins and
superusers may do everything, and nobody else anything, whatever Django permissions say.
Objects that need more than a row insert are created through their service, so the admin
cannot bypass the rules the pages and the API obey.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, ClassVar

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from littlebee.core.errors import DomainError

admin.site.site_header = _("小蜜蜂 管理后台")
admin.site.site_title = _("小蜜蜂 管理后台")
admin.site.index_title = _("城市管理")


def _nobody(user: Any) -> bool:
    return False


# Who is a city admin is for accounts to say, and accounts sits above core (DESIGN.md,
# "Dependencies run one way"): AccountsConfig.ready() fills this in. Until it does, nobody may
# do anything here.
_city_admin_check: list[Callable[[Any], bool]] = [_nobody]


def city_admin_check_set(check: Callable[[Any], bool]) -> None:
    """Name who may use the admin: `check(user)` is asked for a signed-in, active person."""
    _city_admin_check[0] = check


def _is_city_admin(request: HttpRequest) -> bool:
    # Asked once a request: the admin's index asks every model's five permissions, ~300 reads of
    # the same membership otherwise (as Django keeps a user's permissions for the request).
    known = getattr(request, "_littlebee_city_admin", None)
    if known is None:
        user = request.user
        known = bool(user.is_authenticated and user.is_active and _city_admin_check[0](user))
        request._littlebee_city_admin = known  # type: ignore[attr-defined]
    return known


class CityAdminPermissions(admin.ModelAdmin):
    """City admins and superusers may do everything here; everyone else nothing."""

    read_only = False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_city_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_city_admin(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return not self.read_only and _is_city_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self.read_only and _is_city_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self.read_only and _is_city_admin(request)


class _DryRun(Exception):
    """Raised inside a savepoint to undo a service call made only to validate."""


class ServiceCreateAdmin(CityAdminPermissions):
    """New objects are made by a service, not by saving the form's instance.

    The form's validation runs the service once inside a rolled-back savepoint, so a refusal
    (InvalidInput) appears on the form's fields; saving runs it for real.
    """

    # Fields that cannot change after creation because the service derives things from them.
    create_only_fields: ClassVar[tuple[str, ...]] = ()

    def create_with_service(self, request: HttpRequest, data: dict[str, Any]) -> models.Model:
        raise NotImplementedError

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields + self.create_only_fields if obj is not None else fields

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            return form_class
        model_admin = self

        class CreateThroughService(form_class):  # type: ignore[misc, valid-type]
            def _post_clean(self) -> None:
                super()._post_clean()
                if self.errors:
                    return
                # Copies, so that whatever the service changes on related objects in memory (say
                # user.is_staff) is undone along with the savepoint.
                data = {k: copy.copy(v) if isinstance(v, models.Model) else v for k, v in self.cleaned_data.items()}
                try:
                    with transaction.atomic():
                        model_admin.create_with_service(request, data)
                        raise _DryRun
                except _DryRun:
                    pass
                except DomainError as exc:
                    for error in exc.errors or []:
                        field = error.field if error.field in self.fields else None
                        self.add_error(field, str(error.detail))
                    if not exc.errors:
                        self.add_error(None, str(exc.detail))
                except (ValidationError, IntegrityError) as exc:
                    self.add_error(None, exc if isinstance(exc, ValidationError) else _("与已有数据冲突。"))

        return CreateThroughService

    def save_model(self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = self.create_with_service(request, form.cleaned_data)
        # The admin logs and redirects using the form's instance: point it at the real row.
        obj.pk = created.pk
        obj._state.adding = False
        obj._state.db = created._state.db
