"""The sweeps are set-based: the queries of a sweep do not grow with the declarations it moves, and two
workers running the same sweep at once move each declaration once (PostgreSQL: advisory locks and
bulk inserts in one statement; SQLite splits bulk inserts at 999 parameters and has no such locks)."""

import threading
from datetime import date

import pytest
from django.db import connection

from accounts.eventchain import ChainLink, first_break
from accounts.models import Event
from declarations.models import Declaration
from reviews.deadlines import run_sweep
from reviews.models import Decision
from tests.factories import returned_declarations

POSTGRESQL = pytest.mark.skipif(connection.vendor != "postgresql",
                                reason="needs PostgreSQL: one-statement bulk inserts and advisory locks")


@POSTGRESQL
@pytest.mark.django_db
@pytest.mark.parametrize("size", [50, 500])
def test_abandoning_costs_the_same_queries_at_two_sizes(size, plan, org_tree, people, django_assert_max_num_queries):
    returned_declarations(plan, org_tree["employer_a"], size, deadline=date(2026, 9, 22),
                          returned_by=people["handler"])
    with django_assert_max_num_queries(21):
        result = run_sweep("abandon_corrections", date(2026, 9, 23))
    assert result.total == size
    assert Declaration.objects.filter(state="abandoned").count() == size
    assert Decision.objects.filter(action="abandon").count() == size == Event.objects.filter(action="abandon").count()


@POSTGRESQL
@pytest.mark.django_db
@pytest.mark.parametrize("size", [50, 500])
def test_the_other_sweeps_cost_the_same_queries_at_two_sizes(size, plan, org_tree, people,
                                                             django_assert_max_num_queries):
    returned_declarations(plan, org_tree["employer_a"], size, deadline=date(2026, 9, 29),
                          returned_by=people["handler"])
    Declaration.objects.update(state="employer_review")
    with django_assert_max_num_queries(12):
        assert run_sweep("push_deadlines", date(2026, 10, 21)).total == size
    with django_assert_max_num_queries(23):
        assert run_sweep("terminate_unfinished", date(2027, 7, 31)).total == size
    Declaration.objects.update(state="draft")
    with django_assert_max_num_queries(6):
        assert run_sweep("expire_drafts", date(2026, 10, 1)).total == size


@POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_two_workers_running_a_sweep_at_once_move_each_declaration_once(plan, org_tree, people):
    returned_declarations(plan, org_tree["employer_a"], 40, deadline=date(2026, 9, 22),
                          returned_by=people["handler"])
    barrier, totals, errors = threading.Barrier(2), [], []

    def worker():
        try:
            barrier.wait()
            totals.append(run_sweep("abandon_corrections", date(2026, 9, 23)).total)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(totals) == [0, 40]
    assert Decision.objects.filter(action="abandon").count() == 40
    links = (ChainLink(e.pk, e.prev_hash, e.hash, e.chain_content()) for e in Event.objects.order_by("pk"))
    assert first_break(links) is None
