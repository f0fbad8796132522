from typing import Any

from django.db import migrations, models


def fill_days_and_weeks(apps: Any, schema_editor: Any) -> None:
    """IndustryPlaceMonth's day rows summed from the daily rollup and its week rows from them, as
    coarse.py's rebuild sums them (kept here so that the migration does not change with the app's
    code): a city migrated needs no analytics_rebuild for them."""
    model = apps.get_model("analytics", "IndustryPlaceMonth")
    source = apps.get_model("analytics", "ActivityDay")
    connection = schema_editor.connection
    table = connection.ops.quote_name(model._meta.db_table)
    daily = connection.ops.quote_name(source._meta.db_table)
    keys = ["industry", "region_id", "street_id", "district_id"]
    counts = [f.column for f in model._meta.local_fields if f.column not in (*keys, "id", "grain", "start")]
    if connection.vendor == "postgresql":
        week = "CAST(start - (CAST(EXTRACT(DAY FROM start) AS integer) - 1) % 7 AS date)"
    else:
        week = "date(start, '-' || ((CAST(strftime('%d', start) AS integer) - 1) % 7) || ' days')"
    sums = ", ".join(f"SUM({c})" for c in counts)
    having = " OR ".join(f"SUM({c}) <> 0" for c in counts)
    columns = f"grain, start, {', '.join(keys)}, {', '.join(counts)}"
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE grain <> 'month'")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {table} ({columns}) "  # noqa: S608
            f"SELECT 'day', day, {', '.join(keys)}, {sums} FROM {daily} "
            f"GROUP BY day, {', '.join(keys)} HAVING {having}"
        )
        cursor.execute(
            f"INSERT INTO {table} ({columns}) "  # noqa: S608
            f"SELECT 'week', {week}, {', '.join(keys)}, {sums} FROM {table} WHERE grain = 'day' "
            f"GROUP BY {week}, {', '.join(keys)} HAVING {having}"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0013_last_active_count"),
    ]

    operations = [
        migrations.AddField(
            model_name="industryplacemonth",
            name="grain",
            field=models.CharField(
                choices=[("day", "日"), ("week", "周"), ("month", "月")], default="month", max_length=8
            ),
            preserve_default=False,
        ),
        migrations.RemoveIndex(
            model_name="industryplacemonth",
            name="industryplace_industry_idx",
        ),
        migrations.AddIndex(
            model_name="industryplacemonth",
            index=models.Index(fields=["industry", "grain", "start"], name="industryplace_grain_idx"),
        ),
        migrations.RunPython(fill_days_and_weeks, migrations.RunPython.noop),
    ]
