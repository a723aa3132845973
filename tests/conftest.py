from datetime import date

import pytest

from tests.clients import SignedInClient


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


@pytest.fixture(scope="session", autouse=True)
def _flush_past_the_event_log_truncate_trigger():
    """Transactional tests end with Django's flush, a TRUNCATE of every table, which the event log's
    trigger refuses on PostgreSQL (as it should in production). Tests, as the owner, lift it for the flush."""
    from django.db import connections
    from django.test import TransactionTestCase

    original = TransactionTestCase._fixture_teardown

    def teardown(self):
        postgresql = [connections[alias] for alias in self._databases_names(include_mirrors=False)
                      if connections[alias].vendor == "postgresql"]
        for connection in postgresql:
            with connection.cursor() as cursor:
                cursor.execute("ALTER TABLE accounts_event DISABLE TRIGGER accounts_event_no_truncate")
        try:
            original(self)
        finally:
            for connection in postgresql:
                with connection.cursor() as cursor:
                    cursor.execute("ALTER TABLE accounts_event ENABLE TRIGGER accounts_event_no_truncate")

    TransactionTestCase._fixture_teardown = teardown
    yield
    TransactionTestCase._fixture_teardown = original


@pytest.fixture
def client():
    return SignedInClient()


@pytest.fixture
def admin_client(db, admin_user):
    signed_in = SignedInClient()
    signed_in.force_login(admin_user)
    return signed_in


@pytest.fixture
def in_window(settings):
    """Today is inside the 2026 plan's declaration window (2026-08-01 … 09-30)."""
    settings.DEBUG = True
    settings.ZC_TODAY = date(2026, 9, 15)
    return settings.ZC_TODAY


@pytest.fixture
def plan(org_tree):
    from tests.factories import review_plan
    from titles.models import ReviewPlan, Specialty

    plan = review_plan(org_tree["bureau"])
    plan.status = ReviewPlan.Status.PUBLISHED
    plan.save(update_fields=["status"])
    Specialty.objects.get_or_create(series=plan.series, name="土木工程")
    plan.specialties.set(Specialty.objects.filter(series=plan.series, name="土木工程"))
    return plan


@pytest.fixture
def applicant(org_tree):
    from accounts.models import Role
    from tests.factories import user_with_role

    return user_with_role(Role.APPLICANT, org_tree["employer_a"])


@pytest.fixture
def redis_commands(monkeypatch):
    """The commands this process sends to the cache's Redis database, one entry per round trip (a pipeline or an
    MGET is one): the wire itself, whatever the code above it."""
    from django.core.cache import cache
    from redis.connection import AbstractConnection

    sent: list[str] = []
    database = cache._cache.get_client(None).connection_pool.connection_kwargs.get("db", 0)
    original = AbstractConnection.send_packed_command

    def send_packed_command(self, command, check_health=True):
        if self.db == database:
            first = command[0] if isinstance(command, list) else command
            sent.append(bytes(first).split(b"\r\n")[2].decode())
        return original(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", send_packed_command)
    return sent
