"""New rows of several models written in one statement on PostgreSQL, its SQL made once per process.

A transition writes a few immutable rows beside its new state (the submit: the version, the pledge and the
decision). ``Model.objects.create`` compiles an INSERT for each and sends each to PostgreSQL on its own: about
0.3 ms of CPU and a round trip a row. ``insert_together(version, pledge, decision)`` writes them in one
statement (``WITH r0 AS (INSERT … RETURNING id), r1 AS (…) SELECT r0.id, r1.id, …``), with each field's value as
``save()`` would send it (``pre_save``: ``auto_now_add``; ``get_db_prep_save``), and gives each instance its id
as ``save()`` does. What it skips are the model's ``save()`` and the ``pre_save``/``post_save`` signals: use it
only for models with neither (insert-only rows such as the declaration's versions, pledges and decisions).
Elsewhere than PostgreSQL each instance is saved.
"""

import functools

from django.db import connection

from config.prepared import default_db, execute, execute_together


def insert_together(*instances, reading=None) -> list | None:
    """Write the new ``instances`` (no id yet), in one statement on PostgreSQL; each gets its id. ``reading``: a
    query (``PreparedObjects.pending``) sent in the same round trip after the INSERT (its own statement, its own
    snapshot): its instances are answered (None without ``reading``; elsewhere than PostgreSQL run on its own)."""
    if any(instance.pk is not None for instance in instances):
        raise ValueError("insert_together 只写入新行")
    db = default_db()
    if db.vendor != "postgresql":
        for instance in instances:
            instance.save(force_insert=True)
        return _read(reading)
    fields, sql = _statement(tuple(type(instance) for instance in instances))
    params = [field.get_db_prep_save(field.pre_save(instance, True), db)
              for instance, own in zip(instances, fields, strict=True) for field in own]
    read = None
    with db.cursor() as cursor:  # prepared in a transition's transaction (``retrying_stale``)
        if reading is None or reading.alias != db.alias:
            execute(db, cursor, sql, params)
            ids = cursor.fetchone()
        else:
            (ids,), rows = execute_together(db, cursor, [(sql, params, True), (reading.sql, reading.params, True)])
            read = reading.objects(rows)
    for instance, pk in zip(instances, ids, strict=True):
        instance.pk = pk
        instance._state.adding, instance._state.db = False, db.alias
    return read if reading is None or reading.alias == db.alias else _read(reading)


def _read(reading) -> list | None:
    """``reading`` run on its own database (on its own, not in a round trip with the INSERT)."""
    if reading is None:
        return None
    from django.db import connections

    with connections[reading.alias].cursor() as cursor:
        cursor.execute(reading.sql, reading.params)
        return reading.objects(cursor.fetchall())


@functools.cache
def _statement(models: tuple) -> tuple[list, str]:
    """Per model the fields written (every concrete one but the generated id) and the one statement."""
    quote = connection.ops.quote_name
    fields = [[f for f in model._meta.concrete_fields if not f.primary_key] for model in models]
    inserts = [f"r{i} AS (INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in own)}) "
               f"VALUES ({', '.join(['%s'] * len(own))}) RETURNING {quote(model._meta.pk.column)} AS id)"
               for i, (model, own) in enumerate(zip(models, fields, strict=True))]
    return fields, (f"WITH {', '.join(inserts)} SELECT {', '.join(f'r{i}.id' for i in range(len(models)))} "
                    f"FROM {', '.join(f'r{i}' for i in range(len(models)))}")
