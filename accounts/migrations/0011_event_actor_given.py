# The actor's index holds only the events that have one: the system's events (a deadline sweep writes
# 100,000 at once, all without actor) no longer add an entry each. ``actor_id = …`` and ``actor_id IN (…)``
# (the foreign key's check when a user is deleted, the event log filtered by visible users) imply
# ``actor_id IS NOT NULL``, so PostgreSQL still reads this index for them.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from config.migration_ops import drop_indexes_only


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0010_membership_org_role'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='event',
            index=models.Index(condition=models.Q(('actor__isnull', False)), fields=['actor'], name='event_actor_given'),
        ),
        drop_indexes_only([
            migrations.AlterField(
                model_name='event',
                name='actor',
                field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='操作人'),
            ),
        ], {"accounts_event_actor_id_6f8254f4": ("accounts_event", "actor_id")}),
    ]
