"""The organisation tree's parent links, kept in each process under the roles version (``accounts.request_cache``).

The permission predicates walk an organisation's ancestors on every object they check (``oversees``: does the
user hold an overseeing role at this organisation or above it?). Walking ``Organisation.parent`` read one row a
level: two queries for each declaration a bureau reviewer opened whose employer sits under a competent
department. Here the links of every organisation are read in one query and kept while the roles version, read
with the user's row at the start of the request, is unchanged. Every organisation saved or deleted replaces that
version (``request_cache.connect``), so the next check reads the tree again. Without the shared cache, and inside
a transaction (the services' checks), the walk reads the rows as before.
"""

import threading

from django.db import connection

from . import request_cache

_kept: tuple[str, dict[int, int | None]] | None = None  # (roles version, {organisation id: parent id})
_lock = threading.Lock()


def ancestor_ids(organisation, user) -> list[int]:
    """``organisation.ancestor_ids()`` (this organisation and every one above it, nearest first), from the tree
    kept in this process when it is current for ``user``'s request."""
    parents = _parents(user)
    if parents is None or organisation.pk not in parents:
        return organisation.ancestor_ids()
    ids, node = [], organisation.pk
    while node is not None and node not in ids:  # a cycle (made by hand in the database) ends the walk
        ids.append(node)
        node = parents.get(node)
    return ids


def _parents(user) -> dict[int, int | None] | None:
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

    parents = dict(Organisation.objects.values_list("pk", "parent_id"))
    with _lock:
        _kept = (version, parents)
    return parents
