"""The queue counts' table (``declarations.QueueCount``, kept by triggers): concurrent writers never deadlock."""

import pytest
from django.db import connection

from declarations.models import Declaration
from tests.reviews.test_pages import _bulk


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's row and advisory locks")
@pytest.mark.django_db(transaction=True)
def test_a_holder_of_the_event_lock_never_waits_for_a_count_held_by_a_waiter(plan, org_tree):
    """A transaction that moves several declarations (a meeting closed) holds the event chain's lock after the
    first; a single transition of the same employer and state must not hold the count row it then needs while
    it waits for that lock (a deadlock): the count trigger takes the event lock first (migration 0007)."""
    import threading
    import time

    from django.db import transaction

    from accounts.services import EVENT_CHAIN_LOCK
    from declarations.models import QueueCount

    _bulk(plan, org_tree["employer_a"], 2)
    first, second = Declaration.objects.order_by("pk").values_list("pk", flat=True)
    errors = []

    def single_transition():  # its own connection: moves one declaration, then writes its event
        try:
            with transaction.atomic():
                Declaration.objects.filter(pk=first).update(state="unit_publicity")
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [EVENT_CHAIN_LOCK])
        except Exception as exc:  # noqa: BLE001 - the deadlock, reported below
            errors.append(exc)
        finally:
            connection.close()

    with transaction.atomic():  # the meeting's closing: its first event written, then the next declaration
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [EVENT_CHAIN_LOCK])
        other = threading.Thread(target=single_transition)
        other.start()
        time.sleep(0.5)  # the single transition is under way (and waits)
        Declaration.objects.filter(pk=second).update(state="unit_publicity")
    other.join(10)
    assert not other.is_alive() and errors == []
    counts = dict(QueueCount.objects.filter(employer=org_tree["employer_a"]).values_list("state", "n"))
    assert counts == {"employer_review": 0, "unit_publicity": 2}
