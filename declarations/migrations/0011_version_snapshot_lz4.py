# The versions' snapshots compressed with lz4 rather than pglz, PostgreSQL's default (issue 20).
#
# Every submit and resubmission writes one version whose snapshot (the profile, the materials, the verdict and the
# rulebook it used: ≈ 4.5 KB of JSON, ≈ 5 KB as jsonb) is over TOAST's 2 KB threshold, so PostgreSQL compresses it
# before it writes the row: `perf record` of PostgreSQL's backends during the rush's submits put 4 % of their time in
# `pglz_compress`. Measured on the bench's snapshots (2,000 inserts of 200 of them, two rounds, the JSON text parsed
# in both): 203–213 µs a row with pglz, 113–116 with lz4, of which 76 µs is parsing the text; both come out at
# ≈ 3.4 KB. Only new rows are written with lz4; those already written are read as they are. The column's setting
# alone changes (no rewrite, no lock held for long); a server built without lz4 keeps pglz and says so.

from django.db import migrations

_SET = """
DO $$
BEGIN
    ALTER TABLE declarations_declarationversion ALTER COLUMN snapshot SET COMPRESSION {method};
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE '此 PostgreSQL 不支持 lz4 压缩：申报版本的快照仍用 pglz';
END
$$
"""


def use_lz4(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_SET.format(method="lz4"))


def use_default(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_SET.format(method="default"))


class Migration(migrations.Migration):

    dependencies = [
        ("declarations", "0010_declaration_no_series_index"),
    ]

    operations = [migrations.RunPython(use_lz4, use_default)]
