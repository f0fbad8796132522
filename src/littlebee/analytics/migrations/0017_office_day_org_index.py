from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0016_station_month_cover"),
        ("orgs", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="officeday",
            index=models.Index(fields=["organisation", "day"], name="officeday_org_idx"),
        ),
    ]
