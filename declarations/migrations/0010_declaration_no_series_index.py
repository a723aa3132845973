# No index on the declaration's series and specialty (issue 20): nothing looks declarations up by either alone,
# and every transition wrote an entry in each (a state change is never HOT, the state being indexed). Measured on
# the 07-31 sweep over 1,000,000 declarations (95,008 terminated, one writer, `SWEEP_WRITERS=1 bench/rush/run.py
# --only-sweep` with the statements' durations logged): the UPDATE with its history rows 5.8 and 5.1 s with them,
# 4.4 and 4.1 s without. Only the indexes are dropped (config.migration_ops: the constraints stay as they are).

import django.db.models.deletion
from django.db import migrations, models

from config.migration_ops import drop_indexes_only


class Migration(migrations.Migration):

    dependencies = [
        ("declarations", "0009_declaration_fillfactor"),
        ("titles", "0020_deadline_rules"),
    ]

    operations = [
        drop_indexes_only([
            migrations.AlterField(
                model_name="declaration",
                name="series",
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="titles.series", verbose_name="系列"),
            ),
            migrations.AlterField(
                model_name="declaration",
                name="specialty",
                field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="titles.specialty", verbose_name="专业"),
            ),
        ], {
            "declarations_declaration_series_id_7bb0f3f4": ("declarations_declaration", "series_id"),
            "declarations_declaration_specialty_id_09d0762c": ("declarations_declaration", "specialty_id"),
        }),
    ]
