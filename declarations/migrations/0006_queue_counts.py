"""The review queue's counts per employer and state (``QueueCount``), kept by triggers on the declarations'
table in the same transaction as every write, whoever makes it: a transition, a sweep's set-based UPDATE,
the admin, a bulk load, a cascade. Counted: declarations with ``submitted_at`` set (the queue's rows).

PostgreSQL: statement-level triggers with transition tables, so a sweep that moves 150,000 declarations
adds one aggregated upsert (in (employer, state) order), not 150,000; a statement that changes no count
(a draft saved, another field) writes and locks nothing. SQLite (the demo): row-level triggers.

Before it writes a count, the trigger takes the event chain's advisory lock (``EVENT_CHAIN_LOCK``), which
every transition takes a moment later for its event anyway. A count row is shared by every declaration of
one employer in one state and stays locked until commit; some transactions move several declarations in
turn (a meeting closed, results approved, a group of sweeps) and hold the event lock after the first, so
written as the declaration is, a count could be held by a single transition waiting for the event lock
while the holder of that lock waits for the count: a deadlock. With the lock first, counts are written by
one transaction at a time, and never by one that waits for the event lock.

The counts of the declarations already there are made after the triggers exist, in the same transaction
(CREATE TRIGGER holds off other writers of the table until it commits), so none is missed or counted twice.
"""

import django.db.models.deletion
from django.db import migrations, models

from accounts.services import EVENT_CHAIN_LOCK



TABLE = "declarations_queuecount"
DECLARATIONS = "declarations_declaration"
COUNTED = "submitted_at IS NOT NULL"
UPSERT = f"ON CONFLICT (employer_id, state) DO UPDATE SET n = {TABLE}.n + EXCLUDED.n"


def _net(*parts: tuple[str, int]) -> str:
    """The statement's net change per (employer, state) into three arrays, in (employer, state) order."""
    rows = " UNION ALL ".join(f"SELECT employer_id, state, {sign} AS d FROM {table} WHERE {COUNTED}"
                              for table, sign in parts)
    order = "ORDER BY employer_id, state"
    return (f"SELECT array_agg(employer_id {order}), array_agg(state {order}), array_agg(n {order})"
            f" INTO employers, states, ns FROM (SELECT employer_id, state, SUM(d)::integer AS n FROM ({rows}) AS d"
            f" GROUP BY employer_id, state HAVING SUM(d) <> 0) AS net;")


def postgresql_function(*, after_counts: str = "", on_truncate: str = "") -> str:
    """The trigger function; ``after_counts`` and ``on_truncate``: statements a later migration adds (0008: the
    site's totals), run with the counts' net change in ``employers``, ``states`` and ``ns``."""
    return f"""
CREATE OR REPLACE FUNCTION declarations_queue_count() RETURNS trigger AS $$
DECLARE
    employers bigint[];
    states text[];
    ns integer[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_net(("new_rows", 1))}
    ELSIF TG_OP = 'UPDATE' THEN
        {_net(("old_rows", -1), ("new_rows", 1))}
    ELSIF TG_OP = 'DELETE' THEN
        {_net(("old_rows", -1))}
    ELSE
        DELETE FROM {TABLE};{on_truncate}
        RETURN NULL;
    END IF;
    IF employers IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM pg_advisory_xact_lock({EVENT_CHAIN_LOCK});
    INSERT INTO {TABLE} (employer_id, state, n)
        SELECT e, s, n FROM unnest(employers, states, ns) WITH ORDINALITY AS net(e, s, n, i) ORDER BY i {UPSERT};{after_counts}
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


POSTGRESQL = postgresql_function() + f"""CREATE TRIGGER declarations_queue_count_insert AFTER INSERT ON {DECLARATIONS}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION declarations_queue_count();
CREATE TRIGGER declarations_queue_count_update AFTER UPDATE ON {DECLARATIONS}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION declarations_queue_count();
CREATE TRIGGER declarations_queue_count_delete AFTER DELETE ON {DECLARATIONS}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION declarations_queue_count();
CREATE TRIGGER declarations_queue_count_truncate AFTER TRUNCATE ON {DECLARATIONS}
    FOR EACH STATEMENT EXECUTE FUNCTION declarations_queue_count();
"""
POSTGRESQL_BACKWARD = "".join(f"DROP TRIGGER IF EXISTS declarations_queue_count_{op} ON {DECLARATIONS};\n"
                              for op in ("insert", "update", "delete", "truncate")) + \
    "DROP FUNCTION IF EXISTS declarations_queue_count();\n"


def _sqlite_upsert(row: str, sign: int) -> str:
    return (f"INSERT INTO {TABLE} (employer_id, state, n) SELECT {row}.employer_id, {row}.state, {sign}"
            f" WHERE {row}.{COUNTED} {UPSERT};")


def sqlite_triggers(upsert=_sqlite_upsert) -> list[str]:
    """The row-level triggers, each change written by ``upsert(row, sign)`` (0008 adds the site's totals)."""
    return [
        f"CREATE TRIGGER declarations_queue_count_insert AFTER INSERT ON {DECLARATIONS} BEGIN "
        f"{upsert('NEW', 1)} END;",
        f"CREATE TRIGGER declarations_queue_count_update AFTER UPDATE OF employer_id, state, submitted_at"
        f" ON {DECLARATIONS} BEGIN {upsert('OLD', -1)} {upsert('NEW', 1)} END;",
        f"CREATE TRIGGER declarations_queue_count_delete AFTER DELETE ON {DECLARATIONS} BEGIN "
        f"{upsert('OLD', -1)} END;",
    ]


SQLITE = sqlite_triggers()
SQLITE_BACKWARD = [f"DROP TRIGGER IF EXISTS declarations_queue_count_{op};" for op in ("insert", "update", "delete")]
BACKFILL = (f"INSERT INTO {TABLE} (employer_id, state, n) SELECT employer_id, state, COUNT(*) FROM {DECLARATIONS}"
            f" WHERE {COUNTED} GROUP BY employer_id, state")


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"queue counts: no triggers written for {vendor}")
    for statement in [POSTGRESQL] if vendor == "postgresql" else SQLITE:
        schema_editor.execute(statement, params=None)
    schema_editor.execute(BACKFILL, params=None)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in [POSTGRESQL_BACKWARD] if vendor == "postgresql" else SQLITE_BACKWARD:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0008_event_chain_batch'),
        ('declarations', '0005_queue_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='QueueCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('state', models.CharField(choices=[('draft', '草稿'), ('employer_review', '单位审核'), ('unit_publicity', '单位推荐公示'), ('department_review', '主管部门审核'), ('bureau_review', '人社部门政策性审查'), ('returned', '退回补正'), ('committee_review', '评委会评审'), ('results_publicity', '评审结果公示'), ('approved', '评审通过'), ('not_recommended', '单位未推荐'), ('rejected', '审核不通过'), ('not_passed', '评审未通过'), ('withdrawn', '已撤回'), ('abandoned', '视为放弃申报'), ('terminated', '已终止')], max_length=24, verbose_name='状态')),
                ('n', models.IntegerField(verbose_name='已提交的申报数')),
                ('employer', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='accounts.organisation', verbose_name='申报单位')),
            ],
            options={
                'verbose_name': '审核队列计数',
                'verbose_name_plural': '审核队列计数',
                'constraints': [models.UniqueConstraint(fields=('employer', 'state'), name='queue_count_per_employer_state')],
            },
        ),
        migrations.RunPython(forward, backward),
        # the counts were read from this index, capped at 1,000 a state; it only cost every write since
        migrations.RemoveIndex(model_name='declaration', name='declaration_queue_counts'),
    ]
