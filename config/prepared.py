"""Querysets of hot pages compiled to SQL once per process, then run again with other values.

Django compiles a queryset to SQL on every evaluation: for the plan page's plan with its bureau, committee
and series that is about 0.5–1 ms of CPU, several times what PostgreSQL takes to answer it (README.md, 速度).
``PreparedValues`` builds the queryset once with marker values in place of its arguments, keeps the SQL, the
positions of the markers among the parameters and the column converters, and then only substitutes the
arguments and runs the SQL: the rows are the dicts ``QuerySet.values()`` gives.

``PreparedObjects`` does the same for a queryset of model instances (its ``select_related`` objects and its
``select_for_update`` kept): the locked declaration that every action reads.

Rules for a ``build`` function: it returns a ``.values(...)`` queryset (``PreparedValues``) or a queryset of
instances without annotations (``PreparedObjects``); every argument (a number or a date; text where its
position is in ``text_args``) appears in the SQL as a parameter exactly as given (``filter(pk=arg)``,
``filter(plan_id__in=args)``), never inlined (slices are inlined: name the page in ``shape``); whatever else
changes the SQL's text goes into ``shape``. A list of ids may be one argument (a ``list``, used as ``config.lookups.AnyOf(F(column), argument)``: one array
parameter on PostgreSQL, whatever its length; elsewhere such a call builds its queryset each time). With
``literal_arrays`` such a list is written into the statement's text instead (``'{1,2,3}'::bigint[]``, numbers
only): one statement per distinct list, which PostgreSQL plans once with the values known and keeps (a generic
plan, the values hashed), where an array parameter of the bureau's 209 employers made it plan every execution
anew (it finds a plan for unknown values too costly to keep) — for a few lists asked again and again (the
reviewers' scopes), at most ``MAX_LITERAL_STATEMENTS`` of them kept per connection.

Outside a transaction, on a kept PostgreSQL connection (``CONN_MAX_AGE`` not 0), the SQL runs as a server-side
prepared statement of that connection (``execute``: ``PREPARE`` on its first use, then only executed, over the
extended protocol with its parameters apart from it: ``_executed``), so PostgreSQL neither parses nor plans it again
either. Inside a transaction it runs as it is (a stale statement's
failed ``EXECUTE`` would abort the transaction), unless the transaction was opened by ``retrying_stale``, which
runs its work once more, without prepared statements, when that happens (the transitions: ``take_action``);
with ``DB_CONN_MAX_AGE=0`` (behind PgBouncer in transaction mode, which keeps no session's prepared statements)
it always runs as it is.
"""

import functools
import hashlib
import itertools
import re
import threading
import time
from collections import OrderedDict
from datetime import date
from types import SimpleNamespace

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, router
from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.query import RelatedPopulator
from django.db.models.signals import post_init, pre_init
from django.utils.connection import ConnectionProxy

try:  # PostgreSQL through psycopg 3 (the project's driver); without it every statement goes through cursor.execute
    import psycopg
    from psycopg import generators as _pg_generators
    from psycopg.adapt import PyFormat
    from psycopg.pq import ExecStatus, TransactionStatus

    _ROWS = frozenset({ExecStatus.TUPLES_OK, ExecStatus.SINGLE_TUPLE, ExecStatus.TUPLES_CHUNK})
except ImportError:  # pragma: no cover
    psycopg = None

# integers no row has as a key: the ORM keeps them as they are, so they can be found among the parameters
_MARKER_BASE = -7_310_000_000_000


def marker_slots(params, markers: dict) -> tuple:
    """Where each marker value (``markers``: value → the name of the argument it stands for) stands among a
    compiled query's ``params``: per parameter the argument's name, or None for a value of the query's own.
    Every marker must be a parameter (an inlined one could not be replaced): else ValueError."""
    slots = tuple(markers.get(_marker_of(param)) for param in params)
    missing = set(markers.values()) - set(slots)
    if missing:
        raise ValueError(f"prepared query: arguments {sorted(map(str, missing))} are not parameters of its SQL")
    return slots


def _marker_of(param):
    """The value a parameter would be as a marker: itself (a number or a date) or, for an array parameter
    of one value (a list argument stands in as ``[marker]``), that value: the whole array is bound."""
    if isinstance(param, list) and len(param) == 1:
        param = param[0]
    return param if isinstance(param, int | date | str) else None


def bind(params, slots, values) -> list:
    """The compiled ``params`` with each marker's slot replaced by this call's value (``values[name]``)."""
    return [param if slot is None else values[slot] for param, slot in zip(params, slots, strict=True)]


def literal_array(values) -> str:
    """A list of numbers as a PostgreSQL array literal (``'{1,2,3}'``) for the text of a statement; anything but
    integers is refused (nothing else is ever written into a statement's text)."""
    if not all(type(value) is int for value in values):
        raise TypeError("prepared query: only lists of integers are written into a statement's text")
    return "'{" + ",".join(map(str, values)) + "}'"


def inlined(pieces: tuple[str, ...], params, literal: tuple[bool, ...]) -> tuple[str, list]:
    """The statement whose text, split at its parameters, is ``pieces``, with the parameters marked in ``literal``
    written into the text as array literals: (its SQL, the parameters left)."""
    sql, left, written = [pieces[0]], [], {}  # a list used several times (the counts' four) written once
    for param, is_literal, piece in zip(params, literal, pieces[1:], strict=True):
        if is_literal:
            text = written.get(id(param))
            if text is None:
                text = written[id(param)] = literal_array(param)
            sql.append(text)
        else:
            sql.append("%s")
            left.append(param)
        sql.append(piece)
    return "".join(sql), left


def _pieces(sql: str) -> tuple[str, ...]:
    """``sql`` split at its ``%s`` (``%%`` kept as it is)."""
    pieces, start = [], 0
    for found in re.finditer(r"%%|%s", sql):
        if found.group() == "%s":
            pieces.append(sql[start:found.start()])
            start = found.end()
    return (*pieces, sql[start:])


MAX_LITERAL_STATEMENTS = 64  # per connection: statements with a list in their text (one per reviewer's scope)


def default_db():
    """The default database's connection itself. ``django.db.connection`` is a proxy that looks the connection up
    again (through asgiref's ``Local``) at every attribute read: ≈ 1 µs each, about 60 times in a submit, where
    the statements' own code and the fields' ``get_db_prep_save`` read the connection's attributes."""
    return connections[DEFAULT_DB_ALIAS]


def _itself(db):
    """The connection ``db`` stands for (``default_db``'s reason): the proxy's own, or ``db`` as it is."""
    return connections[db._alias] if type(db) is ConnectionProxy else db


def execute(db, cursor, sql: str, params, *, literal: bool = False) -> None:
    """``cursor.execute(sql, params)``, as a server-side prepared statement of the connection ``db`` when it is
    PostgreSQL, kept (``CONN_MAX_AGE`` not 0) and outside a transaction or inside one opened by ``retrying_stale``:
    prepared on its first use in the connection's session, then only executed. A statement gone with the
    session's state (a pooler's reset, ``DEALLOCATE``) or made stale by a migration that changed what it returns
    (a deploy while web processes keep their connections) is prepared again; inside a transaction its failed
    ``EXECUTE`` has aborted the transaction: ``StaleStatement``, and ``retrying_stale`` runs the work again.
    ``literal``: the text holds a list (``inlined``): the least recently used of such statements beyond
    ``MAX_LITERAL_STATEMENTS`` is deallocated, so that many lists do not pile up plans in the session."""
    db = _itself(db)
    if not _kept_postgresql(db) or db.in_atomic_block and not _retrying(db):
        cursor.execute(sql, params)
        return
    if db.in_atomic_block:
        _execute_in_transaction(db, cursor, sql, params, literal=literal)
        return
    name, prepare, run = _statement(sql, len(params))
    prepared, literals = _prepared_on(db)
    if literal:
        literals[name] = None
        literals.move_to_end(name)
    if name not in prepared:
        if len(literals) > MAX_LITERAL_STATEMENTS:
            oldest, _ = literals.popitem(last=False)
            if oldest in prepared:
                cursor.execute(f"DEALLOCATE {oldest}")
                prepared.discard(oldest)
        _prepare(cursor, prepare)
        prepared.add(name)
    try:
        _run_prepared(db, cursor, name, run, params)
    except DatabaseError as error:
        state = getattr(error.__cause__, "sqlstate", None)
        if state == "0A000":  # "cached plan must not change result type": a migration changed a table it reads
            cursor.execute(f"DEALLOCATE {name}")
        elif state != "26000":  # invalid_sql_statement_name: gone with a pooler's reset or DEALLOCATE
            raise
        _prepare(cursor, prepare)
        _run_prepared(db, cursor, name, run, params)


def _kept_postgresql(db) -> bool:
    """PostgreSQL on a kept connection (``CONN_MAX_AGE`` not 0): its session keeps prepared statements."""
    return db.vendor == "postgresql" and db.settings_dict["CONN_MAX_AGE"] != 0


def _retrying(db) -> bool:
    """Inside a transaction opened by ``retrying_stale``, which runs the work again when a statement is stale."""
    return getattr(db, "_zc_retrying", None) is not None


def _stale(db, names, error) -> "StaleStatement":
    """The prepared statements ``names`` refused inside ``retrying_stale``'s transaction for a reason that preparing
    them again mends: forgotten here, noted for deallocation after the rollback; re-raises any other error."""
    if getattr(error.__cause__, "sqlstate", None) not in _STALE_STATES:
        raise error
    prepared, _ = _prepared_on(db)
    prepared.difference_update(names)
    db._zc_retrying.update(names)
    return StaleStatement(names[0])


class StaleStatement(Exception):
    """A prepared statement refused inside a transaction opened by ``retrying_stale``: gone, already there under
    its name unknown to us, or stale (its plan's result changed); the transaction is aborted. Not a
    ``DatabaseError``, so that no ``except DatabaseError`` on the way swallows it."""


# what makes a prepared statement fail that preparing it again mends: cached plan must not change result type,
# invalid_sql_statement_name (gone), duplicate_prepared_statement (there, but not known to this process)
_STALE_STATES = {"0A000", "26000", "42P05"}


def _execute_in_transaction(db, cursor, sql, params, *, literal: bool) -> None:
    """``execute`` inside a transaction of ``retrying_stale``: as outside, but a failure that preparing again
    would mend cannot be mended here (the transaction is aborted): the name is noted for ``retrying_stale``,
    which deallocates it after the rollback, and ``StaleStatement`` raised. No list is written into the text
    (``literal``): those statements are deallocated by count, which an aborted transaction could not do."""
    if literal:
        cursor.execute(sql, params)
        return
    name, prepare, run = _statement(sql, len(params))
    prepared, _ = _prepared_on(db)
    try:
        if name not in prepared:
            cursor.execute(prepare)
            prepared.add(name)
        _run_prepared(db, cursor, name, run, params)
    except DatabaseError as error:
        raise _stale(db, [name], error) from error


def execute_together(db, cursor, statements) -> list[list | None]:
    """Several statements sent as one query (one round trip; each statement takes its own snapshot), given as
    ``(sql, params, prepare)``: each one's rows (None for a statement that answers none). Inside a transaction opened by
    ``retrying_stale`` (where ``execute`` prepares too) those marked ``prepare`` run as server-side prepared
    statements: their ``PREPARE`` sent ahead in the same query on first use, then ``EXECUTE``, so PostgreSQL
    neither parses nor plans them again; a failure that preparing again would mend is ``StaleStatement`` (each of
    the query's prepared statements is deallocated after the rollback, and the work runs again without them).
    Elsewhere the statements are sent as they are."""
    db = _itself(db)
    preparing = _kept_postgresql(db) and db.in_atomic_block and _retrying(db)
    prepared = _prepared_on(db)[0] if preparing else set()
    if preparing and _bound(db, cursor) and all(prepare for _, _, prepare in statements):
        names = [_statement(sql, len(args))[0] for sql, args, _ in statements]
        if prepared.issuperset(names):  # each prepared before: no PREPARE to send
            try:
                return _executed(db, cursor, [(name, args) for name, (_, args, _) in zip(names, statements,
                                                                                         strict=True)], answers=True)
            except DatabaseError as error:
                raise _stale(db, names, error) from error
    texts, params, names = [], [], []
    for sql, args, prepare in statements:
        if preparing and prepare:
            name, prepare_sql, run = _statement(sql, len(args))
            if name not in prepared:
                texts.append(prepare_sql.replace("%", "%%"))  # sent with parameters: its own % escaped
            texts.append(run)
            names.append(name)
        else:
            texts.append(sql)
        params.extend(args)
    try:
        cursor.execute(";\n".join(texts), params)
    except DatabaseError as error:
        if not names:
            raise
        raise _stale(db, names, error) from error
    prepared.update(names)
    answers = []
    for i, text in enumerate(texts):
        if i:
            cursor.nextset()
        if not text.startswith("PREPARE "):
            answers.append(cursor.fetchall() if cursor.description is not None else None)
    return answers


def _bound(db, cursor) -> bool:
    """Whether a prepared statement's ``EXECUTE`` may go over the extended protocol (``_executed``): psycopg 3, and
    no execute wrapper (``connection.execute_wrapper``), which sees statements only through ``cursor.execute``."""
    return (psycopg is not None and not db.execute_wrappers
            and isinstance(getattr(cursor, "cursor", None), psycopg.Cursor))


def _run_prepared(db, cursor, name: str, run: str, params) -> None:
    """The prepared statement ``name`` run with ``params``, its rows left on ``cursor``: over the extended protocol
    where ``_bound``, else as the SQL ``run`` (``EXECUTE name(…)`` with the parameters as literals)."""
    if _bound(db, cursor):
        _executed(db, cursor, [(name, params)])
    else:
        cursor.execute(run, params)


def _executed(db, cursor, calls, *, answers: bool = False) -> list[list | None] | None:
    """Each prepared statement of ``calls`` (``(name, params)``) run over the extended protocol, in one round trip
    (a pipeline when there are several): its parameters sent as text apart from the statement, which PostgreSQL
    reads with the statement's own types, where ``EXECUTE name('…', …)`` made psycopg quote every value into the
    statement's text and PostgreSQL parse that text and coerce each literal (≈ 9 % of its time in a submit, the
    quoting ≈ 8 % of the worker's: README.md, 速度). ``answers``: each statement's rows (None where it answers none);
    else (one statement) its rows are left on ``cursor`` for its ``fetchone``/``fetchall``. An error is raised as
    ``cursor.execute`` raises it (Django's ``DatabaseError``, from the first statement that failed)."""
    raw = cursor.cursor
    db.validate_no_broken_transaction()
    started = time.monotonic() if db.queries_logged else None
    with db.wrap_database_errors:
        try:
            with raw.connection.lock:
                results = raw.connection.wait(_executes_gen(raw, calls))
        finally:
            if started is not None:  # as Django's debug cursor logs a statement (a test counting them, DEBUG)
                _logged(db, raw, calls, time.monotonic() - started)
        for result in results:
            raw._check_results(result)
        if not answers:
            raw._set_results(results[0])
            return None
        rows = []
        for result in results:
            raw._set_results(result)
            rows.append(raw.fetchall() if _answers_rows(raw.pgresult) else None)
        return rows


def _answers_rows(result) -> bool:
    """Whether a statement's result holds rows, as psycopg's ``cursor.description is not None`` says, without making
    the description (a ``Column`` object per column, 27 in a submit's round trips)."""
    return result is not None and bool(result.nfields or result.status in _ROWS)


def _logged(db, raw, calls, duration: float) -> None:
    """The round trip in ``db.queries_log`` as one query, written as the SQL ``EXECUTE`` that would have sent it."""
    literal = psycopg.adapt.Transformer(raw).as_literal
    sql = ";\n".join(f"EXECUTE {name}({', '.join('NULL' if p is None else literal(p).decode() for p in params)})"
                      if params else f"EXECUTE {name}" for name, params in calls)
    db.queries_log.append({"sql": sql, "time": f"{duration:.3f}"})


def _executes_gen(raw, calls):
    """psycopg's generator of ``_executed``: each parameter dumped as text by the cursor's adapters (Django's among
    them), the statements sent (in pipeline mode when several, with one sync), their results read. A transaction is
    begun where psycopg would begin one (``_start_query``), but its ``BEGIN`` goes in the statements' own round trip
    (``_begin_with``), where psycopg sends it as a round trip of its own first."""
    begin = _begin_with(raw)
    if begin is None:
        yield from raw._start_query()
    else:  # the cursor's part of psycopg's ``_start_query``; the connection's part, the BEGIN, is sent below
        if raw.closed:
            raise psycopg.InterfaceError("the cursor is closed")
        raw._reset()
        raw._last_query, raw._tx = None, psycopg.adapt.Transformer(raw)
    pgconn, dump = raw._pgconn, raw._tx.dump_sequence
    if len(calls) == 1 and begin is None:
        name, params = calls[0]
        pgconn.send_query_prepared(name.encode(), dump(params, [PyFormat.TEXT] * len(params)))
        return [(yield from _pg_generators.execute(pgconn))]
    pgconn.enter_pipeline_mode()
    try:
        if begin is not None:
            pgconn.send_query_params(begin, None)
        for name, params in calls:
            pgconn.send_query_prepared(name.encode(), dump(params, [PyFormat.TEXT] * len(params)))
        pgconn.pipeline_sync()
        yield from _pg_generators.send(pgconn)
        began = (yield from _pg_generators.fetch_many(pgconn)) if begin is not None else None
        results = []
        for _ in calls:  # a statement after one that failed answers PIPELINE_ABORTED
            results.append((yield from _pg_generators.fetch_many(pgconn)))
        yield from _pg_generators.fetch_many(pgconn)  # the sync's own result
    except BaseException:
        pgconn.finish()  # results left unread in pipeline mode: this session cannot be used again
        raise
    pgconn.exit_pipeline_mode()
    if began is not None and began[0].status != ExecStatus.COMMAND_OK:
        raise psycopg.errors.error_from_result(began[0], encoding=raw._encoding)
    return results


def _begin_with(raw) -> bytes | None:
    """The ``BEGIN`` that psycopg would send before the cursor's next statement, as a round trip of its own (a
    connection not in autocommit, outside a transaction: Django's ``atomic`` starts one so): None when there is none
    to send. ``_executes_gen`` sends it in the statements' round trip: a transition's first statement, the locked
    read of its declaration, costs one round trip instead of two."""
    conn = raw._conn
    if conn._autocommit or conn._pipeline is not None or raw._pgconn.transaction_status != TransactionStatus.IDLE:
        return None
    return conn._get_tx_start_command()


def retrying_stale(work, *args, using: str = "default", **kwargs):
    """``work(*args, **kwargs)``, a function that opens its own transaction, with the prepared queries inside it
    run as server-side prepared statements too (``execute``): PostgreSQL neither parses nor plans them again.
    When one of them fails as ``StaleStatement`` (a migration changed a table it reads while the processes
    keep their connections, or the session's statements are gone) the transaction has rolled back: the
    statement is deallocated and ``work`` runs once more, its queries as plain statements, as any transaction
    runs them. Called inside a transaction (an outer service, a test) ``work`` just runs, unprepared: a
    failure could not be retried there."""
    db = connections[using]
    if db.in_atomic_block or _retrying(db):
        return work(*args, **kwargs)
    db._zc_retrying = stale = set()
    try:
        return work(*args, **kwargs)
    except Exception:
        if not stale or db.in_atomic_block:  # no stale statement seen (or not rolled back): a real failure
            raise
    finally:
        db._zc_retrying = None
    with db.cursor() as cursor:
        for name in stale:
            try:
                cursor.execute(f"DEALLOCATE {name}")
            except DatabaseError as error:
                if getattr(error.__cause__, "sqlstate", None) != "26000":  # already gone
                    raise
    return work(*args, **kwargs)


@functools.lru_cache(maxsize=1024)
def _statement(sql: str, n_params: int) -> tuple[str, str, str]:
    """The query as a server-side prepared statement: its name (from its text), ``PREPARE`` (its SQL with ``$1``,
    ``$2``, … for its parameters, in order) and ``EXECUTE`` (the same parameters, bound by psycopg)."""
    numbers = itertools.count(1)
    body = re.sub(r"%%|%s", lambda m: "%" if m.group() == "%%" else f"${next(numbers)}", sql)
    name = "zc_" + hashlib.sha256(sql.encode()).hexdigest()[:24]
    arguments = f"({', '.join(['%s'] * n_params)})" if n_params else ""  # no parentheses without parameters
    return name, f"PREPARE {name} AS {body}", f"EXECUTE {name}{arguments}"


def _prepared_on(db) -> tuple[set[str], OrderedDict]:
    """The names of the statements prepared on the connection's current database session, and of those with a
    list in their text, the least recently used first."""
    session = db.connection
    held = getattr(db, "_zc_prepared", None)
    if held is None or held[0] is not session:
        held = db._zc_prepared = (session, set(), OrderedDict())
    return held[1], held[2]


def _prepare(cursor, prepare: str) -> None:
    try:
        cursor.execute(prepare)
    except DatabaseError as error:
        if getattr(error.__cause__, "sqlstate", None) != "42P05":  # duplicate_prepared_statement: it is there
            raise


class _Prepared:
    """What both kinds share: compiled once per kind of arguments (list or not) and ``shape``, bound and run per
    call."""

    MAX_SHAPES = 64  # compiled shapes kept per query (e.g. one per page number asked for)

    def __init__(self, build, *, text_args: tuple[int, ...] = (), literal_arrays: bool = False):
        self._build = build
        self._text_args = text_args  # positions of arguments that are text (a text column's value)
        self._literal_arrays = literal_arrays  # lists written into the statement's text (module docstring)
        self._compiled: dict = {}
        self._lock = threading.Lock()

    def _compile(self, arrays: tuple[bool, ...], shape) -> SimpleNamespace:
        markers = [f"\x00prepared-{i}" if i in self._text_args else _MARKER_BASE - i for i in range(len(arrays))]
        queryset = self._build(*([m] if array else m for m, array in zip(markers, arrays, strict=True)), *shape)
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()  # also fills compiler.select, klass_info, annotation_col_map
        slots = marker_slots(params, {marker: i for i, marker in enumerate(markers)})
        literal = tuple(self._literal_arrays and slot is not None and arrays[slot] for slot in slots)
        return SimpleNamespace(queryset=queryset, compiler=compiler, sql=sql, params=tuple(params), slots=slots,
                               literal=literal if any(literal) else None, pieces=_pieces(sql) if any(literal) else None,
                               converters=compiler.get_converters([s[0] for s in compiler.select[:compiler.col_count]]))

    @staticmethod
    def _arrays(args) -> tuple[bool, ...] | None:
        """Which arguments are lists; None when one is and the database has no array parameters (an IN list
        elsewhere: SQL of its own length, so the call builds its queryset)."""
        arrays = tuple(isinstance(arg, list) for arg in args)
        return None if any(arrays) and connection.vendor != "postgresql" else arrays

    def _compiled_for(self, arrays, shape) -> SimpleNamespace:
        key = (arrays, tuple(shape))
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compile(arrays, tuple(shape))
            with self._lock:
                if len(self._compiled) >= self.MAX_SHAPES:
                    self._compiled.clear()
                self._compiled[key] = compiled
        return compiled

    def _run(self, arrays, args, shape) -> tuple[SimpleNamespace, str, list]:
        """(the compiled query, the database it ran on, its rows with Django's column converters applied)."""
        compiled = self._compiled_for(arrays, shape)
        model = compiled.queryset.model  # per call: a read replica for this request, or the primary
        alias = router.db_for_write(model) if compiled.queryset._for_write else router.db_for_read(model)
        sql, params = compiled.sql, bind(compiled.params, compiled.slots, args)
        if compiled.literal:
            sql, params = inlined(compiled.pieces, params, compiled.literal)
        with connections[alias].cursor() as cursor:
            execute(connections[alias], cursor, sql, params, literal=compiled.literal is not None)
            rows = cursor.fetchall()
        if compiled.converters:
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
        return compiled, alias, rows


class PreparedValues(_Prepared):
    """A ``.values(...)`` queryset: rows as the dicts ``QuerySet.values()`` gives."""

    def _compile(self, arrays, shape) -> SimpleNamespace:
        compiled = super()._compile(arrays, shape)
        query = compiled.queryset.query
        # the columns' names in the SQL's order, as ValuesIterable reads them: since Django 5.2 values() keeps
        # the order it was given, annotations among the fields (query.selected)
        compiled.names = (list(query.selected) if query.selected
                          else [*query.extra_select, *query.values_select, *query.annotation_select])
        return compiled

    def rows(self, *args, shape=()) -> list[dict]:
        arrays = self._arrays(args)
        if arrays is None:
            return list(self._build(*args, *shape))
        compiled, _, rows = self._run(arrays, args, shape)
        return [dict(zip(compiled.names, row, strict=True)) for row in rows]


class PreparedObjects(_Prepared):
    """A queryset of model instances, with its ``select_related`` objects and its ``select_for_update``
    (compile it inside the transaction, as Django requires): instances as ``ModelIterable`` makes them."""

    def _compile(self, arrays, shape) -> SimpleNamespace:
        compiled = super()._compile(arrays, shape)
        if compiled.compiler.annotation_col_map:
            raise ValueError("prepared objects: annotations are not supported")
        compiled.made = {}  # per database: what the rows' columns make (``_instances``), worked out on first use
        return compiled

    def objects(self, *args, shape=()) -> list:
        arrays = self._arrays(args)
        if arrays is None:
            return list(self._build(*args, *shape))
        compiled, alias, rows = self._run(arrays, args, shape)
        return self._instances(compiled, alias, rows)

    def pending(self, *args, shape=()) -> SimpleNamespace | None:
        """The query, not run, for the caller to send in a round trip with others (``execute_together``):
        ``sql`` and ``params`` (bound as ``objects`` binds them) and ``objects(rows)``, the instances ``objects``
        makes of its rows; None where ``objects`` would build a queryset (lists elsewhere than PostgreSQL) or
        writes a list into the statement's text."""
        arrays = self._arrays(args)
        if arrays is None:
            return None
        compiled = self._compiled_for(arrays, shape)
        if compiled.literal:
            return None
        model = compiled.queryset.model
        alias = router.db_for_write(model) if compiled.queryset._for_write else router.db_for_read(model)

        def objects(rows):
            if compiled.converters:
                rows = compiled.compiler.apply_converters(rows, compiled.converters)
            return self._instances(compiled, alias, rows)

        return SimpleNamespace(sql=compiled.sql, params=bind(compiled.params, compiled.slots, args), alias=alias,
                               objects=objects)

    @staticmethod
    def _instances(compiled, alias, rows) -> list:
        made = compiled.made
        if alias not in made:
            select, klass_info = compiled.compiler.select, compiled.compiler.klass_info
            start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
            made[alias] = (klass_info["model"], start, end,
                           [column[0].target.attname for column in select[start:end]],
                           _populators(klass_info, select, alias))
        model, start, end, names, populators = made[alias]
        found = []
        for row in rows:
            obj = loaded(model, alias, names, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            found.append(obj)
        return found


def loaded(model, db: str, names, values):
    """``model.from_db(db, names, values)``: an instance of a row read from ``db``, ``values`` the fields ``names``
    (attnames; the others deferred). Without ``Model.__init__`` when nothing hooks it (no ``pre_init``/``post_init``
    receiver, no ``__init__`` or ``from_db`` of the model's own): the instance's dict filled as ``__init__`` fills it,
    in a fifth of the time (a submit's locked read makes seven instances, a declaration's page six)."""
    if (model.__init__ is not Model.__init__ or model.from_db.__func__ is not Model.from_db.__func__
            or _heard(pre_init, model) or _heard(post_init, model)):
        return model.from_db(db, names, values)
    instance = model.__new__(model)
    state = instance._state = ModelState()
    state.adding, state.db = False, db
    instance.__dict__.update(zip(names, values, strict=True))
    return instance


def _heard(signal, model) -> bool:
    """``signal.has_listeners(model)``, answered at once when the signal has no receiver at all (as Django's own
    ``send`` checks first): no model of the site's is hooked, and the question was asked twice an instance."""
    return bool(signal.receivers) and signal.has_listeners(model)


class _Populator(RelatedPopulator):
    """Django's ``select_related`` populator, its instances made by ``loaded``."""

    def __init__(self, klass_info, select, db):
        super().__init__(klass_info, select, db)
        self.related_populators = _populators(klass_info, select, db)

    def populate(self, row, from_obj):
        values = self.reorder_for_init(row) if self.reorder_for_init else row[self.cols_start:self.cols_end]
        obj = None if values[self.pk_idx] is None else loaded(self.model_cls, self.db, self.init_list, values)
        if obj is not None:
            for populator in self.related_populators:
                populator.populate(row, obj)
        self.local_setter(from_obj, obj)
        if obj is not None:
            self.remote_setter(obj, from_obj)


def _populators(klass_info, select, db) -> list:
    """``django.db.models.query.get_related_populators``, of ``_Populator``."""
    return [_Populator(info, select, db) for info in klass_info.get("related_klass_infos", [])]
