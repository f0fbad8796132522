"""The intake's configuration version row and the triggers that change it
(reports.intake_version): what lets a web process keep the categories, deadline rules, routing
rules and offices a report submission reads in memory (selectors.intake_context)."""

from django.db import migrations

# The statements for the database's vendor (PostgreSQL: a sequence, a function, one statement-
# level trigger per table; SQLite: row triggers). Each replaces or skips what exists, so a later
# change of them is a new migration running them again.
from littlebee.reports.intake_version import install_sql, uninstall_sql


def forwards(apps, schema_editor):
    for statement in install_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    for statement in uninstall_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0009_photo_phash_bits_scan_index"),
        ("cases", "0003_case_point_indexes"),
        ("orgs", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
