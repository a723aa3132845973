# The foreign keys' own indexes that a composite index leading with the same column makes redundant.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from config.migration_ops import drop_indexes_only


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0008_event_chain_batch'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        drop_indexes_only([
            migrations.AlterField(
                model_name='event',
                name='content_type',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, to='contenttypes.contenttype', verbose_name='对象类型'),
            ),
            migrations.AlterField(
                model_name='notification',
                name='recipient',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL, verbose_name='收件人'),
            ),
        ], {
            "accounts_event_content_type_id_8dc16307": ("accounts_event", "content_type_id"),
            "accounts_notification_recipient_id_cb6b57f5": ("accounts_notification", "recipient_id"),
        }),
    ]
