"""A throwaway database for a benchmark: SQLite in a temporary folder, or a new database on a
PostgreSQL server, migrated, and removed again by the returned cleanup."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def throwaway_database(
    postgres: str | None, prefix: str = "littlebee_bench", name: str = ""
) -> tuple[str, Callable[[], None]]:
    """Point Django at a new, migrated database (on PostgreSQL named `name`, or `prefix`_pid)
    and return (label, cleanup)."""
    var_dir = tempfile.mkdtemp(prefix="littlebee-bench-")
    os.environ["LITTLEBEE_VAR_DIR"] = var_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "littlebee.settings")
    os.environ.pop("DATABASE_URL", None)
    label = "SQLite"

    def cleanup() -> None:
        shutil.rmtree(var_dir, ignore_errors=True)

    if postgres:
        import psycopg

        name = name or f"{prefix}_{os.getpid()}"
        with psycopg.connect(postgres, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        parts = urlsplit(postgres)
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
        label = "PostgreSQL"

        def cleanup() -> None:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(postgres, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            shutil.rmtree(var_dir, ignore_errors=True)

    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False
    from django.core.management import call_command

    try:
        call_command("migrate", verbosity=0, interactive=False)
    except BaseException:
        cleanup()
        raise
    return label, cleanup
