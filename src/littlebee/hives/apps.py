from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HivesConfig(AppConfig):
    name = "littlebee.hives"
    verbose_name = _("蜂巢驿站")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        post_migrate.connect(_station_version_without_migrations, sender=self)


def _station_version_without_migrations(sender: AppConfig, using: str, **kwargs: object) -> None:
    """A database made from the models, not the migrations (the tests' --no-migrations), gets the
    stations' version row and triggers here; a migrated one has them from migration 0006."""
    from django.conf import settings
    from django.db import connections

    from .station_version import install

    modules = getattr(settings, "MIGRATION_MODULES", {})
    if sender.label in modules and modules[sender.label] is None:
        install(connections[using])
