"""``AnyOf``: a column compared with a list sent as one array parameter (``col = ANY(%s::bigint[])``).

Django's ``__in`` writes one placeholder per value: the bureau's review queue names its 200-odd
employers, ten times over in the capped counts, and psycopg then spends most of the page's CPU
splitting a query text of 3,000 placeholders (queries that long are not cached) and PostgreSQL
parses it again. PostgreSQL plans ``IN (a, b, …)`` as ``= ANY('{a,b,…}')`` anyway, so the plan (and
its use of the indexes) does not change. Use it as an expression: ``Q(AnyOf(F("employer_id"), ids))``.
Elsewhere (SQLite, the demo's default) it is the plain ``IN`` list.
"""

from django.db.models import Lookup
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
