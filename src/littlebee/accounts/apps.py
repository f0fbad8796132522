from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "littlebee.accounts"
    verbose_name = _("账号")

    def ready(self) -> None:
        # core's admin rules ask accounts who is a city admin (core never imports accounts).
        from littlebee.core.admin import city_admin_check_set

        from .selectors import is_city_admin

        city_admin_check_set(is_city_admin)
