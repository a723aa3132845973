"""A batch of events is chained inside PostgreSQL (``accounts.services.record_events_sql``): the aggregate
``accounts_event_chain(start, head, rest)``, run as a window over the batch in id order, answers each
event's hash, SHA-256 over ``head || json(previous hash) || rest`` (``accounts.eventchain.payload_template``
cuts the payload so; the format itself does not change). Nothing on SQLite: it chains in Python."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION accounts_event_chain_step(prev text, start text, head text, rest text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN encode(sha256(convert_to(head || to_json(coalesce(prev, start))::text || rest, 'UTF8')), 'hex');
END;
$$;
CREATE OR REPLACE AGGREGATE accounts_event_chain(text, text, text) (
    SFUNC = accounts_event_chain_step, STYPE = text
);
"""
BACKWARD = """
DROP AGGREGATE IF EXISTS accounts_event_chain(text, text, text);
DROP FUNCTION IF EXISTS accounts_event_chain_step(text, text, text, text);
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_credit_record")]
    operations = [migrations.RunPython(forward, backward, elidable=False)]
