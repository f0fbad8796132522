"""Database objects the models cannot describe (triggers, generated columns, partial indexes made
in SQL), for a database made from the models instead of the migrations: the tests' --no-migrations
sets the app's MIGRATION_MODULES entry to None and never runs the migration that makes them."""

from __future__ import annotations

from collections.abc import Callable

from django.apps import AppConfig
from django.db.backends.base.base import BaseDatabaseWrapper

Installer = Callable[[BaseDatabaseWrapper], None]


def install_without_migrations(app: AppConfig, *installers: Installer) -> None:
    """After `migrate` of `app` made its tables from the models, run the installers on that
    database (each does what one of the app's migrations does, and may run again)."""
    from django.db.models.signals import post_migrate

    def installed(sender: AppConfig, using: str, **kwargs: object) -> None:
        from django.conf import settings
        from django.db import connections

        modules = getattr(settings, "MIGRATION_MODULES", {})
        if sender.label in modules and modules[sender.label] is None:
            for install in installers:
                install(connections[using])

    # weak=False: the handler is a closure that nothing else holds.
    post_migrate.connect(installed, sender=app, weak=False)
