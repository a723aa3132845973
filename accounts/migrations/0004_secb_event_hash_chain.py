"""The event log becomes a hash chain (accounts/eventchain.py); existing rows are chained in id order.
On PostgreSQL TRUNCATE is refused as UPDATE and DELETE already are."""

import django.utils.timezone
from django.db import migrations, models

from accounts.eventchain import GENESIS, chain_hash, event_content

TRUNCATE_FORWARD = """
CREATE OR REPLACE FUNCTION accounts_event_no_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '事件日志不可清空（TRUNCATE accounts_event）';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS accounts_event_no_truncate ON accounts_event;
CREATE TRIGGER accounts_event_no_truncate BEFORE TRUNCATE ON accounts_event
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_event_no_truncate();
"""
TRUNCATE_BACKWARD = """
DROP TRIGGER IF EXISTS accounts_event_no_truncate ON accounts_event;
DROP FUNCTION IF EXISTS accounts_event_no_truncate();
"""


def backfill(apps, schema_editor):
    Event = apps.get_model("accounts", "Event")
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("ALTER TABLE accounts_event DISABLE TRIGGER accounts_event_immutable")
    prev_hash = GENESIS
    for event in Event.objects.select_related("content_type").order_by("pk").iterator(chunk_size=2000):
        content = event_content(
            actor_id=event.actor_id, action=event.action,
            content_type=f"{event.content_type.app_label}.{event.content_type.model}", object_id=event.object_id,
            object_repr=event.object_repr, from_state=event.from_state, to_state=event.to_state,
            comment=event.comment, ip_address=event.ip_address, created_at=event.created_at,
        )
        digest = chain_hash(prev_hash, content)
        Event.objects.filter(pk=event.pk).update(prev_hash=prev_hash, hash=digest)
        prev_hash = digest
    if postgresql:
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("ALTER TABLE accounts_event ENABLE TRIGGER accounts_event_immutable")
        schema_editor.execute(TRUNCATE_FORWARD)


def unbackfill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRUNCATE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_seca_personal_data_access_sign_ins")]
    operations = [
        migrations.AlterField(
            model_name="event", name="created_at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="时间"),
        ),
        migrations.AddField(
            model_name="event", name="prev_hash",
            field=models.CharField(default="", editable=False, max_length=64, verbose_name="前一事件哈希"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="event", name="hash",
            field=models.CharField(default="", editable=False, help_text="SHA-256（前一事件哈希 + 本事件内容）",
                                   max_length=64, verbose_name="哈希"),
            preserve_default=False,
        ),
        migrations.RunPython(backfill, unbackfill),
    ]
