"""JSON written to PostgreSQL by orjson (``config.postgresql.base.json_dumps``) and the lists of ``JsonRows`` read by
it: PostgreSQL holds what ``json.dumps`` would have given it, and the rows read back are what ``json.loads`` reads."""

import json

import pytest
from django.db import connection
from django.db.models import TextChoices

from outbox.models import OutboxMessage

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend's JSON")]


class Colour(TextChoices):
    RED = "red", "红"


VALUES = [
    {"declaration": {"id": 7, "employer": "长治市建筑设计研究院", "level": "intermediate"}},
    {"assessments": {2023: "qualified", 2024: "excellent"}},  # keys that are not text: written as text
    {"years": 0.0, "half": 2.5, "big": 2**62, "negative": -17, "tiny": 1e-7},
    {"quote": 'a "b" \\ c\n\t', "control": "\x01", "emoji": "证书 🎓", "empty": "", "nothing": None},
    {"nested": [[1, [2, [3]]], {"a": {"b": {"c": []}}}], "flags": [True, False]},
    {"choice": Colour.RED},  # a text choice (a str) is written as its text
    [1, "two", None],
    "just a text",
    0,
]


@pytest.mark.parametrize("value", VALUES, ids=[f"v{i}" for i in range(len(VALUES))])
def test_postgresql_holds_what_json_dumps_would_have_written(value):
    message = OutboxMessage.objects.create(kind="test", payload=value)
    with connection.cursor() as cursor:
        cursor.execute("SELECT payload = %s::jsonb, payload::text FROM outbox_outboxmessage WHERE id = %s",
                       [json.dumps(value), message.pk])
        same, text = cursor.fetchone()
    assert same, text
    assert OutboxMessage.objects.get(pk=message.pk).payload == json.loads(json.dumps(value))


def test_the_backend_writes_json_fields_with_orjson():
    from psycopg.types.json import Jsonb

    from config.postgresql.base import json_dumps

    adapted = OutboxMessage._meta.get_field("payload").get_db_prep_save({"a": 1}, connection)
    assert isinstance(adapted, Jsonb) and adapted.dumps is json_dumps
    assert json_dumps({1: [1.5, None]}) == b'{"1":[1.5,null]}'


def test_json_rows_lists_read_as_json_loads_reads_them():
    from config.json_rows import _parsed

    rows = ['{"a": 1, "b": [1.5, -0.0, null], "c": "证书 \\u00e9", "d": {"e": true}}', '{"n": 9223372036854775807}']
    assert _parsed(rows) == [json.loads(row) for row in rows]
    assert _parsed(None) == [] and _parsed([{"already": "parsed"}]) == [{"already": "parsed"}]
