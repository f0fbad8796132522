from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0015_station_weeks"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="stationmonth",
            name="stationmonth_grain_idx",
        ),
        migrations.AddIndex(
            model_name="stationmonth",
            index=models.Index(
                fields=["grain", "start"],
                include=("hive_id", "visits", "region_id", "street_id", "district_id"),
                name="stationmonth_cover_idx",
            ),
        ),
    ]
