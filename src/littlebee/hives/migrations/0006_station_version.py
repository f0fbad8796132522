"""The stations' version row and the triggers that change it (hives.station_version): what lets
a web process keep the stations for the nearest search in memory (selectors.nearby)."""

from django.db import migrations

# The statements for the database's vendor (PostgreSQL: a sequence, a function, one statement-
# level trigger per table; SQLite: row triggers). Each replaces or skips what exists, so a later
# change of them is a new migration running them again.
from littlebee.hives.station_version import install_sql, uninstall_sql


def forwards(apps, schema_editor):
    for statement in install_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    for statement in uninstall_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("hives", "0005_hive_active_position_idx"),
        ("orgs", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
