from django.db import migrations, models


class Migration(migrations.Migration):
    """Snapshots stored so far were hashed in format 1; new ones are hashed in format 2."""

    dependencies = [
        ("scoring", "0002_result_snapshot_position"),
    ]

    operations = [
        migrations.AddField(
            model_name="snapshot",
            name="hash_format",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AlterField(
            model_name="snapshot",
            name="hash_format",
            field=models.PositiveSmallIntegerField(default=2),
        ),
    ]
