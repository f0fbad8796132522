from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "littlebee.core"
    verbose_name = "Core"

    def ready(self) -> None:
        # Connections made from now on read timestamps with psycopg's compiled loader where it
        # gives what Django's does.
        from . import pg_timestamps  # noqa: F401
