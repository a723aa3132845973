"""Set-based transitions: the deadline sweeps' twin of ``services.take_action``.

The same transition table (``flow.TRANSITIONS``) decides: only the rows whose actor is
``Actor.SYSTEM`` may be taken here, only from their source states, to their targets. For every
declaration moved it writes what ``take_action`` writes for one (the new state, its history row, an
immutable ``reviews.Decision`` citing the rulebook of the plan's region, a hash-chained
``accounts.Event``, the applicant's notification through the outbox), in a constant number of queries
whatever the number of declarations.

On PostgreSQL the rows never come to Python: one statement locks the declarations (in id order, as
before) into a temporary table, and one ``INSERT … SELECT`` each writes the decisions, the notifications
with their outbox messages (``accounts.notifications.notify_many_sql``), the new states with their history
rows (one UPDATE) and the events (hashed in PostgreSQL, ``accounts.services.record_events_sql``). Only
what is shared by many rows is worked out in Python: the wording of each decision and its citation, once
per (state, plan, extra fields). The event chain's lock is taken late (by the UPDATE's queue-count
trigger, then by the events), so that parts moved at once (``parallel``, the sweeps over many rows) wait
for each other only for the events. Elsewhere (SQLite: the demo) the same is done with model instances.
"""

from __future__ import annotations

import contextvars
import functools
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from accounts.models import Organisation, User
from accounts.notifications import notify_many, notify_many_sql
from accounts.services import record_events, record_events_sql
from accounts.templatetags.site_urls import address_parts, fixed_url
from config.prepared import default_db
from reviews.models import Decision
from titles.documents import citation
from titles.models import Level, ReviewPlan, Series
from titles.selectors import RulesByScope

from .flow import Action, Actor, State, system_sources, transition_for
from .models import Declaration


def take_system_action(*, action: str, declarations: QuerySet, comment: Callable[[dict], str],
                       fields: tuple[str, ...] = (), scopes: RulesByScope | None = None,
                       parallel: bool = False) -> list[int]:
    """Take the system ``action`` on every declaration of ``declarations`` that is in one of its
    source states; answer the ids moved (in id order). ``comment(row)`` words each decision from the
    locked row's ``state`` and the extra ``fields`` of the queryset (field names or annotations); it is
    called once per distinct (state, fields), so it must depend on nothing else. Run it inside the
    sweep's lock.

    ``parallel``: on PostgreSQL, when at least ``SWEEP_PARALLEL_MIN`` declarations are to move, they are
    moved in ``SWEEP_WRITERS`` parts of consecutive ids at once (``_take_in_parts``), each part a
    transaction of its own on a connection of its own, committed with everything written for its
    declarations. The parts' connections do not see the caller's uncommitted writes: when the caller's
    transaction has written anything, everything is moved in it, as without ``parallel``."""
    sources = system_sources(action)
    if not sources:
        raise ValueError(f"转换表中没有系统操作 {action}")
    arguments = {"action": action, "sources": sources, "comment": comment, "fields": tuple(fields),
                 "scopes": scopes}
    if connection.vendor != "postgresql":
        with transaction.atomic():
            return _take_in_python(declarations=declarations, **arguments)
    if parallel:
        bounds = _part_bounds(declarations.filter(state__in=sources))
        if bounds:
            return _take_in_parts(bounds, declarations, arguments)
    with transaction.atomic():
        return _take_in_postgresql(declarations=declarations, **arguments)


def _part_bounds(candidates: QuerySet) -> list[int]:
    """The ids that end each part but the last, when ``candidates`` are enough to be moved in parts:
    ``SWEEP_WRITERS`` parts of about as many declarations (one statement, the ids never come to Python).
    None (an empty list) when the caller's transaction has written anything (PostgreSQL has given it a
    transaction id): the parts' connections would not see what it wrote, so it is all moved in that transaction."""
    writers = settings.SWEEP_WRITERS
    if writers < 2:
        return []
    inner, params = candidates.order_by().values("pk").query.sql_with_params()
    fractions = [k / writers for k in range(1, writers)]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_current_xact_id_if_assigned() IS NULL, count(*), "
                       f"percentile_disc(%s) WITHIN GROUP (ORDER BY c.pk) FROM ({inner}) c", [fractions, *params])
        unwritten, count, bounds = cursor.fetchone()
    if not unwritten or count < max(settings.SWEEP_PARALLEL_MIN, writers):
        return []
    return sorted(set(bounds))


def _take_in_parts(bounds: list[int], declarations: QuerySet, arguments: dict) -> list[int]:
    """``_take_in_postgresql`` on each part of ``declarations`` (ids up to ``bounds[0]``, then up to
    ``bounds[1]`` … and the rest, so a declaration that comes into a source state meanwhile is still in a
    part) in a thread of its own, with its own connection and transaction. The parts lock disjoint rows;
    their events join the one chain in turn (its lock), each part's in id order. A part that fails rolls
    back alone: the others are whole, and the next run of the sweep moves what is left."""
    edges = [None, *bounds, None]
    parts = []
    for low, high in zip(edges, edges[1:], strict=False):
        part = declarations if low is None else declarations.filter(pk__gt=low)
        parts.append(part if high is None else part.filter(pk__lte=high))

    def take(part):
        try:
            with transaction.atomic():
                return _take_in_postgresql(declarations=part, own_transaction=True, **arguments)
        finally:
            connections.close_all()  # this thread's connections

    with ThreadPoolExecutor(max_workers=len(parts), thread_name_prefix="zc-sweep") as pool:
        # each part in a copy of the caller's context (the frozen day of ``config.clock``)
        futures = [pool.submit(contextvars.copy_context().run, take, part) for part in parts]
    # every part has ended (the pool waited for them): the first failure is raised, else the ids of all
    return sorted(id_ for future in futures for id_ in future.result())


def _transitions(action: str, states) -> dict:
    transitions = {state: transition_for(state, action) for state in states}
    if any(t.actor != Actor.SYSTEM or t.target.startswith("<") for t in transitions.values()):
        raise ValueError(f"系统操作 {action} 须由转换表给出确定的目标状态")
    return transitions


def update_returning(queryset: QuerySet, **values) -> list[int]:
    """Set ``values`` (field: value) on every row of ``queryset`` in one statement; answer the ids
    updated, in id order. For marks that move no state (the sweeps' 已过申报期): on PostgreSQL one
    ``UPDATE … WHERE id IN (<the queryset>) RETURNING id``, where the ids used to come to Python and go
    back as a list of tens of thousands of parameters; elsewhere the ids first, then the UPDATE."""
    model = queryset.model
    if connection.vendor != "postgresql":
        ids = list(queryset.order_by("pk").values_list("pk", flat=True))
        if ids:
            model.objects.filter(pk__in=ids).update(**values)
        return ids
    quote = connection.ops.quote_name
    sets, params = [], []
    for name, value in values.items():
        field = model._meta.get_field(name)
        sets.append(f"{quote(field.column)} = %s")
        params.append(field.get_db_prep_save(value, connection))
    inner, inner_params = queryset.order_by().values("pk").query.sql_with_params()
    pk = quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {quote(model._meta.db_table)} SET {', '.join(sets)} WHERE {pk} IN ({inner}) "
                       f"RETURNING {pk}", [*params, *inner_params])
        return sorted(row[0] for row in cursor.fetchall())


# --- the history rows: simple-history's columns, written by PostgreSQL ------------------------------


@functools.cache  # per process: ``Declaration.history`` builds a manager class on every read (≈ 1 ms)
def history_columns() -> tuple[str, ...]:
    """The columns of a declaration that its history rows copy (simple-history's tracked fields)."""
    history = Declaration.history.model
    return tuple(history._meta.get_field(f.name).column for f in history.tracked_fields)


@functools.cache
def history_insert_sql() -> str:
    """``INSERT INTO`` the history table with its columns: the tracked ones, then the date, the reason, the
    type and the user (the ``SELECT`` that follows gives them in that order)."""
    return (f"INSERT INTO {Declaration.history.model._meta.db_table} ({', '.join(history_columns())}, "
            "history_date, history_change_reason, history_type, history_user_id)")


def save_with_history(declaration, fields: list[str], *, defer: bool = False) -> tuple[str, list] | None:
    """``declaration.save(update_fields=[*fields, "updated_at"])`` with the history row simple-history writes
    for it ("~", its date, its reason, the signed-in user of the request or ``_history_user``), in one statement
    on PostgreSQL: the UPDATE and an ``INSERT … SELECT`` of the updated row. simple-history's instance path
    (its historical model built, saved and signalled) cost ≈ 2 ms of CPU a transition; nothing here listens to
    its signals or to the declaration's ``post_save``. Elsewhere, and when history is off, ``save``.
    ``defer``: that statement is answered, (SQL, parameters), not sent, for the caller to send in a round trip
    with others (``take_action``: with its event); None when the declaration was saved (elsewhere, no history)."""
    from simple_history.models import HistoricalRecords

    db = default_db()
    if (db.vendor != "postgresql" or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
            or hasattr(declaration, "skip_history_when_saving")):
        declaration.save(update_fields=[*fields, "updated_at"])
        return None
    now = getattr(declaration, "_history_date", None) or timezone.now()
    declaration.updated_at = now
    if hasattr(declaration, "_history_user"):  # simple-history's get_history_user, as it reads it
        user = declaration._history_user
    else:
        request = getattr(HistoricalRecords.context, "request", None)
        user = request.user if request is not None and request.user.is_authenticated else None
    updated, sql = _update_with_history(tuple(fields))
    params = [*(f.get_db_prep_save(getattr(declaration, f.attname), db) for f in updated),
              declaration.pk, now, getattr(declaration, "_change_reason", None), getattr(user, "pk", None)]
    if defer:
        return sql, params
    with db.cursor() as cursor:
        cursor.execute(sql, params)
    return None


@functools.cache
def _update_with_history(fields: tuple[str, ...]) -> tuple[list, str]:
    """The fields set (``fields`` and ``updated_at``) and the statement of ``save_with_history``."""
    meta = Declaration._meta
    updated = [meta.get_field(name) for name in (*fields, "updated_at")]
    columns = history_columns()
    return updated, f"""
        WITH d AS (
            UPDATE {meta.db_table} SET {', '.join(f'{f.column} = %s' for f in updated)}
            WHERE id = %s RETURNING {', '.join(columns)})
        {history_insert_sql()}
        SELECT {', '.join(f'd.{column}' for column in columns)}, %s, %s, '~', %s FROM d
    """


# --- PostgreSQL: INSERT … SELECT ------------------------------------------------------------------

MOVED = "zc_bulk_moved"  # the temporary table of the locked rows (dropped before returning)


def _named(sql: str, params, prefix: str) -> tuple[str, dict]:
    """A compiled queryset's ``%s`` placeholders as named ones (``%%`` is a literal percent sign)."""
    values, counter = {}, iter(range(len(params)))

    def name(match):
        if match.group(0) == "%%":
            return "%%"
        i = next(counter)
        values[f"{prefix}{i}"] = params[i]
        return f"%({prefix}{i})s"

    return re.sub(r"%%|%s", name, sql), values


def _case(column: str, mapping: dict[str, str], prefix: str) -> tuple[str, dict]:
    """``CASE column WHEN … THEN … ELSE column END`` over ``mapping``, with its parameters."""
    whens, params = [], {}
    for i, (key, value) in enumerate(mapping.items()):
        whens.append(f"WHEN %({prefix}k{i})s THEN %({prefix}v{i})s")
        params |= {f"{prefix}k{i}": key, f"{prefix}v{i}": value}
    return f"(CASE {column} {' '.join(whens)} ELSE {column} END)", params


def declaration_repr_sql(d: str, u: str, s: str) -> tuple[str, dict]:
    """``str(declaration)`` (``Declaration.__str__``: year, applicant, series, level) as SQL over the
    declaration ``d``, its applicant ``u`` and its series ``s``."""
    level, params = _case(f"{d}.level", dict(Level.choices), "lvl_")
    applicant = f"coalesce(nullif({u}.real_name, ''), {u}.username)"  # User.__str__
    return f"({d}.year::text || ' 年 ' || {applicant} || ' ' || {s}.name || ' ' || {level})", params


def _take_in_postgresql(*, action, sources, declarations, comment, fields, scopes,
                        own_transaction: bool = False) -> list[int]:
    now = timezone.now()
    label = Action(action).label
    extra = {f"zc_f{i}": F(name) for i, name in enumerate(fields)}
    locking = (declarations.filter(state__in=sources).order_by("pk").select_for_update(of=("self",))
               .values(zc_id=F("pk"), zc_state=F("state"), zc_plan=F("plan_id"), zc_applicant=F("applicant_id"),
                       zc_year=F("year"), zc_level=F("level"), zc_series=F("series_id"), **extra))
    locking_sql, params = _named(*locking.query.sql_with_params(), "q")
    targets = {t.source: t.target for t in (transition_for(s, action) for s in sources)}
    to_state, case_params = _case("q.zc_state", targets, "to_")
    params |= case_params
    columns = "".join(f", q.{name} AS {name}" for name in extra)
    key = ", ".join(["q.zc_state", "q.zc_plan", *(f"q.{name}" for name in extra)])
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('work_mem'), set_config('work_mem', '256MB', true)")
        work_mem = cursor.fetchone()[0]
        # 1. lock the rows in id order (as take_action's SELECT … FOR UPDATE does for one) and keep them,
        # each with its decision's id drawn now in the same order (volatile output is computed after the sort),
        # and with what the events' ``str(declaration)`` reads of it (year, level, series: no UPDATE below
        # changes them), so that no later statement reads the declarations' table again
        cursor.execute(f"""
            CREATE TEMPORARY TABLE {MOVED} ON COMMIT DROP AS
            SELECT q.zc_id AS id, q.zc_state::text AS from_state, {to_state}::text AS to_state,
                   q.zc_plan AS plan_id, q.zc_applicant AS applicant_id, q.zc_year AS year, q.zc_level AS level,
                   q.zc_series AS series_id{columns},
                   ROW({key})::text AS grp,
                   nextval(pg_get_serial_sequence('{Decision._meta.db_table}', 'id')) AS decision_id
            FROM ({locking_sql}) q
            ORDER BY q.zc_id
        """, params)
        if not cursor.rowcount:
            cursor.execute(f"DROP TABLE {MOVED}")
            cursor.execute("SELECT set_config('work_mem', %s, true)", [work_mem])
            return []
        cursor.execute(f"ANALYZE {MOVED}")  # its size and groups, for the joins below
        # 2. what many rows share: the transition, the decision's wording and citation, once per group
        grouping = ", ".join(["grp", "from_state", "plan_id", *extra])
        cursor.execute(f"""
            SELECT m.grp, m.from_state, m.plan_id, p.year, o.id, o.region_code{"".join(f", m.{name}" for name in extra)}
            FROM (SELECT {grouping} FROM {MOVED} GROUP BY {grouping}) m
            JOIN {ReviewPlan._meta.db_table} p ON p.id = m.plan_id
            JOIN {Organisation._meta.db_table} o ON o.id = p.organisation_id
        """)
        groups = cursor.fetchall()
        transitions = _transitions(action, {group[1] for group in groups})
        scopes = scopes or RulesByScope()
        keys, bodies, bases, comments, titles, notes = [], [], [], [], [], []
        state_labels = dict(State.choices)
        for grp, state, _plan, year, body, region, *values in groups:
            transition = transitions[state]
            wording = comment({"state": state, **dict(zip(fields, values, strict=True))})
            keys.append(grp)
            bodies.append(body)
            bases.append(citation(scopes.citations(region, year), transition.basis))
            comments.append(wording)
            titles.append(f"您的申报：{state_labels.get(transition.target, transition.target)}")
            notes.append(f"{label}：{wording}")
        grouped = f"""
            FROM {MOVED} m
            JOIN unnest(%(g_key)s::text[], %(g_body)s::bigint[], %(g_basis)s::text[], %(g_comment)s::text[],
                        %(g_title)s::text[], %(g_note)s::text[]) AS g(grp, body_id, basis, comment, title, note)
              ON g.grp = m.grp
        """
        shared = {"g_key": keys, "g_body": bodies, "g_basis": bases, "g_comment": comments, "g_title": titles,
                  "g_note": notes, "now": now, "action": action}
        # 3. the decisions, with the ids drawn in step 1 (so no sort either)
        cursor.execute(f"""
            INSERT INTO {Decision._meta.db_table} (id, declaration_id, action, actor_id, body_id, basis, from_state,
                                                   to_state, comment, created_at)
            SELECT m.decision_id, m.id, %(action)s, NULL, g.body_id, g.basis, m.from_state, m.to_state, g.comment,
                   %(now)s
            {grouped}
        """, shared)
    # 4. the applicants' notifications, e-mailed through the outbox
    link = address_parts("declarations:detail", 1)  # the text around the declaration's id
    notify_many_sql(params={**shared, "link_a": link[0], "link_b": link[1]}, entries_sql=f"""
        SELECT m.id AS ord, m.applicant_id AS recipient_id, 'decision:' || m.decision_id || ':applicant' AS key,
               g.title, g.note AS body, %(link_a)s || m.id || %(link_b)s AS link
        {grouped}
    """)
    with connection.cursor() as cursor:
        if own_transaction:
            # a part of its own (``_take_in_parts``): the foreign keys of the decisions and notifications are
            # checked now, not at the commit, so that they are not checked under the event chain's lock,
            # which the next UPDATE takes (the queue counts' trigger) and keeps until the commit
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # 5. the new states and their history rows, as simple-history's bulk_history_create writes them (type
        # "~"), in one statement: the history rows are the UPDATE's RETURNING (``save_with_history`` does the
        # same for one declaration), where a second join read the table of 1,000,000 declarations again. No
        # sort: the history ids follow the order in which the UPDATE meets the rows, as they followed the
        # second join's before (and the model's ordering before that)
        history = Declaration.history.model
        update = f"""
            UPDATE {Declaration._meta.db_table} d SET state = m.to_state, updated_at = %(now)s
            FROM {MOVED} m WHERE d.id = m.id
        """
        if getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            user = history.get_default_history_user(Declaration())
            cursor.execute(f"""
                WITH d AS ({update} RETURNING {', '.join(f'd.{column}' for column in history_columns())})
                {history_insert_sql()}
                SELECT {', '.join(f'd.{column}' for column in history_columns())}, %(now)s, %(reason)s, '~', %(user)s
                FROM d
            """, {"now": now, "reason": label, "user": getattr(user, "pk", None)})
        else:
            cursor.execute(update, {"now": now})
    # 6. the events, chained in id order under the event chain's lock (taken by the UPDATE above)
    described, repr_params = declaration_repr_sql("m", "u", "s")  # the locked row's year and level (step 1)
    record_events_sql(action=action, model=Declaration, params={**shared, **repr_params}, entries_sql=f"""
        SELECT m.id AS ord, m.id AS object_id, {described} AS object_repr, m.from_state, m.to_state,
               g.comment
        {grouped}
        JOIN {User._meta.db_table} u ON u.id = m.applicant_id
        JOIN {Series._meta.db_table} s ON s.id = m.series_id
    """)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT array_agg(id ORDER BY id) FROM {MOVED}")
        moved = cursor.fetchone()[0]
        cursor.execute(f"DROP TABLE {MOVED}")
        cursor.execute("SELECT set_config('work_mem', %s, true)", [work_mem])
    return moved


# --- elsewhere (SQLite): model instances ----------------------------------------------------------


def _take_in_python(*, action, sources, declarations, comment, fields, scopes) -> list[int]:
    rows = list(declarations.filter(state__in=sources).order_by("pk").select_for_update(of=("self",))
                .values("pk", "state", *fields))
    if not rows:
        return []
    transitions = _transitions(action, {row["state"] for row in rows})
    now = timezone.now()
    by_target: dict[str, list[int]] = {}
    for row in rows:
        by_target.setdefault(transitions[row["state"]].target, []).append(row["pk"])
    for target, ids in by_target.items():
        Declaration.objects.filter(pk__in=ids).update(state=target, updated_at=now)
    moved = {d.pk: d for d in Declaration.objects.filter(pk__in=[row["pk"] for row in rows]).order_by("pk")
             .select_related("applicant", "series", "plan__organisation")}
    label = Action(action).label
    Declaration.history.bulk_history_create(list(moved.values()), update=True, default_change_reason=label,
                                            default_date=now)
    scopes = scopes or RulesByScope()
    decisions = []
    for row in rows:
        declaration, transition = moved[row["pk"]], transitions[row["state"]]
        organisation = declaration.plan.organisation
        basis = citation(scopes.citations(organisation.region_code, declaration.plan.year), transition.basis)
        decisions.append(Decision(declaration_id=declaration.pk, action=action, actor=None,
                                  body_id=organisation.pk, basis=basis, from_state=row["state"],
                                  to_state=declaration.state, comment=comment(row)))
    Decision.objects.bulk_create(decisions)
    record_events(action=action, model=Declaration, entries=[
        {"object_id": d.declaration_id, "object_repr": str(moved[d.declaration_id]), "from_state": d.from_state,
         "to_state": d.to_state, "comment": d.comment} for d in decisions])
    notify_many([
        {"recipient_id": moved[d.declaration_id].applicant_id, "key": f"decision:{d.pk}:applicant",
         "title": f"您的申报：{moved[d.declaration_id].get_state_display()}", "body": f"{label}：{d.comment}",
         "link": fixed_url("declarations:detail", d.declaration_id)} for d in decisions])
    return [row["pk"] for row in rows]
