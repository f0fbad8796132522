# A report's position may be the community the worker chose (its centre, approximate).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0005_category_name_en"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="report",
            name="report_location_source_valid",
        ),
        migrations.AlterField(
            model_name="report",
            name="location_source",
            field=models.CharField(
                choices=[
                    ("device", "手机定位"),
                    ("photo", "照片位置"),
                    ("map", "地图选点"),
                    ("community", "所选社区（大致位置）"),
                ],
                default="device",
                max_length=12,
                verbose_name="位置来源",
            ),
        ),
        migrations.AddConstraint(
            model_name="report",
            constraint=models.CheckConstraint(
                condition=models.Q(("location_source__in", ["device", "photo", "map", "community"])),
                name="report_location_source_valid",
            ),
        ),
    ]
