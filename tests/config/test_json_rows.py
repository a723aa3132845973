"""config/json_rows.py: lists read in one query give the querysets' rows; the rows' keys are in the SQL's text."""

import pytest
from django.db import connection

from accounts.models import Organisation
from config.json_rows import JsonRows, json_row
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_the_lists_are_the_querysets_rows_and_their_keys_are_no_parameters(django_assert_num_queries):
    parent = OrganisationFactory(name="上级")
    children = [OrganisationFactory(name=f"下级{i}", parent=parent) for i in range(2)]
    rows = JsonRows(lambda m: (Organisation.objects.filter(pk=m.parent), {
        "children": (Organisation.objects.filter(parent_id=m.ref).order_by("pk"),
                     {"id": "pk", "name": "name", "parent_name": "parent__name"})}), outer="parent", numbers=("parent",))
    with django_assert_num_queries(1):
        found = rows.read(parent=parent.pk)
    assert found == {"children": [{"id": c.pk, "name": c.name, "parent_name": "上级"} for c in children]}
    assert rows.read(parent=children[0].pk) == {"children": []}
    if connection.vendor == "postgresql":
        sql, params = rows._compiled[:2]
        assert "'parent_name'" in sql and not any(isinstance(param, str) for param in params)


def test_a_key_is_a_name():
    with pytest.raises(ValueError, match="letters, digits"):
        json_row(**{"it's": "name"})


def _children_of():
    return JsonRows(lambda m: (Organisation.objects.filter(pk=m.parent), {
        "children": (Organisation.objects.filter(parent_id=m.ref).order_by("pk"), {"name": "name"})}),
        outer="parent", numbers=("parent",))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements of PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_query_is_prepared_once_per_connection(monkeypatch):
    """PREPARE on the connection's first use, then EXECUTE alone; prepared again when the statement is gone
    (a pooler's reset, DEALLOCATE) or the connection is new; run as it is inside a transaction and on a
    connection that is not kept (CONN_MAX_AGE 0)."""
    from django.db import transaction
    from django.test.utils import CaptureQueriesContext

    parent = OrganisationFactory(name="上级")
    OrganisationFactory(name="下级", parent=parent)
    rows = _children_of()
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 600)

    def read():
        with CaptureQueriesContext(connection) as done:
            assert rows.read(parent=parent.pk) == {"children": [{"name": "下级"}]}
        return [query["sql"].split()[0] for query in done.captured_queries]

    assert read() == ["PREPARE", "EXECUTE"]
    assert read() == ["EXECUTE"]
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    assert read() == ["EXECUTE", "PREPARE", "EXECUTE"]  # the first EXECUTE failed: no such statement
    assert read() == ["EXECUTE"]
    connection.close()
    assert read() == ["PREPARE", "EXECUTE"]
    with transaction.atomic():
        assert read() == ["SELECT"]
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    assert read() == ["SELECT"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's md5 of the row")
def test_the_digest_changes_with_any_list_and_with_it_alone(django_assert_num_queries):
    """``digest``: the lists kept, and a digest of everything ``read`` returns, equal to ``read``'s own; a change in
    any list changes it, nothing else does."""
    parent = OrganisationFactory(name="上级")
    child = OrganisationFactory(name="下级", parent=parent)
    rows = _children_of()
    with django_assert_num_queries(1):
        first = rows.digest(("children",), parent=parent.pk)
    assert first["children"] == [{"name": "下级"}] and len(first["digest"]) == 32
    assert rows.read(parent=parent.pk, digest=True)["digest"] == first["digest"]
    assert rows.digest((), parent=parent.pk) == {"digest": first["digest"]}
    OrganisationFactory(name="无关")
    assert rows.digest((), parent=parent.pk)["digest"] == first["digest"]
    Organisation.objects.filter(pk=child.pk).update(name="下级甲")
    assert rows.digest((), parent=parent.pk)["digest"] != first["digest"]
    assert rows.digest(("children",), parent=parent.pk + 10_000) == {"children": [], "digest": None}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's md5 of the row")
def test_an_undigested_list_is_read_but_left_out_of_the_digest():
    """``undigested``: the list is read as any other, and the digest (the same from ``read`` and ``digest``) does
    not change with it; it changes with every other list."""
    parent = OrganisationFactory(name="上级")
    child = OrganisationFactory(name="下级", parent=parent)
    rows = JsonRows(lambda m: (Organisation.objects.filter(pk=m.parent), {
        "names": (Organisation.objects.filter(parent_id=m.ref).order_by("pk"), {"name": "name"}),
        "ids": (Organisation.objects.filter(parent_id=m.ref).order_by("pk"), {"pk": "pk"})}),
        outer="parent", numbers=("parent",), undigested=("names",))
    first = rows.read(parent=parent.pk, digest=True)
    assert first["names"] == [{"name": "下级"}] and first["ids"] == [{"pk": child.pk}]
    assert rows.digest((), parent=parent.pk)["digest"] == first["digest"]
    Organisation.objects.filter(pk=child.pk).update(name="下级甲")
    assert rows.read(parent=parent.pk, digest=True)["names"] == [{"name": "下级甲"}]
    assert rows.digest((), parent=parent.pk)["digest"] == first["digest"]
    OrganisationFactory(name="新下级", parent=parent)
    assert rows.digest((), parent=parent.pk)["digest"] != first["digest"]


def test_undigested_lists_must_be_lists_of_a_digest_over_lists_only():
    with pytest.raises(ValueError):
        JsonRows(lambda m: None, fields=("name",), undigested=("names",))
