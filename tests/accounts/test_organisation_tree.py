"""The organisation tree kept in each process for the permission predicates (``accounts.tree``): ``oversees``
walks an organisation's ancestors without a query a level, and a change of the tree counts at the next check."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts import tree
from accounts.models import Organisation, OrganisationKind, Role
from accounts.permissions import oversees
from tests.factories import OrganisationFactory, user_with_role

# outside the test's transaction, as a request runs: inside one the walk reads the rows (a change may be uncommitted)
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.REQUEST_CACHE = True


def _organisation_reads(queries) -> int:
    return sum('FROM "accounts_organisation"' in q["sql"] for q in queries)


def test_the_second_check_reads_no_organisation(org_tree):
    reviewer = user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])
    employer = Organisation.objects.get(pk=org_tree["employer_a"].pk)  # bureau → dept → employer: two levels up
    assert oversees(reviewer, employer)
    with CaptureQueriesContext(connection) as second:
        assert oversees(reviewer, employer)
        assert not oversees(reviewer, Organisation.objects.get(pk=org_tree["other_employer"].pk))
    assert _organisation_reads(second) == 1  # the organisation the test reads, none by the walks
    assert tree.ancestor_ids(employer, reviewer) == employer.ancestor_ids() == [
        org_tree["employer_a"].pk, org_tree["dept"].pk, org_tree["bureau"].pk]


def test_an_organisation_moved_counts_at_the_next_check(org_tree):
    reviewer = user_with_role(Role.DEPT_REVIEWER, org_tree["dept"])
    employer = org_tree["employer_b"]  # under the bureau, not the department
    assert not oversees(reviewer, employer)
    employer.parent = org_tree["dept"]
    employer.save()
    assert oversees(reviewer, Organisation.objects.get(pk=employer.pk))
    employer.parent = org_tree["other_bureau"]
    employer.save()
    assert not oversees(reviewer, Organisation.objects.get(pk=employer.pk))


def test_an_organisation_made_after_the_tree_was_kept_is_walked_too(org_tree):
    reviewer = user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])
    assert oversees(reviewer, org_tree["employer_a"])  # the tree kept
    unit = OrganisationFactory(name="新单位", parent=org_tree["dept"])
    assert oversees(reviewer, unit)
    outside = OrganisationFactory(name="外市新单位", parent=org_tree["other_bureau"], region_code="140800")
    assert not oversees(reviewer, outside)


def test_inside_a_transaction_an_uncommitted_move_is_seen_and_never_kept(org_tree):
    """A move not yet committed counts for the checks of its own transaction (the walk reads the rows there), and
    after a rollback the next check sees the tree as it is."""
    reviewer = user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])
    employer = org_tree["employer_a"]
    assert oversees(reviewer, employer)
    with pytest.raises(RuntimeError), transaction.atomic():
        Organisation.objects.filter(pk=employer.pk).update(parent=org_tree["other_bureau"])  # no signal, no bump
        assert not oversees(reviewer, Organisation.objects.get(pk=employer.pk))
        raise RuntimeError("rolled back")
    assert oversees(reviewer, Organisation.objects.get(pk=employer.pk))


def test_without_the_shared_cache_the_walk_reads_the_rows(org_tree, settings):
    settings.REQUEST_CACHE = False
    reviewer = user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])
    employer = Organisation.objects.get(pk=org_tree["employer_a"].pk)
    with CaptureQueriesContext(connection) as checks:
        assert oversees(reviewer, employer)
    assert _organisation_reads(checks) == 2  # the department, then the bureau
    assert org_tree["bureau"].kind == OrganisationKind.HR_BUREAU


def test_the_bureau_above_is_found_in_the_kept_tree_as_by_the_walk(org_tree):
    """``may_take``'s bureau above the employer: the same organisation as walking the rows, with no query."""
    reviewer = user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])
    organisations = [Organisation.objects.get(pk=org.pk) for org in org_tree.values()]
    walked = {org.pk: getattr(org.nearest_above(OrganisationKind.HR_BUREAU), "pk", None) for org in organisations}
    assert walked[org_tree["employer_a"].pk] == org_tree["bureau"].pk
    assert walked[org_tree["other_employer"].pk] == org_tree["other_bureau"].pk
    assert walked[org_tree["bureau"].pk] is None
    assert oversees(reviewer, organisations[0])  # the tree kept
    with CaptureQueriesContext(connection) as kept:
        found = {org.pk: tree.nearest_above(org, OrganisationKind.HR_BUREAU, reviewer) for org in organisations}
    assert found == walked and _organisation_reads(kept) == 0
