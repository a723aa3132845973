import pytest


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (rate-limit counters live there)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def org_tree(db):
    """bureau → dept → employer_a; bureau → employer_b; a bureau of another city with its employer."""
    from accounts.models import OrganisationKind
    from tests.factories import OrganisationFactory

    bureau = OrganisationFactory(name="市人社局", kind=OrganisationKind.HR_BUREAU)
    dept = OrganisationFactory(name="市住建局", kind=OrganisationKind.COMPETENT_DEPARTMENT, parent=bureau)
    employer_a = OrganisationFactory(name="甲单位", parent=dept)
    employer_b = OrganisationFactory(name="乙公司", parent=bureau, sector="non_public")
    other_bureau = OrganisationFactory(name="外市人社局", kind=OrganisationKind.HR_BUREAU, region_code="140800")
    other_employer = OrganisationFactory(name="外市单位", parent=other_bureau, region_code="140800")
    return {"bureau": bureau, "dept": dept, "employer_a": employer_a, "employer_b": employer_b,
            "other_bureau": other_bureau, "other_employer": other_employer}
