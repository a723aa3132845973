"""``AnyOf``: a column compared with a list sent as one array parameter (``col = ANY(%s::bigint[])``);
``Constant``: a code constant written into the SQL's text.

Django's ``__in`` writes one placeholder per value: the bureau's review queue names its 200-odd
employers, ten times over in the capped counts, and psycopg then spends most of the page's CPU
splitting a query text of 3,000 placeholders (queries that long are not cached) and PostgreSQL
parses it again. PostgreSQL plans ``IN (a, b, …)`` as ``= ANY('{a,b,…}')`` anyway, so the plan (and
its use of the indexes) does not change. Use it as an expression: ``Q(AnyOf(F("employer_id"), ids))``.
Elsewhere (SQLite, the demo's default) it is the plain ``IN`` list.
"""

import re

from django.db.models import Expression, Lookup
from django.db.models.lookups import In


class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        field = self.lhs.output_field
        return "%s", [[field.get_db_prep_value(item, connection) for item in value]]

    def as_sql(self, compiler, connection):
        return In(self.lhs, list(self.rhs)).as_sql(compiler, connection)

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        array_type = self.lhs.output_field.cast_db_type(connection)
        return f"{lhs} = ANY({rhs}::{array_type}[])", [*lhs_params, *rhs_params]


class Constant(Expression):
    """A value of the code's own (a ``TextChoices`` member: letters, digits, underscores) written into the SQL's text
    instead of sent as a parameter: ``filter(role__in=[Constant(r) for r in roles])``. For statements PostgreSQL keeps
    prepared (``config.prepared``): with a parameter it plans for an unknown role, and when that generic plan looks
    costlier than one for the role at hand it plans every execution anew (``pg_prepared_statements``: the next step's
    handlers, read at every transition, 0 generic and 111 custom plans in 111 submits). Nothing from a request is ever
    written this way: anything but such a code is refused."""

    def __init__(self, value, output_field=None):
        if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9_]+", value):
            raise ValueError(f"Constant: only a code constant (letters, digits, underscores) is written into SQL: {value!r}")
        super().__init__(output_field=output_field)
        self.value = str(value)

    def as_sql(self, compiler, connection):
        return f"'{self.value}'", []

    def __repr__(self):
        return f"Constant({self.value!r})"
