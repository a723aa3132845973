"""Migration operations shared by the apps' migrations."""

from django.db import migrations


def drop_indexes_only(alter_fields: list, indexes: dict[str, tuple[str, str]]) -> migrations.SeparateDatabaseAndState:
    """``alter_fields`` (``AlterField(…, db_index=False)`` on foreign keys) for the migration state, and in
    the database only ``DROP INDEX`` of ``indexes`` (name: (table, column)). Django's own AlterField drops
    the foreign key's constraint and adds it again, which checks every row of the table (a million
    declarations) under a lock; the constraint never changed, so it is left alone."""
    return migrations.SeparateDatabaseAndState(
        state_operations=alter_fields,
        database_operations=[
            migrations.RunSQL(f'DROP INDEX IF EXISTS "{name}"', reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")')
            for name, (table, column) in indexes.items()
        ],
    )
