# The actor's index holds only the decisions that have one: the system's decisions (a deadline sweep writes
# 100,000 at once, all without actor) no longer add an entry each; ``actor_id = …`` implies ``IS NOT NULL``,
# so the foreign key's check when a user is deleted still reads it.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from config.migration_ops import drop_indexes_only


class Migration(migrations.Migration):

    dependencies = [
        ('reviews', '0006_drop_covered_fk_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='decision',
            index=models.Index(condition=models.Q(('actor__isnull', False)), fields=['actor'], name='decision_actor_given'),
        ),
        drop_indexes_only([
            migrations.AlterField(
                model_name='decision',
                name='actor',
                field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='办理人'),
            ),
        ], {"reviews_decision_actor_id_cf44c112": ("reviews_decision", "actor_id")}),
    ]
