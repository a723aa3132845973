"""config/prepared.py: a queryset compiled once gives, run with other values, what the queryset gives."""

import pytest
from django.db import connection
from django.db.models import Count

from accounts.models import Organisation
from config.prepared import PreparedValues
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_prepared_rows_are_the_querysets_rows_for_each_value_and_shape(django_assert_num_queries):
    parent = OrganisationFactory(name="上级")
    children = [OrganisationFactory(name=f"下级{i}", parent=parent) for i in range(3)]

    def build(*values):
        *ids, _count, limit = values
        return (Organisation.objects.filter(pk__in=ids).annotate(n=Count("children")).order_by("name")
                .values("pk", "name", "parent__name", "n")[:limit])

    prepared = PreparedValues(build)
    for ids, limit in (([parent.pk, children[0].pk], 5), ([children[1].pk], 5), ([c.pk for c in children], 2)):
        with django_assert_num_queries(1):
            rows = prepared.rows(*ids, shape=(len(ids), limit))
        assert rows == list(build(*ids, len(ids), limit))
    assert prepared.rows(parent.pk, shape=(1, 5))[0] == {"pk": parent.pk, "name": "上级", "parent__name": None, "n": 3}


def test_an_argument_that_is_not_a_parameter_is_refused():
    prepared = PreparedValues(lambda pk: Organisation.objects.filter(pk__gte=0).values("pk")[:1] if pk else None)
    with pytest.raises(ValueError, match="not parameters"):
        prepared.rows(5)  # built without the argument: the page would ignore it


def test_a_list_argument_is_one_array_parameter_whatever_its_length(django_assert_num_queries):
    """A list (``AnyOf``) is bound whole: one compiled query for two ids or three (PostgreSQL; elsewhere the
    queryset is built for each call), the rows those of the queryset."""
    from django.db import connection
    from django.db.models import F, Q

    from config.lookups import AnyOf

    parent = OrganisationFactory(name="上级")
    children = [OrganisationFactory(name=f"下级{i}", parent=parent) for i in range(3)]

    def build(ids, limit):
        return Organisation.objects.filter(Q(AnyOf(F("pk"), ids))).order_by("name").values("pk", "name")[:limit]

    prepared = PreparedValues(build)
    for ids in ([parent.pk, children[0].pk], [c.pk for c in children], [children[2].pk]):
        with django_assert_num_queries(1):
            rows = prepared.rows(ids, shape=(5,))
        assert rows == list(build(ids, 5))
    assert len(prepared._compiled) == (1 if connection.vendor == "postgresql" else 0)


def test_an_annotation_among_the_fields_keeps_its_name():
    """values() keeps the order it is given (Django 5.2): an annotation before a joined field comes back under
    its own name, not the next column's (the queue's ``push_ready`` before the applicant's name)."""
    parent = OrganisationFactory(name="上级")
    OrganisationFactory(name="下级", parent=parent)

    def build(pk):
        return (Organisation.objects.filter(pk=pk).annotate(n=Count("children"))
                .values("pk", "n", "parent__name", "name"))

    child = Organisation.objects.get(name="下级")
    for pk in (parent.pk, child.pk):
        assert PreparedValues(build).rows(pk) == list(build(pk))
    assert PreparedValues(build).rows(child.pk) == [{"pk": child.pk, "n": 0, "parent__name": "上级", "name": "下级"}]


def test_prepared_objects_are_the_querysets_instances_with_their_related_objects_and_lock(
        django_assert_num_queries):
    from django.db import connection, transaction

    from config.prepared import PreparedObjects

    parent = OrganisationFactory(name="上级")
    child, orphan = OrganisationFactory(name="下级", parent=parent), OrganisationFactory(name="独立")

    def build(pk, for_update):
        queryset = Organisation.objects.select_related("parent").filter(pk=pk)
        return queryset.select_for_update(of=("self",)) if for_update else queryset

    prepared = PreparedObjects(build)
    for organisation in (child, orphan, parent):
        with django_assert_num_queries(1) as queries:
            found = prepared.objects(organisation.pk, shape=(False,))
        expected = build(organisation.pk, False).get()
        assert found == [expected] and found[0].name == expected.name and not found[0]._state.adding
        with django_assert_num_queries(0):  # the related object came with it (None for no parent)
            assert (found[0].parent and found[0].parent.name) == (expected.parent and expected.parent.name)
    assert "FOR UPDATE" not in queries.captured_queries[0]["sql"]
    with transaction.atomic(), django_assert_num_queries(1) as queries:
        assert prepared.objects(child.pk, shape=(True,))[0].parent == parent
    assert 'FOR UPDATE OF "accounts_organisation"' in queries.captured_queries[0]["sql"] or connection.vendor != "postgresql"
    assert prepared.objects(orphan.pk + 1000, shape=(False,)) == []


def _fields(instance) -> dict:
    return {key: value for key, value in vars(instance).items() if key != "_state"}


def test_prepared_objects_are_made_as_the_orm_makes_them_and_by_the_orm_when_a_model_is_hooked():
    """``config.prepared.loaded`` fills an instance's dict as ``Model.__init__`` would, for the object and each related
    one (the same fields, the same state); a model with a ``post_init`` receiver is made by the ORM's ``from_db``, so
    the receiver hears each instance."""
    from django.db.models.signals import post_init

    from config.prepared import PreparedObjects

    parent = OrganisationFactory(name="上级")
    child = OrganisationFactory(name="下级", parent=parent)
    prepared = PreparedObjects(lambda pk: Organisation.objects.select_related("parent").filter(pk=pk))
    expected = Organisation.objects.select_related("parent").get(pk=child.pk)
    found = prepared.objects(child.pk)[0]
    assert _fields(found) == _fields(expected) and _fields(found.parent) == _fields(expected.parent)
    assert (found._state.adding, found._state.db, found.parent._state.adding) == (False, "default", False)
    heard = []

    def hear(sender, instance, **kwargs):
        heard.append(instance.name)

    post_init.connect(hear, sender=Organisation)
    try:
        assert prepared.objects(child.pk)[0] == child
    finally:
        post_init.disconnect(hear, sender=Organisation)
    assert sorted(heard) == ["上级", "下级"]


def test_a_text_argument_is_a_parameter_when_named_in_text_args():
    first = OrganisationFactory(name="甲单位")
    OrganisationFactory(name="乙单位")
    prepared = PreparedValues(lambda name: Organisation.objects.filter(name=name).values("pk"), text_args=(0,))
    assert prepared.rows("甲单位") == [{"pk": first.pk}] and prepared.rows("丙单位") == []
    unnamed = PreparedValues(lambda name: Organisation.objects.filter(name=name).values("pk"))
    with pytest.raises(ValueError, match="not parameters"):  # a number's marker, made text by the field
        unnamed.rows("甲单位")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements of PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_prepared_query_is_a_server_side_statement_of_the_connection(monkeypatch):
    """The plan page's kind of query: PREPARE on the connection's first use, then EXECUTE alone with each call's
    values (the rows those of the queryset); prepared again when the statement is gone or the connection new; run
    as it is inside a transaction and on a connection that is not kept (CONN_MAX_AGE 0)."""
    from django.db import transaction
    from django.test.utils import CaptureQueriesContext

    parent = OrganisationFactory(name="上级")
    children = [OrganisationFactory(name=f"下级{i}", parent=parent) for i in range(2)]

    def build(pk):
        return Organisation.objects.filter(pk=pk).values("pk", "name", "parent__name")

    prepared = PreparedValues(build)
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 600)

    def read(organisation):
        with CaptureQueriesContext(connection) as done:
            rows = prepared.rows(organisation.pk)
        assert rows == list(build(organisation.pk))
        return [query["sql"].split()[0] for query in done.captured_queries]

    assert read(children[0]) == ["PREPARE", "EXECUTE"]
    assert read(children[1]) == ["EXECUTE"]
    assert read(parent) == ["EXECUTE"]
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    assert read(children[0]) == ["EXECUTE", "PREPARE", "EXECUTE"]  # the first EXECUTE failed: no such statement
    connection.close()
    assert read(children[1]) == ["PREPARE", "EXECUTE"]
    with transaction.atomic():
        assert read(children[0]) == ["SELECT"]
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    assert read(children[0]) == ["SELECT"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements of PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_prepared_statement_made_stale_by_a_migration_is_prepared_again(monkeypatch):
    """A deploy migrates while the web processes keep their connections: a table a prepared statement reads gains
    a column, PostgreSQL refuses the old plan ("cached plan must not change result type"), and the statement is
    prepared again instead of answering 500 until the connection is replaced."""
    from django.test.utils import CaptureQueriesContext

    from config.prepared import execute

    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 600)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE zc_prepared_probe (a integer)")
        cursor.execute("INSERT INTO zc_prepared_probe VALUES (1), (2)")
    try:
        def run():
            with CaptureQueriesContext(connection) as done, connection.cursor() as cursor:
                execute(connection, cursor, "SELECT * FROM zc_prepared_probe WHERE a = %s", [2])
                rows = cursor.fetchall()
            return rows, [query["sql"].split()[0] for query in done.captured_queries]

        assert run() == ([(2,)], ["PREPARE", "EXECUTE"])
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE zc_prepared_probe ADD COLUMN b integer DEFAULT 7")
        assert run() == ([(2, 7)], ["EXECUTE", "DEALLOCATE", "PREPARE", "EXECUTE"])
        assert run() == ([(2, 7)], ["EXECUTE"])
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE zc_prepared_probe")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements of PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_literal_arrays_are_written_into_the_text_one_statement_per_list_and_only_so_many_kept(monkeypatch):
    """``literal_arrays`` (the queue's employers): the list is in the statement's text, the rows those of the
    queryset; each list its own statement, the least recently used deallocated past the bound; anything but
    integers refused."""
    from django.db.models import F, Q
    from django.test.utils import CaptureQueriesContext

    from config import prepared as module
    from config.lookups import AnyOf

    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 600)
    monkeypatch.setattr(module, "MAX_LITERAL_STATEMENTS", 2)
    parent = OrganisationFactory(name="上级")
    children = [OrganisationFactory(name=f"下级{i}", parent=parent) for i in range(3)]

    def build(ids, parent_id):
        return Organisation.objects.filter(Q(AnyOf(F("pk"), ids)), parent_id=parent_id).order_by("name").values("name")

    literal = PreparedValues(build, literal_arrays=True)

    def read(ids):
        with CaptureQueriesContext(connection) as done:
            rows = literal.rows(ids, parent.pk)
        assert rows == list(build(ids, parent.pk))
        return [query["sql"] for query in done.captured_queries]

    def held() -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return {row[0] for row in cursor.fetchall()}

    lists = [[children[0].pk, children[1].pk], [children[2].pk, parent.pk], [c.pk for c in children]]
    first = read(lists[0])
    assert [sql.split()[0] for sql in first] == ["PREPARE", "EXECUTE"]
    text = [module.literal_array(ids) for ids in lists]
    assert f"{text[0]}::bigint[]" in first[0] and f"({parent.pk})" in first[1]
    assert [sql.split()[0] for sql in read(lists[0])] == ["EXECUTE"]
    read(lists[1])
    read(lists[0])  # the first list used again: now the second is the least recently used
    third = read(lists[2])
    assert [sql.split()[0] for sql in third] == ["DEALLOCATE", "PREPARE", "EXECUTE"]
    statements = " ".join(held())
    assert text[0] in statements and text[1] not in statements and text[2] in statements
    with pytest.raises(TypeError):
        module.literal_array([1, "2); DROP TABLE accounts_user; --"])


def _probe(rows=(1, 2)):
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE zc_prepared_probe (a integer)")
        cursor.execute(f"INSERT INTO zc_prepared_probe VALUES {', '.join(f'({a})' for a in rows)}")


def _drop_probe():
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS zc_prepared_probe")
        cursor.execute("DROP TABLE IF EXISTS zc_prepared_written")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements of PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_inside_a_retrying_transaction_a_prepared_query_is_a_server_side_statement(monkeypatch):
    """``retrying_stale``: the work's transaction runs its prepared queries as prepared statements (PREPARE once
    per connection, then EXECUTE); the same work inside an outer transaction runs them as they are."""
    from django.db import transaction
    from django.test.utils import CaptureQueriesContext

    from config.prepared import retrying_stale

    parent = OrganisationFactory(name="上级")
    prepared = PreparedValues(lambda pk: Organisation.objects.filter(pk=pk).values("name"))
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 600)

    def work():
        with transaction.atomic():
            return prepared.rows(parent.pk)

    def run():
        with CaptureQueriesContext(connection) as done:
            assert retrying_stale(work) == [{"name": "上级"}]
        return [query["sql"].split()[0] for query in done.captured_queries
                if query["sql"].split()[0] not in ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")]

    assert run() == ["PREPARE", "EXECUTE"]
    assert run() == ["EXECUTE"]
    with transaction.atomic():
        assert run() == ["SELECT"]
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    assert run() == ["SELECT"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements of PostgreSQL")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("made_stale", ["column added", "deallocated"])
def test_a_stale_statement_inside_a_retrying_transaction_runs_the_work_again(monkeypatch, made_stale):
    """A migration changed what a prepared statement returns (or the session's statements are gone) while the
    connection is kept: inside the transaction the failed EXECUTE aborted it, so everything the work wrote is rolled
    back, the statement deallocated, and the work runs once more with plain statements: its writes made once.
    Then the statement is prepared anew. A failure of another kind is not retried."""
    from django.db import transaction
    from django.test.utils import CaptureQueriesContext

    from config.prepared import execute, retrying_stale

    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 600)
    _probe()
    calls = []
    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE zc_prepared_written (n integer)")

        def work(fail=False):
            calls.append(1)
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("INSERT INTO zc_prepared_written VALUES (1)")  # rolled back with the failed try
                execute(connection, cursor, "SELECT * FROM zc_prepared_probe WHERE a = %s", [2])
                rows = cursor.fetchall()
                if fail:
                    cursor.execute("SELECT 1 / 0")
            return rows

        def run(**kwargs):
            calls.clear()
            with CaptureQueriesContext(connection) as done:
                rows = retrying_stale(work, **kwargs)
            return rows, len(calls), [query["sql"].split()[0] for query in done.captured_queries
                                      if "zc_prepared_written" not in query["sql"]
                                      and query["sql"] not in ("BEGIN", "COMMIT", "ROLLBACK")]

        assert run() == ([(2,)], 1, ["PREPARE", "EXECUTE"])
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE zc_prepared_probe ADD COLUMN b integer DEFAULT 7" if made_stale == "column added"
                           else "DEALLOCATE ALL")
        expected = [(2, 7)] if made_stale == "column added" else [(2,)]
        assert run() == (expected, 2, ["EXECUTE", "DEALLOCATE", "SELECT"])  # the second try: a plain SELECT
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM zc_prepared_written")
            assert cursor.fetchone()[0] == 2  # the first run's row and the retried run's, not the failed try's
        assert run() == (expected, 1, ["PREPARE", "EXECUTE"])
        assert run() == (expected, 1, ["EXECUTE"])
        with pytest.raises(Exception, match="division by zero"):
            run(fail=True)
        assert len(calls) == 1
    finally:
        _drop_probe()


def test_a_constant_is_written_into_the_statements_text_and_nothing_else_is():
    """``Constant``: the next step's handlers are read by role with the role in the SQL's text, not a parameter (so
    that PostgreSQL keeps one plan per role instead of planning each execution), and the rows are those of the
    plain ``role__in``; a value that is not a code of the program's own is refused before any SQL is written."""
    from accounts.models import Role, RoleMembership
    from config.lookups import Constant
    from config.prepared import PreparedObjects
    from declarations.services import _members
    from tests.factories import user_with_role

    unit = OrganisationFactory(name="单位")
    handler = user_with_role(Role.EMPLOYER_HANDLER, unit)
    user_with_role(Role.EMPLOYER_ADMIN, unit)
    user_with_role(Role.EMPLOYER_HANDLER, OrganisationFactory(name="别的单位"))

    prepared = PreparedObjects(_members)
    found = prepared.objects(unit.pk, shape=(Role.EMPLOYER_HANDLER,))
    assert [m.user for m in found] == [handler]
    assert found == list(RoleMembership.objects.filter(organisation=unit, role__in=[Role.EMPLOYER_HANDLER]))
    compiled = prepared._compiled_for((False,), (Role.EMPLOYER_HANDLER,))
    assert f"'{Role.EMPLOYER_HANDLER.value}'" in compiled.sql
    assert Role.EMPLOYER_HANDLER.value not in compiled.params
    for unsafe in ("x' OR '1'='1", "角色", "", 3):
        with pytest.raises(ValueError, match="code constant"):
            Constant(unsafe)


# --- the EXECUTE of a prepared statement over the extended protocol (``_executed``) ------------------------------

_TYPED = ("SELECT %s::bigint, %s::text, %s::date, %s::timestamptz, %s::numeric, %s::bigint[], %s::text[], "
          "%s::boolean, %s::jsonb, %s::text, %s::interval, %s::bytea")


def _awkward_values():
    from datetime import date, datetime, timedelta, timezone
    from decimal import Decimal

    from psycopg.types.json import Jsonb

    return [2 ** 40, "引号 ' 反斜杠 \\ %s $1 ;\n换行", date(2026, 2, 28),
            datetime(2026, 12, 8, 1, 2, 3, 456789, tzinfo=timezone(timedelta(hours=8))), Decimal("-12.3400"),
            [1, 2, 3], ["甲", 'b"c', "", None], False, Jsonb({"名": ["值", 1, None, {"x": "'\\"}]}), None,
            timedelta(days=2, seconds=5), b"\x00\xff'"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements of PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_over_the_protocol_each_kind_of_value_comes_back_as_the_plain_statement_gives_it(monkeypatch):
    """The parameters go apart from the statement, as text read with the prepared statement's own types: each kind
    of value a statement is given (quotes, backslashes, ``%s`` and ``$1`` in text, dates, times with their zone,
    numbers, arrays with NULL, JSON, NULL, intervals, bytes) comes back as the same statement run plainly gives it;
    through the protocol, not as an ``EXECUTE`` text, whether or not the queries are logged."""
    from django.test.utils import CaptureQueriesContext

    from config import prepared

    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 600)
    values = _awkward_values()
    with connection.cursor() as cursor:
        cursor.execute(_TYPED, values)
        plain = cursor.fetchall()
    bound = []
    monkeypatch.setattr(prepared, "_executed", lambda *args, _real=prepared._executed: bound.append(1) or _real(*args))
    for _ in range(2):  # PREPARE, then the statement alone
        with connection.cursor() as cursor:
            prepared.execute(connection, cursor, _TYPED, values)
            assert cursor.fetchall() == plain
    with CaptureQueriesContext(connection) as done, connection.cursor() as cursor:
        prepared.execute(connection, cursor, _TYPED, values)
        assert cursor.fetchall() == plain
    assert len(bound) == 3
    assert [query["sql"].split("(")[0] for query in done.captured_queries] == [
        f"EXECUTE {prepared._statement(_TYPED, len(values))[0]}"]
    assert "'引号 '' 反斜杠" in done.captured_queries[0]["sql"]  # logged as the EXECUTE that would have sent it


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements of PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_statements_sent_together_over_the_protocol_answer_as_sent_in_one_text_and_fail_as_one(monkeypatch):
    """``execute_together`` inside a retrying transaction, each statement prepared before: one pipeline, each
    statement's rows (None for one that answers none) as the text of several statements gave them; a statement
    that fails raises its own error (the ones after it not run), the transaction rolls back whole and the
    connection serves the next one."""
    from django.db import DatabaseError, transaction

    from config import prepared

    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 600)
    _probe()
    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE zc_prepared_written (n integer)")
        statements = [("INSERT INTO zc_prepared_written VALUES (%s)", [5], True),
                      ("SELECT a, %s::text FROM zc_prepared_probe WHERE a >= %s ORDER BY a", ["乙", 1], True),
                      (_TYPED, _awkward_values(), True),
                      ("SELECT count(*) FROM zc_prepared_written", [], True),
                      ("SELECT a FROM zc_prepared_probe WHERE a < %s", [0], True)]  # rows, none of them

        def work(given):
            with transaction.atomic(), connection.cursor() as cursor:
                return prepared.execute_together(connection, cursor, given)

        first = prepared.retrying_stale(work, statements)  # PREPAREs sent in the text
        bound = []
        monkeypatch.setattr(prepared, "_executed",
                            lambda *args, _real=prepared._executed, **kw: bound.append(len(args[2])) or _real(*args, **kw))
        second = prepared.retrying_stale(work, statements)
        assert bound == [5]
        assert first[:3] == second[:3] and first[0] is None and second[1] == [(1, "乙"), (2, "乙")]
        assert (first[3], second[3]) == ([(1,)], [(2,)]) and first[4] == second[4] == []

        failing = [statements[0], ("SELECT 1 / %s", [0], True), statements[3]]
        prepared.retrying_stale(work, [failing[0], ("SELECT 1 / %s", [1], True), failing[2]])  # its PREPARE in the text
        with pytest.raises(DatabaseError, match="division by zero"):
            prepared.retrying_stale(work, failing)
        assert bound == [5, 3]
        assert prepared.retrying_stale(work, statements[3:]) == [[(3,)], []]  # the failed one's INSERT rolled back
    finally:
        _drop_probe()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements of PostgreSQL")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("together", [False, True], ids=["one statement", "a pipeline"])
def test_a_connection_lost_before_a_prepared_statement_is_an_operational_error_and_the_next_one_serves(
        monkeypatch, together):
    """The server ends the session (a restart, an administrator) while the connection is kept: the next prepared
    statement over the extended protocol, alone or in a pipeline, fails as Django's ``OperationalError`` (what the
    site answers 503 for) without hanging, the connection is found unusable and replaced, and the statements are
    prepared again on the new one."""
    import psycopg
    from django.db import OperationalError, transaction

    from config import prepared

    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 600)
    statements = [("SELECT %s::int + 1", [1], True), ("SELECT %s::text || '!'", ["好"], True)]

    def work():
        with transaction.atomic(), connection.cursor() as cursor:
            if together:
                return prepared.execute_together(connection, cursor, statements)
            prepared.execute(connection, cursor, *statements[0][:2])
            return cursor.fetchall()

    expected = [[(2,)], [("好!",)]] if together else [(2,)]
    assert prepared.retrying_stale(work) == expected  # prepared
    assert prepared.retrying_stale(work) == expected  # over the protocol
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    params = {k: v for k, v in connection.get_connection_params().items()
              if k in ("dbname", "user", "host", "port", "password")}
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    bound = []
    monkeypatch.setattr(prepared, "_executed",
                        lambda *args, _real=prepared._executed, **kw: bound.append(1) or _real(*args, **kw))
    with pytest.raises(OperationalError):
        prepared.retrying_stale(work)
    assert bound == [1]  # it failed over the protocol
    connection.close_if_unusable_or_obsolete()
    assert prepared.retrying_stale(work) == expected
    assert prepared.retrying_stale(work) == expected


class _Refused(Exception):
    pass


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements of PostgreSQL")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("together", [False, True], ids=["alone", "together"])
def test_a_transaction_begins_in_the_round_trip_of_its_first_prepared_statement(monkeypatch, together):
    """psycopg sends a transaction's ``BEGIN`` as a round trip of its own before the first statement; over the
    protocol it goes in the statement's own round trip (``_begin_with``): psycopg is asked for the ``COMMIT`` alone.
    The statements run inside that transaction: what they write is there once it commits, gone when it rolls back."""
    from django.db import DatabaseError, transaction
    from psycopg.pq import TransactionStatus

    from config import prepared

    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 600)
    _probe()
    statements = [("INSERT INTO zc_prepared_probe VALUES (%s) RETURNING a", [7], True),
                  ("SELECT count(*) FROM zc_prepared_probe", [], True)]

    def work(refuse=False):
        with transaction.atomic(), connection.cursor() as cursor:
            if together:
                rows = prepared.execute_together(connection, cursor, statements)
            else:
                prepared.execute(connection, cursor, *statements[0][:2])
                rows = cursor.fetchall()
            status = cursor.cursor.connection.info.transaction_status
            if refuse:
                raise _Refused
            return rows, status

    def count():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM zc_prepared_probe")
            return cursor.fetchone()[0]

    try:
        prepared.retrying_stale(work)  # prepared (the PREPARE in the text)
        sent = []
        psycopg_connection = type(connection.connection)
        real = psycopg_connection._exec_command
        monkeypatch.setattr(psycopg_connection, "_exec_command",
                            lambda self, command, *args, **kw: sent.append(bytes(command)) or real(self, command,
                                                                                                   *args, **kw))
        rows, status = prepared.retrying_stale(work)
        assert status == TransactionStatus.INTRANS
        assert rows == ([[(7,)], [(4,)]] if together else [(7,)])
        assert sent == [b"COMMIT"]
        with pytest.raises(_Refused):
            prepared.retrying_stale(work, refuse=True)
        assert sent == [b"COMMIT", b"ROLLBACK"] and count() == 4

        def divide(by):
            with transaction.atomic(), connection.cursor() as cursor:
                if together:
                    return prepared.execute_together(connection, cursor, [("SELECT 1 / %s", [by], True)])[0]
                prepared.execute(connection, cursor, "SELECT 1 / %s", [by])
                return cursor.fetchall()

        assert prepared.retrying_stale(divide, 1) == [(1,)]  # prepared: its PREPARE in the text, after psycopg's BEGIN
        sent.clear()
        assert prepared.retrying_stale(divide, 1) == [(1,)]  # over the protocol
        with pytest.raises(DatabaseError, match="division by zero"):  # in the round trip that began its transaction
            prepared.retrying_stale(divide, 0)
        assert prepared.retrying_stale(work)[0] == ([[(7,)], [(5,)]] if together else [(7,)]) and count() == 5
        assert sent == [b"COMMIT", b"ROLLBACK", b"COMMIT"]  # each began in its first statement's round trip
    finally:
        _drop_probe()
