"""On PostgreSQL the database itself refuses to update or delete event-log rows."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION accounts_event_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '事件日志不可修改或删除（accounts_event 第 %% 行）', OLD.id;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS accounts_event_immutable ON accounts_event;
CREATE TRIGGER accounts_event_immutable BEFORE UPDATE OR DELETE ON accounts_event
    FOR EACH ROW EXECUTE FUNCTION accounts_event_immutable();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS accounts_event_immutable ON accounts_event;
DROP FUNCTION IF EXISTS accounts_event_immutable();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
