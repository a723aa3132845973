"""Every foreign key of the project's tables can be looked up by an index that leads with its column (but the
declaration's series and specialty, ``UNINDEXED``);
and on the tables that every transition writes, no foreign key carries an index of its own where a
composite one already leads with it (each index is one more entry written by every INSERT and every
non-HOT UPDATE: a submit writes each of these tables, the 07-31 sweep 100,000 rows of each at once).
Read from the migrated database, so a migration that drops or forgets an index fails here."""

import pytest
from django.apps import apps
from django.db import connection

PROJECT_APPS = {"accounts", "titles", "declarations", "reviews", "committees", "certificates", "outbox"}
# written by every transition (the declaration's state, its decision, event and notification); the partial
# unique index (applicant, year) does not serve every applicant_id lookup, so applicant keeps its own
WRITTEN_BY_TRANSITIONS = {"declarations_declaration", "reviews_decision", "accounts_event", "accounts_notification"}
UNIQUE_PARTIAL = {("declarations_declaration", "applicant_id")}
# catalogue entries a declaration names, deleted seldom and only when no declaration names them (PROTECT): the
# check reads the declarations' table once (a sequential scan: 139 ms over 1,000,009 declarations), where an
# index cost every transition an entry (migration declarations/0010, issue 20)
UNINDEXED = {("declarations_declaration", "series_id"), ("declarations_declaration", "specialty_id")}


def _indexes(table: str) -> list[list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return [c["columns"] for c in constraints.values() if (c["index"] or c["unique"] or c["primary_key"])
            and c["columns"]]


@pytest.mark.django_db
def test_every_foreign_key_has_an_index_leading_with_it_and_no_redundant_one():
    missing, redundant = [], []
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS or not model._meta.managed:
            continue
        table = model._meta.db_table
        indexes = _indexes(table)
        for field in model._meta.concrete_fields:
            if not field.is_relation or not field.db_constraint:
                continue  # the history tables' copies carry no constraint; they are read by id
            column = field.column
            leading = [cols for cols in indexes if cols[0] == column]
            if not leading and (table, column) not in UNINDEXED:
                missing.append(f"{table}.{column}")
            elif (table in WRITTEN_BY_TRANSITIONS and (table, column) not in UNIQUE_PARTIAL and [column] in leading
                  and any(len(cols) > 1 for cols in leading)):
                redundant.append(f"{table}.{column}")
    assert not missing, f"foreign keys without an index leading with them: {missing}"
    indexed_anyway = [f"{t}.{c}" for t, c in sorted(UNINDEXED) if any(cols[0] == c for cols in _indexes(t))]
    assert not indexed_anyway, f"indexed again, UNINDEXED is out of date: {indexed_anyway}"
    assert not redundant, f"foreign keys with an index of their own beside a composite one: {redundant}"


@pytest.mark.django_db
def test_the_declaration_history_copies_no_foreign_key_index():
    from declarations.models import Declaration

    table = Declaration.history.model._meta.db_table
    indexed = {cols[0] for cols in _indexes(table)}
    assert indexed.isdisjoint({"applicant_id", "employer_id", "plan_id", "series_id", "specialty_id"})
    assert "id" in indexed  # the history of one declaration: by its id


@pytest.mark.django_db
def test_the_declarations_table_leaves_room_for_updates_on_postgresql():
    """fillfactor 85 (migration declarations/0009): an update of columns no index reads stays on its page (HOT)."""
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL storage parameter")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'declarations_declaration'")
        assert "fillfactor=85" in (cursor.fetchone()[0] or [])


@pytest.mark.django_db
@pytest.mark.parametrize("table, index", [("accounts_event", "event_actor_given"),
                                          ("reviews_decision", "decision_actor_given")])
def test_the_actor_is_looked_up_through_its_partial_index(table, index):
    """The actor's index holds only the rows that have one (accounts/0011, reviews/0007: the system's events
    and decisions, 100,000 at once in a sweep, add no entry): the foreign key's check when a user is deleted
    (PostgreSQL's own statement, a generic plan with a parameter) still reads it."""
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL partial index")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(f"PREPARE zc_actor_check (bigint) AS SELECT 1 FROM ONLY {table} x WHERE actor_id = $1 "
                       "FOR KEY SHARE OF x")
        try:
            cursor.execute("EXPLAIN EXECUTE zc_actor_check (1)")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE zc_actor_check")
    assert index in plan, plan
