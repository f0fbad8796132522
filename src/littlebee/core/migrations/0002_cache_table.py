from django.core.management import call_command
from django.db import migrations


def cache_table(apps, schema_editor):
    """The table of the database cache (settings.CACHES without Redis), so `migrate` alone leaves
    a working site; with Redis configured there is no database cache and nothing is created."""
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_periodic_job_run")]

    operations = [migrations.RunPython(cache_table, migrations.RunPython.noop)]
