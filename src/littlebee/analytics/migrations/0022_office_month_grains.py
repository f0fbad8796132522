from typing import Any

from django.db import migrations, models

KEYS = "organisation_id, kind, region_id, street_id, district_id, industry"
COUNTS = "received, signed_on_time, due, resolved_on_time, resolved, rated, satisfied, returned, reopened"


def fill_weeks_and_years(apps: Any, schema_editor: Any) -> None:
    """OfficeMonth's week rows (the 1st-7th, 8th-14th, ... 29th-end of each month) summed from
    OfficeDay, and its year rows from its month rows, as coarse.py's rebuild sums them (kept here
    so that the migration does not change with the app's code): one INSERT ... SELECT each."""
    connection = schema_editor.connection
    table = connection.ops.quote_name(apps.get_model("analytics", "OfficeMonth")._meta.db_table)
    source = connection.ops.quote_name(apps.get_model("analytics", "OfficeDay")._meta.db_table)
    if connection.vendor == "postgresql":
        week = "CAST(day - (CAST(EXTRACT(DAY FROM day) AS integer) - 1) % 7 AS date)"
        year = "CAST(date_trunc('year', start) AS date)"
    else:
        week = "date(day, '-' || ((CAST(strftime('%d', day) AS integer) - 1) % 7) || ' days')"
        year = "date(start, 'start of year')"
    sums = ", ".join(f"SUM({c})" for c in COUNTS.split(", "))
    nonzero = " OR ".join(f"SUM({c}) <> 0" for c in COUNTS.split(", "))
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE grain <> 'month'")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {table} (grain, start, {KEYS}, {COUNTS}) "  # noqa: S608
            f"SELECT 'week', {week}, {KEYS}, {sums} FROM {source} "
            f"GROUP BY {week}, {KEYS} HAVING {nonzero} ORDER BY 2"
        )
        cursor.execute(
            f"INSERT INTO {table} (grain, start, {KEYS}, {COUNTS}) "  # noqa: S608
            f"SELECT 'year', {year}, {KEYS}, {sums} FROM {table} WHERE grain = 'month' "
            f"GROUP BY {year}, {KEYS} HAVING {nonzero} ORDER BY 2"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0021_office_total_grain_index"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="officemonth",
            name="officemonth_start_idx",
        ),
        migrations.AddField(
            model_name="officemonth",
            name="grain",
            field=models.CharField(
                choices=[("day", "日"), ("week", "周"), ("month", "月"), ("year", "年")], default="month", max_length=8
            ),
        ),
        migrations.AddIndex(
            model_name="officemonth",
            index=models.Index(fields=["grain", "start"], name="officemonth_grain_start_idx"),
        ),
        migrations.RunPython(fill_weeks_and_years, migrations.RunPython.noop),
    ]
