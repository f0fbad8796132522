from typing import Any

from django.db import migrations, models

ACTIVITY = (
    "registered, checked_in, party_members, confirmed_by_employer, reports_submitted, reports_accepted, "
    "reports_resolved, reports_disputed, appeals_received, appeals_resolved, appeals_about_enterprise, "
    "appeals_escalated_to_committee, station_visits, event_attendances, volunteer_minutes, learning_credits, "
    "points_issued, points_spent, points_expired, points_reversed, points_adjusted"
)
# Each table with year rows: its keys and its counts.
TABLES = {
    "PlaceRollup": ("level, region_id, street_id, district_id", ACTIVITY),
    "IndustryPlaceMonth": ("industry, region_id, street_id, district_id", ACTIVITY),
    "StationMonth": ("hive_id, region_id, street_id, district_id", "visits"),
}


def fill_years(apps: Any, schema_editor: Any) -> None:
    """The year rows of PlaceRollup, IndustryPlaceMonth and StationMonth summed from their month
    rows, as coarse.py's rebuild sums them (kept here so that the migration does not change with
    the app's code): a city migrated needs no analytics_rebuild for them. A year's rows are a few
    thousand, summed from twelve times as many month rows: seconds at 10 million cases."""
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        year = "CAST(date_trunc('year', start) AS date)"
    else:
        year = "date(start, 'start of year')"
    with connection.cursor() as cursor:
        for name, (keys, counts) in TABLES.items():
            table = connection.ops.quote_name(apps.get_model("analytics", name)._meta.db_table)
            sums = ", ".join(f"SUM({c})" for c in counts.split(", "))
            nonzero = " OR ".join(f"SUM({c}) <> 0" for c in counts.split(", "))
            cursor.execute(f"DELETE FROM {table} WHERE grain = 'year'")  # noqa: S608
            cursor.execute(
                f"INSERT INTO {table} (grain, start, {keys}, {counts}) "  # noqa: S608
                f"SELECT 'year', {year}, {keys}, {sums} FROM {table} WHERE grain = 'month' "
                f"GROUP BY {year}, {keys} HAVING {nonzero} ORDER BY 2"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0017_office_day_org_index"),
    ]

    operations = [
        migrations.AlterField(
            model_name="enterprisecityrollup",
            name="grain",
            field=models.CharField(
                choices=[("day", "日"), ("week", "周"), ("month", "月"), ("year", "年")], max_length=8
            ),
        ),
        migrations.AlterField(
            model_name="enterpriserollup",
            name="grain",
            field=models.CharField(
                choices=[("day", "日"), ("week", "周"), ("month", "月"), ("year", "年")], max_length=8
            ),
        ),
        migrations.AlterField(
            model_name="industryplacemonth",
            name="grain",
            field=models.CharField(
                choices=[("day", "日"), ("week", "周"), ("month", "月"), ("year", "年")], max_length=8
            ),
        ),
        migrations.AlterField(
            model_name="industryrollup",
            name="grain",
            field=models.CharField(
                choices=[("day", "日"), ("week", "周"), ("month", "月"), ("year", "年")], max_length=8
            ),
        ),
        migrations.AlterField(
            model_name="placerollup",
            name="grain",
            field=models.CharField(
                choices=[("day", "日"), ("week", "周"), ("month", "月"), ("year", "年")], max_length=8
            ),
        ),
        migrations.AlterField(
            model_name="servicerollup",
            name="grain",
            field=models.CharField(
                choices=[("day", "日"), ("week", "周"), ("month", "月"), ("year", "年")], max_length=8
            ),
        ),
        migrations.AlterField(
            model_name="stationmonth",
            name="grain",
            field=models.CharField(
                choices=[("day", "日"), ("week", "周"), ("month", "月"), ("year", "年")], max_length=8
            ),
        ),
        migrations.RunPython(fill_years, migrations.RunPython.noop),
    ]
