"""Querysets of hot pages compiled to SQL once per process, then run again with other values.

Django compiles a queryset to SQL on every evaluation: for the plan page's plan with its bureau, committee
and series that is about 0.5–1 ms of CPU, several times what PostgreSQL takes to answer it (README.md, 速度).
``PreparedValues`` builds the queryset once with marker values in place of its arguments, keeps the SQL, the
positions of the markers among the parameters and the column converters, and then only substitutes the
arguments and runs the SQL: the rows are the dicts ``QuerySet.values()`` gives.

Rules for a ``build`` function: it returns a ``.values(...)`` queryset; every argument (a number or a date;
text where its position is in ``text_args``) appears in the SQL as a parameter exactly as given
(``filter(pk=arg)``, ``filter(plan_id__in=args)``), never inlined (slices are inlined: name the page in
``shape``); whatever else changes the SQL's text goes into ``shape``.
"""

import threading
from datetime import date

from django.db import connections, router

# integers no row has as a key: the ORM keeps them as they are, so they can be found among the parameters
_MARKER_BASE = -7_310_000_000_000


def marker_slots(params, markers: dict) -> tuple:
    """Where each marker value (``markers``: value → the name of the argument it stands for) stands among a
    compiled query's ``params``: per parameter the argument's name, or None for a value of the query's own.
    Every marker must be a parameter (an inlined one could not be replaced): else ValueError."""
    slots = tuple(markers.get(param) if isinstance(param, int | date | str) else None for param in params)
    missing = set(markers.values()) - set(slots)
    if missing:
        raise ValueError(f"prepared query: arguments {sorted(map(str, missing))} are not parameters of its SQL")
    return slots


def bind(params, slots, values) -> list:
    """The compiled ``params`` with each marker's slot replaced by this call's value (``values[name]``)."""
    return [param if slot is None else values[slot] for param, slot in zip(params, slots, strict=True)]


class PreparedValues:
    MAX_SHAPES = 64  # compiled shapes kept per query (e.g. one per page number asked for)

    def __init__(self, build, *, text_args: tuple[int, ...] = ()):
        self._build = build
        self._text_args = text_args  # positions of arguments that are text (a text column's value)
        self._compiled: dict = {}
        self._lock = threading.Lock()

    def _compile(self, n_args: int, shape):
        markers = [f"\x00prepared-{i}" if i in self._text_args else _MARKER_BASE - i for i in range(n_args)]
        queryset = self._build(*markers, *shape)
        query = queryset.query
        compiler = query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        slots = marker_slots(params, {marker: i for i, marker in enumerate(markers)})
        names = [*query.extra_select, *query.values_select, *query.annotation_select]
        fields = [s[0] for s in compiler.select[0:compiler.col_count]]
        converters = compiler.get_converters(fields)
        return queryset.model, sql, tuple(params), slots, names, compiler, converters

    def rows(self, *args, shape=()) -> list[dict]:
        key = (len(args), tuple(shape))
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compile(len(args), tuple(shape))
            with self._lock:
                if len(self._compiled) >= self.MAX_SHAPES:
                    self._compiled.clear()
                self._compiled[key] = compiled
        model, sql, params, slots, names, compiler, converters = compiled
        alias = router.db_for_read(model)  # per call: a read replica for this request, or the primary
        values = bind(params, slots, args)
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, values)
            rows = cursor.fetchall()
        if converters:
            rows = compiler.apply_converters(rows, converters)
        return [dict(zip(names, row, strict=True)) for row in rows]
