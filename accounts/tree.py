"""The organisation tree's parent links and kinds, kept in each process under the roles version
(``accounts.request_cache``).

The permission predicates walk an organisation's ancestors on every object they check (``oversees``: does the
user hold an overseeing role at this organisation or above it?), and ``declarations.permissions.may_take`` looks
for the bureau above the employer of a declaration at the bureau's review. Walking ``Organisation.parent`` read
one row a level: two queries for each declaration a bureau reviewer opened whose employer sits under a competent
department. Here the links and kinds of every organisation are read in one query and kept while the roles
version, read with the user's row at the start of the request, is unchanged. Every organisation saved or deleted
replaces that version (``request_cache.connect``), so the next check reads the tree again. Without the shared
cache, and inside a transaction (the services' checks), the walk reads the rows as before.
"""

import threading

from django.db import connection

from config.db_router import primary_reads

from . import request_cache

_kept: tuple[str, dict[int, tuple[int | None, str]]] | None = None  # (roles version, {id: (parent id, kind)})
_lock = threading.Lock()


def ancestor_ids(organisation, user) -> list[int]:
    """``organisation.ancestor_ids()`` (this organisation and every one above it, nearest first), from the tree
    kept in this process when it is current for ``user``'s request."""
    nodes = _nodes(user)
    if nodes is None or organisation.pk not in nodes:
        return organisation.ancestor_ids()
    return _chain(organisation.pk, nodes)


def nearest_above(organisation, kind: str, user) -> int | None:
    """The id of ``organisation.nearest_above(kind)`` (the first organisation of ``kind`` above it), from the tree
    kept in this process when it is current for ``user``'s request."""
    nodes = _nodes(user)
    if nodes is None or organisation.pk not in nodes:
        found = organisation.nearest_above(kind)
        return found.pk if found is not None else None
    return next((pk for pk in _chain(organisation.pk, nodes)[1:] if nodes.get(pk, (None, None))[1] == kind), None)


def _chain(pk: int, nodes) -> list[int]:
    """``pk`` and the ids above it in ``nodes``, nearest first (a cycle, made by hand in the database, ends it)."""
    ids = []
    while pk is not None and pk not in ids:
        ids.append(pk)
        pk = nodes.get(pk, (None,))[0]
    return ids


def _nodes(user) -> dict[int, tuple[int | None, str]] | None:
    """The kept links, read again when the roles version changed; None (walk the rows) without the shared cache
    or inside a transaction, which might hold a change of the tree not yet committed (or never to be)."""
    global _kept
    if not request_cache.enabled() or connection.in_atomic_block:
        return None
    version = request_cache.version_of(user, request_cache.roles_version())
    if version is None:
        return None
    kept = _kept
    if kept is not None and kept[0] == version:
        return kept[1]
    from .models import Organisation

    with primary_reads():  # a replica that lags would leave an older tree kept under the newer version
        nodes = {pk: (parent, kind) for pk, parent, kind in Organisation.objects.values_list("pk", "parent_id", "kind")}
    with _lock:
        _kept = (version, nodes)
    return nodes
