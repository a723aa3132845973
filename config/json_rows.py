"""Several lists read in one round trip, as arrays of JSON rows, with their SQL compiled once per process.

A page or an action that needs five short lists (a profile's education, titles …; a declaration's
versions, decisions …) pays five round trips and, on CPU, five ORM compilations, which cost more than
the queries themselves. ``JsonRows`` puts each list in an ``ARRAY(SELECT jsonb_build_object(…))`` of one
query (PostgreSQL), compiles that query once with stand-in values (``Marker``) and then only swaps
each call's values into its parameters. Rows come back as dicts, dates and times as ISO strings.

    rows = JsonRows(lambda m: (Profile.objects.filter(pk=m.profile),
                               {"education": (Education.objects.filter(profile_id=m.ref), {"degree": "degree"})}),
                    numbers=("profile",))
    rows.read(profile=42)  # {"education": [{"degree": …}, …]}

``build(m)`` receives the values by name (``m.<name>``: at compile time the stand-ins, passed at each
``read(<name>=value)``; ``numbers`` and ``dates`` name them) and ``m.ref``, the outer row's pk
(``OuterRef("pk")``, or the ``outer`` value when lists are read one by one), and returns the one-row
outer queryset and, per list, the rows (their order is kept) and the fields of each row (key → field
path). Elsewhere than PostgreSQL, ``read`` makes one query a list (same rows, same order).

``fields`` are columns of the outer row read in the same query, as ``values()`` gives them (Django's
converters applied): ``read`` returns them under ``"row"`` (None when there is no outer row: the lists are
then empty). Elsewhere than PostgreSQL the outer row is read first, and ``m.ref`` is its pk.

Outside a transaction, on a kept connection (``CONN_MAX_AGE`` not 0), the query runs as a server-side
prepared statement of that connection (``config.prepared.execute``: ``PREPARE`` on its first use, then
``EXECUTE``): PostgreSQL parses and plans a query of a dozen sub-selects once per connection instead of on
every call. Inside a transaction it runs as it is, unless the transaction is one of ``config.prepared.retrying_stale``
(the transitions' ``take_action``: run again without prepared statements when one was stale); with
``DB_CONN_MAX_AGE=0`` (behind PgBouncer in transaction mode, which does not keep a session's prepared statements)
always as it is.

``read(..., digest=True)`` also returns, under ``"digest"``, PostgreSQL's md5 of the whole row in its binary form
(``record_send``: every list and field, without the quoting of its text form), and ``digest(keep, ...)`` only that
digest with the lists named in ``keep``: a fingerprint of everything the lists hold, for HTML kept under it
(``config.fragments``) — the lists the page would show are built in PostgreSQL as before, but neither sent nor
parsed. Lists named in ``undigested`` are left out of it, and out of the digest's query: only lists of rows that
cannot change (PostgreSQL refuses their UPDATE and DELETE), whose ids another list holds, as large values (a
declaration's versions: their snapshots) cost the digest more than the rest of the lists together. Elsewhere than
PostgreSQL the digest is None.
"""

import functools
import re
from datetime import date, datetime
from types import SimpleNamespace

import orjson
from django.db import connection
from django.db.models import OuterRef

from .prepared import bind, default_db, execute, marker_slots

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def json_row(**fields):
    """``JSONObject(**fields)`` with its keys written into the SQL, not passed as parameters (they are names
    from the code, checked): psycopg quotes and places every parameter on each call and, for a text as long
    as a ``JsonRows`` query, parses it again each time; a list of 30 fields was 30 parameters of its own."""
    from django.db.models import TextField
    from django.db.models.expressions import RawSQL
    from django.db.models.functions import JSONObject

    for key in fields:
        if not _KEY.fullmatch(key):
            raise ValueError(f"JSON row key {key!r}: letters, digits and _ only")
    row = JSONObject(**fields)
    row.set_source_expressions([RawSQL(f"'{part.value}'", (), output_field=TextField()) if i % 2 == 0 else part
                                for i, part in enumerate(row.get_source_expressions())])
    return row


def _parsed(rows) -> list:
    """An array of JSON rows as PostgreSQL sends it (None when empty; psycopg may have parsed the rows already)."""
    return [orjson.loads(row) if isinstance(row, str) else row for row in (rows or [])]


def _iso(value):
    return value.isoformat() if isinstance(value, date | datetime) else value


class JsonRows:
    _MARKERS = (-7_000_001, -7_000_002, -7_000_003, -7_000_004, -7_000_005)  # stand-ins no real call passes

    def __init__(self, build, *, outer: str | None = None, numbers: tuple[str, ...] = (),
                 dates: tuple[str, ...] = (), fields: tuple[str, ...] = (), undigested: tuple[str, ...] = ()):
        if undigested and fields:
            raise ValueError("JsonRows: lists left out of the digest need a digest over lists only (no fields)")
        self._build, self._outer, self._numbers, self._dates, self._fields = build, outer, numbers, dates, fields
        self._undigested = undigested

    def _markers(self) -> dict[str, object]:
        markers = dict(zip(self._numbers, self._MARKERS, strict=False))
        markers.update({name: date(1901, 1, 1 + i) for i, name in enumerate(self._dates)})
        return markers

    @functools.cached_property
    def _compiled(self) -> tuple:
        from django.contrib.postgres.expressions import ArraySubquery

        markers = self._markers()
        outer, lists = self._build(SimpleNamespace(**markers, ref=OuterRef("pk")))
        arrays = {f"rows_{name}": ArraySubquery(rows.values(row=json_row(**fields)))
                  for name, (rows, fields) in lists.items()}
        query = outer.values(*self._fields, **arrays).query
        compiler = query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        slots = marker_slots(params, {value: name for name, value in markers.items()})
        converters = compiler.get_converters([s[0] for s in compiler.select[:len(self._fields)]])
        return sql, tuple(params), tuple(lists), slots, compiler, converters

    @functools.cached_property
    def _md5(self) -> str:
        """The digest of the outer row ``q``: its binary form, every list but the undigested ones."""
        if not self._undigested:
            return "md5(record_send(q))"
        names = [name for name in self._compiled[2] if name not in self._undigested]
        if len(names) + len(self._undigested) != len(self._compiled[2]):
            raise ValueError(f"JsonRows: undigested lists {self._undigested} are not all lists of the query")
        return "md5(record_send(ROW(" + ", ".join(f'q."rows_{name}"' for name in names) + ")))"

    @functools.cached_property
    def _digested(self) -> str:
        return f"SELECT q.*, {self._md5} FROM ({self._compiled[0]}) q"

    @functools.cache  # noqa: B019  (one per JsonRows and keep: the module's few)
    def _digest_only(self, keep: tuple[str, ...]) -> str:
        kept = "".join(f'q."rows_{name}", ' for name in keep)
        return f"SELECT {kept}{self._md5} FROM ({self._compiled[0]}) q"

    def digest(self, keep: tuple[str, ...], **values) -> dict:
        """The lists named in ``keep`` and, under ``"digest"``, the md5 of everything ``read`` would return (the
        outer row absent: no lists and None). Elsewhere than PostgreSQL: ``read``'s lists, and None."""
        db = default_db()
        if db.vendor != "postgresql":
            found = self._read_each(values)
            return {**{name: found[name] for name in keep}, "digest": None}
        params = bind(self._compiled[1], self._compiled[3], values)
        with db.cursor() as cursor:
            execute(db, cursor, self._digest_only(keep), params)
            found = cursor.fetchone()
        if found is None:
            return {**{name: [] for name in keep}, "digest": None}
        return {**{name: _parsed(rows) for name, rows in zip(keep, found[:-1], strict=True)}, "digest": found[-1]}

    def read(self, *, digest: bool = False, **values) -> dict:
        db = default_db()
        if db.vendor != "postgresql":
            return {**self._read_each(values), **({"digest": None} if digest else {})}
        sql, template, names, slots, compiler, converters = self._compiled
        params = bind(template, slots, values)
        with db.cursor() as cursor:
            execute(db, cursor, self._digested if digest else sql, params)  # prepared on a kept connection
            found = cursor.fetchone()
        digested = None
        if digest and found is not None:
            found, digested = found[:-1], found[-1]
        present = found is not None
        if not present:
            found = [None] * (len(self._fields) + len(names))
        elif converters:
            found = next(iter(compiler.apply_converters([found], converters)))
        own = len(self._fields)
        result = {name: _parsed(rows) for name, rows in zip(names, found[own:], strict=True)}
        if self._fields:
            result["row"] = dict(zip(self._fields, found[:own], strict=True)) if present else None
        if digest:
            result["digest"] = digested
        return result

    def _read_each(self, values) -> dict:
        """One query a list (and the outer row's first, when ``fields`` are read)."""
        row = ref = None
        if self._fields:
            outer, _ = self._build(SimpleNamespace(**values, ref=None))
            row = outer.values(*self._fields, "pk").first()
            if row is None:
                _, lists = self._build(SimpleNamespace(**values, ref=None))
                return {**{name: [] for name in lists}, "row": None}
            ref = row.pop("pk")
        else:
            ref = values[self._outer]
        _, lists = self._build(SimpleNamespace(**values, ref=ref))
        result = {name: [{key: _iso(r[path]) for key, path in fields.items()} for r in rows.values(*fields.values())]
                  for name, (rows, fields) in lists.items()}
        if self._fields:
            result["row"] = row
        return result

