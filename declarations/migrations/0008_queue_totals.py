"""The site's totals per state (``QueueTotal``): ``QueueCount`` summed over every employer, kept by the same
triggers in the same statement (one more upsert of the states that moved, under the event chain's lock the
trigger already holds), so that a reviewer who sees every organisation reads a row per state instead of a row
per employer and state (2,815 rows for the rush's 209 employers: 0.5 ms of PostgreSQL's CPU a page).

The trigger function is 0006's with the totals added (``postgresql_function``, ``sqlite_triggers``); writers of
declarations are held off (``LOCK TABLE``) while the function changes and the totals are filled, so none is missed
or counted twice.
"""

import importlib

from django.db import migrations, models

counts = importlib.import_module("declarations.migrations.0006_queue_counts")
TOTALS = "declarations_queuetotal"
TOTALS_UPSERT = f"ON CONFLICT (state) DO UPDATE SET n = {TOTALS}.n + EXCLUDED.n"
POSTGRESQL = counts.postgresql_function(
    after_counts=f"""
    INSERT INTO {TOTALS} (state, n)
        SELECT s, SUM(n) FROM unnest(states, ns) AS net(s, n) GROUP BY s HAVING SUM(n) <> 0 ORDER BY s
        {TOTALS_UPSERT};""",
    on_truncate=f"""
        DELETE FROM {TOTALS};""")


def _sqlite_upsert(row: str, sign: int) -> str:
    return (counts._sqlite_upsert(row, sign) + f" INSERT INTO {TOTALS} (state, n) SELECT {row}.state, {sign}"
            f" WHERE {row}.{counts.COUNTED} {TOTALS_UPSERT};")


BACKFILL = f"INSERT INTO {TOTALS} (state, n) SELECT state, SUM(n) FROM {counts.TABLE} GROUP BY state"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"LOCK TABLE {counts.DECLARATIONS} IN SHARE ROW EXCLUSIVE MODE", params=None)
        statements = [POSTGRESQL]
    elif vendor == "sqlite":
        statements = [*counts.SQLITE_BACKWARD, *counts.sqlite_triggers(_sqlite_upsert)]
    else:
        raise NotImplementedError(f"queue totals: no triggers written for {vendor}")
    for statement in statements:
        schema_editor.execute(statement, params=None)
    schema_editor.execute(BACKFILL, params=None)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = ([counts.postgresql_function()] if vendor == "postgresql"
                  else [*counts.SQLITE_BACKWARD, *counts.SQLITE])
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('declarations', '0007_drop_covered_fk_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='QueueTotal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('state', models.CharField(choices=[('draft', '草稿'), ('employer_review', '单位审核'), ('unit_publicity', '单位推荐公示'), ('department_review', '主管部门审核'), ('bureau_review', '人社部门政策性审查'), ('returned', '退回补正'), ('committee_review', '评委会评审'), ('results_publicity', '评审结果公示'), ('approved', '评审通过'), ('not_recommended', '单位未推荐'), ('rejected', '审核不通过'), ('not_passed', '评审未通过'), ('withdrawn', '已撤回'), ('abandoned', '视为放弃申报'), ('terminated', '已终止')], max_length=24, unique=True, verbose_name='状态')),
                ('n', models.IntegerField(verbose_name='已提交的申报数')),
            ],
            options={
                'verbose_name': '审核队列总数',
                'verbose_name_plural': '审核队列总数',
            },
        ),
        migrations.RunPython(forward, backward),
    ]
