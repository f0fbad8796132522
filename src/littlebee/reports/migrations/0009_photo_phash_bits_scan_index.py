"""PostgreSQL only: the perceptual hash's bits as a generated column and the near-duplicate
scan's covering index (reports.phash_scan, issue 13)."""

from typing import Any

from django.db import migrations


def forward(apps: Any, schema_editor: Any) -> None:
    from littlebee.reports.phash_scan import install

    install(schema_editor.connection)


def backward(apps: Any, schema_editor: Any) -> None:
    from littlebee.reports.phash_scan import uninstall

    uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0008_photo_hash_time_indexes"),
    ]

    operations = [migrations.RunPython(forward, backward)]
