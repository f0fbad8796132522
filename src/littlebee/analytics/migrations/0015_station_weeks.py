from typing import Any

from django.db import migrations, models


def fill_days_and_weeks(apps: Any, schema_editor: Any) -> None:
    """StationMonth's day rows summed from StationDay (a station's services together) and its week
    rows from them, as coarse.py's rebuild sums them (kept here so that the migration does not
    change with the app's code): a city migrated needs no analytics_rebuild for them. In day
    order, as the refresh writes them: a period's days and weeks are a few pages, not a page a row
    (the 10-million-case bench's subtracted week and day rows of 600 stations: 1,059 pages)."""
    model = apps.get_model("analytics", "StationMonth")
    source = apps.get_model("analytics", "StationDay")
    connection = schema_editor.connection
    table = connection.ops.quote_name(model._meta.db_table)
    daily = connection.ops.quote_name(source._meta.db_table)
    keys = "hive_id, region_id, street_id, district_id"
    if connection.vendor == "postgresql":
        week = "CAST(start - (CAST(EXTRACT(DAY FROM start) AS integer) - 1) % 7 AS date)"
    else:
        week = "date(start, '-' || ((CAST(strftime('%d', start) AS integer) - 1) % 7) || ' days')"
    columns = f"grain, start, {keys}, visits"
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE grain <> 'month'")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {table} ({columns}) "  # noqa: S608
            f"SELECT 'day', day, {keys}, SUM(visits) FROM {daily} "
            f"GROUP BY day, {keys} HAVING SUM(visits) <> 0 ORDER BY day"
        )
        cursor.execute(
            f"INSERT INTO {table} ({columns}) "  # noqa: S608
            f"SELECT 'week', {week}, {keys}, SUM(visits) FROM {table} WHERE grain = 'day' "
            f"GROUP BY {week}, {keys} HAVING SUM(visits) <> 0 ORDER BY 2"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0014_industry_place_weeks"),
    ]

    operations = [
        migrations.AddField(
            model_name="stationmonth",
            name="grain",
            field=models.CharField(
                choices=[("day", "日"), ("week", "周"), ("month", "月")], default="month", max_length=8
            ),
            preserve_default=False,
        ),
        migrations.RemoveIndex(
            model_name="stationmonth",
            name="stationmonth_start_idx",
        ),
        migrations.AddIndex(
            model_name="stationmonth",
            index=models.Index(fields=["grain", "start"], name="stationmonth_grain_idx"),
        ),
        migrations.RunPython(fill_days_and_weeks, migrations.RunPython.noop),
    ]
