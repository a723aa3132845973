# The foreign keys' own indexes that a composite index leading with the same column makes redundant.

import django.db.models.deletion
from django.db import migrations, models

from config.migration_ops import drop_indexes_only


class Migration(migrations.Migration):

    dependencies = [
        ('declarations', '0007_drop_covered_fk_indexes'),
        ('reviews', '0005_beat_schedule'),
    ]

    operations = [
        drop_indexes_only([
            migrations.AlterField(
                model_name='decision',
                name='declaration',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='decisions', to='declarations.declaration', verbose_name='申报'),
            ),
        ], {
            "reviews_decision_declaration_id_613ea6ce": ("reviews_decision", "declaration_id"),
        }),
    ]
