"""What is kept under a version is read from the primary (``config.db_router.primary_reads``): read from a replica that
lags, older rows would be kept under the newer version a change set after its commit, until the next change.

The replica here is an alias the settings name but no database answers to: a read sent there fails
(``ConnectionDoesNotExist``), a read on the primary does not."""

import uuid

import pytest
from django.utils.connection import ConnectionDoesNotExist

from accounts import request_cache, tree
from accounts.models import Organisation
from config import db_router
from tests.factories import OrganisationFactory

# outside a transaction, as a request reads: inside one every read is the primary's
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def replica_reads(settings):
    """A safe request of a browser not pinned to the primary, with one replica configured."""
    settings.DATABASE_REPLICAS = ["replica"]
    settings.REQUEST_CACHE = True
    token = db_router._replica_reads.set(True)
    yield
    db_router._replica_reads.reset(token)


def test_a_safe_request_reads_the_replica_but_not_inside_primary_reads(replica_reads):
    unit = OrganisationFactory(name="主库单位")
    with pytest.raises(ConnectionDoesNotExist):
        list(Organisation.objects.all())
    with db_router.primary_reads():
        assert list(Organisation.objects.values_list("pk", flat=True)) == [unit.pk]


def test_the_request_cache_computes_its_entries_on_the_primary(replica_reads):
    unit = OrganisationFactory(name="主库单位")
    key = f"zc:test:primary:{uuid.uuid4().hex}"
    assert request_cache.cached(key, f"{key}:v", lambda: list(Organisation.objects.values_list("pk", flat=True))) == [
        unit.pk]


def test_the_organisation_tree_is_read_from_the_primary(replica_reads, monkeypatch):
    unit = OrganisationFactory(name="主库单位")
    monkeypatch.setattr(tree, "_kept", None)
    assert tree.ancestor_ids(unit, None) == [unit.pk]
    assert tree._kept is not None and unit.pk in tree._kept[1]  # read and kept, not walked row by row


def test_the_self_checks_rulebook_is_read_from_the_primary(replica_reads, monkeypatch):
    from titles import selectors

    monkeypatch.setattr(selectors, "_kept_rulebooks", {})
    rulebook = selectors.kept_rulebook(region_code="140400", year=2026)
    assert selectors._kept_rulebooks[("140400", 2026)][1] is rulebook
