from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HivesConfig(AppConfig):
    name = "littlebee.hives"
    verbose_name = _("蜂巢驿站")

    def ready(self) -> None:
        from littlebee.core.unmigrated import install_without_migrations

        from . import station_version

        # The stations' version row and triggers (migration 0006), on a database made from the models.
        install_without_migrations(self, station_version.install)
