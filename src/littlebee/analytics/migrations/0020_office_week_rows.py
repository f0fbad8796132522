from typing import Any

from django.db import migrations

KEYS = "organisation_id, region_id, street_id, district_id, industry"
COUNTS = "received, signed_on_time, due, resolved_on_time, resolved, rated, satisfied, returned, reopened"


def fill_weeks(apps: Any, schema_editor: Any) -> None:
    """OfficeMonthTotal's week rows (the 1st-7th, 8th-14th, ... 29th-end of each month) summed
    from OfficeDay over both kinds, as coarse.py's rebuild sums them (kept here so that the
    migration does not change with the app's code): one INSERT ... SELECT."""
    connection = schema_editor.connection
    table = connection.ops.quote_name(apps.get_model("analytics", "OfficeMonthTotal")._meta.db_table)
    source = connection.ops.quote_name(apps.get_model("analytics", "OfficeDay")._meta.db_table)
    if connection.vendor == "postgresql":
        week = "CAST(day - (CAST(EXTRACT(DAY FROM day) AS integer) - 1) % 7 AS date)"
    else:
        week = "date(day, '-' || ((CAST(strftime('%d', day) AS integer) - 1) % 7) || ' days')"
    sums = ", ".join(f"SUM({c})" for c in COUNTS.split(", "))
    nonzero = " OR ".join(f"SUM({c}) <> 0" for c in COUNTS.split(", "))
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE grain = 'week'")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {table} (grain, start, {KEYS}, {COUNTS}) "  # noqa: S608
            f"SELECT 'week', {week}, {KEYS}, {sums} FROM {source} "
            f"GROUP BY {week}, {KEYS} HAVING {nonzero} ORDER BY 2"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0019_office_year_rows"),
    ]

    operations = [
        migrations.RunPython(fill_weeks, migrations.RunPython.noop),
    ]
