"""PostgreSQL only: the photo table vacuumed after every thousand new or changed rows, so that
the near-duplicate scan's index-only walk of the newest photos reads few of them from the table
(reports.phash_scan.VACUUM_SQL, issue 13)."""

from typing import Any

from django.db import migrations


def forward(apps: Any, schema_editor: Any) -> None:
    from littlebee.reports.phash_scan import VACUUM_SQL

    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(VACUUM_SQL)


def backward(apps: Any, schema_editor: Any) -> None:
    from littlebee.reports.phash_scan import UNVACUUM_SQL

    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNVACUUM_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0010_intake_version"),
    ]

    operations = [migrations.RunPython(forward, backward)]
