from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteeringConfig(AppConfig):
    name = "littlebee.volunteering"
    verbose_name = _("用心做")

    def ready(self) -> None:
        # GET /me names the worker's star title; accounts sits below volunteering and never names
        # it, so volunteering adds its column to GET /me's one statement (accounts.hooks).
        from littlebee.accounts.hooks import MeColumns, me_columns_add

        from .selectors import me_volunteering_columns, me_volunteering_from

        me_columns_add(MeColumns(columns=me_volunteering_columns, fields=me_volunteering_from))
