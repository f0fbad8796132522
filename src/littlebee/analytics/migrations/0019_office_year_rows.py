from typing import Any

from django.db import migrations, models

KEYS = "organisation_id, region_id, street_id, district_id, industry"
COUNTS = "received, signed_on_time, due, resolved_on_time, resolved, rated, satisfied, returned, reopened"


def fill_years(apps: Any, schema_editor: Any) -> None:
    """OfficeMonthTotal's year rows summed from its month rows, as coarse.py's rebuild sums them
    (kept here so that the migration does not change with the app's code): a few thousand rows a
    year, from twelve times as many."""
    connection = schema_editor.connection
    table = connection.ops.quote_name(apps.get_model("analytics", "OfficeMonthTotal")._meta.db_table)
    if connection.vendor == "postgresql":
        year = "CAST(date_trunc('year', start) AS date)"
    else:
        year = "date(start, 'start of year')"
    sums = ", ".join(f"SUM({c})" for c in COUNTS.split(", "))
    nonzero = " OR ".join(f"SUM({c}) <> 0" for c in COUNTS.split(", "))
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE grain = 'year'")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {table} (grain, start, {KEYS}, {COUNTS}) "  # noqa: S608
            f"SELECT 'year', {year}, {KEYS}, {sums} FROM {table} WHERE grain = 'month' "
            f"GROUP BY {year}, {KEYS} HAVING {nonzero} ORDER BY 2"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0018_year_rows"),
    ]

    operations = [
        migrations.AddField(
            model_name="officemonthtotal",
            name="grain",
            field=models.CharField(
                choices=[("day", "日"), ("week", "周"), ("month", "月"), ("year", "年")], default="month", max_length=8
            ),
        ),
        migrations.RunPython(fill_years, migrations.RunPython.noop),
    ]
