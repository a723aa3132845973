"""The sweeps are set-based: the queries of a sweep do not grow with the declarations it moves, and two
workers running the same sweep at once move each declaration once (PostgreSQL: advisory locks and
bulk inserts in one statement; SQLite splits bulk inserts at 999 parameters and has no such locks)."""

import threading
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.eventchain import first_break
from accounts.models import Event
from accounts.selectors import event_chain_links
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
    with django_assert_max_num_queries(4) as queries:  # savepoint, the sweep's lock, one UPDATE … RETURNING, release
        result = run_sweep("expire_drafts", date(2026, 10, 1))
    assert result.total == size and result.examples == list(Declaration.objects.order_by("pk")
                                                             .values_list("pk", flat=True)[:5])
    assert not any(len(query["sql"]) > 2000 for query in queries.captured_queries)  # no list of ids sent back
    assert Declaration.objects.filter(expired_on=date(2026, 10, 1)).count() == size


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
    assert first_break(event_chain_links()) is None


@POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_a_large_sweep_moves_its_declarations_in_parts_at_once(settings, plan, org_tree, people):
    """From ``SWEEP_PARALLEL_MIN`` declarations on, ``SWEEP_WRITERS`` parts of consecutive ids, each a
    transaction of its own (another ``xmin``) holding everything written for its declarations; one chain."""
    from accounts.models import Notification

    settings.SWEEP_PARALLEL_MIN, settings.SWEEP_WRITERS = 12, 3
    built = returned_declarations(plan, org_tree["employer_a"], 30, deadline=date(2026, 9, 22),
                                  returned_by=people["handler"])
    before = run_sweep("abandon_corrections", date(2026, 9, 21))  # nothing due: no part, nothing written
    assert before.total == 0 and not Decision.objects.exists()
    result = run_sweep("abandon_corrections", date(2026, 9, 23))
    ids = [d.pk for d in built]
    assert result.total == 30 and result.examples == ids[:5]
    assert set(Declaration.objects.values_list("state", flat=True)) == {"abandoned"}

    def transactions(sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return dict(cursor.fetchall())

    written_by = transactions("SELECT id, xmin::text FROM declarations_declaration")
    assert len(set(written_by.values())) == 3
    parts = [sorted(pk for pk in ids if written_by[pk] == x) for x in set(written_by.values())]
    assert sorted(len(part) for part in parts) == [10, 10, 10]
    assert all(max(a) < min(b) or max(b) < min(a) for a in parts for b in parts if a is not b)  # consecutive ids
    # each declaration's decision, event, history row and notification in its part's transaction
    decisions = transactions("SELECT declaration_id, xmin::text FROM reviews_decision")
    events = transactions("SELECT object_id::bigint, xmin::text FROM accounts_event WHERE action = 'abandon'")
    history = transactions("SELECT id, xmin::text FROM declarations_historicaldeclaration WHERE history_type = '~'")
    applicants = {d.applicant_id: d.pk for d in built}
    notices = {applicants[n.recipient_id]: n for n in Notification.objects.filter(key__startswith="decision:")}
    told = transactions("SELECT id, xmin::text FROM accounts_notification")
    assert decisions == events == history == written_by == {pk: told[notices[pk].pk] for pk in ids}
    swept = list(Event.objects.filter(action="abandon").order_by("pk"))
    for part in parts:  # each part's events in id order, one part after another
        assert [int(e.object_id) for e in swept if int(e.object_id) in part] == part
    assert first_break(event_chain_links()) is None
    assert run_sweep("abandon_corrections", date(2026, 9, 23)).total == 0


@POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_a_part_that_fails_rolls_back_alone_and_the_next_run_moves_the_rest(settings, plan, org_tree, people):
    """PostgreSQL refuses one declaration's UPDATE (a trigger made for this test): its part is rolled back whole,
    the other part is committed whole, the sweep reports the error (``run_group``), and the next run, once the
    refusal is gone, moves what was left; the event chain stays whole."""
    from reviews.deadlines import run_group

    settings.SWEEP_PARALLEL_MIN, settings.SWEEP_WRITERS = 2, 2
    built = returned_declarations(plan, org_tree["employer_a"], 10, deadline=date(2026, 9, 22),
                                  returned_by=people["handler"])
    ids = [d.pk for d in built]
    refused = ids[-1]  # in the second part (ids above the median)
    with connection.cursor() as cursor:
        cursor.execute(f"""
            CREATE FUNCTION zc_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'zc_test: refused'; END $$;
            CREATE TRIGGER zc_test_refuse BEFORE UPDATE ON declarations_declaration
            FOR EACH ROW WHEN (OLD.id = {refused}) EXECUTE FUNCTION zc_test_refuse();
        """)
    try:
        results = dict((sweep.code, result) for sweep, result in run_group(date(2026, 9, 23)))
        assert "zc_test: refused" in results["abandon_corrections"].details[0]
        states = dict(Declaration.objects.values_list("pk", "state"))
        assert [pk for pk in ids if states[pk] == "abandoned"] == ids[:5]  # the first part, whole
        assert [pk for pk in ids if states[pk] == "returned"] == ids[5:]  # the second, rolled back whole
        assert sorted(Decision.objects.values_list("declaration_id", flat=True)) == ids[:5]
        assert sorted(int(e.object_id) for e in Event.objects.filter(action="abandon")) == ids[:5]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER zc_test_refuse ON declarations_declaration; DROP FUNCTION zc_test_refuse()")
    assert run_sweep("abandon_corrections", date(2026, 9, 23)).total == 5
    assert set(Declaration.objects.values_list("state", flat=True)) == {"abandoned"}
    assert Decision.objects.filter(action="abandon").count() == 10
    assert first_break(event_chain_links()) is None


@POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_a_sweep_in_a_transaction_that_wrote_moves_everything_in_it(settings, plan, org_tree, people):
    """The parts' connections would not see the caller's uncommitted rows: a caller whose transaction has
    written (here: the declarations themselves) gets them all moved in its own transaction."""
    from django.db import transaction

    settings.SWEEP_PARALLEL_MIN, settings.SWEEP_WRITERS = 2, 3
    with transaction.atomic():
        returned_declarations(plan, org_tree["employer_a"], 9, deadline=date(2026, 9, 22),
                              returned_by=people["handler"])
        # the parts' connections would have found none of the nine (not committed)
        assert run_sweep("abandon_corrections", date(2026, 9, 23)).total == 9
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(DISTINCT xmin::text) FROM reviews_decision")
            assert cursor.fetchone()[0] == 1
    assert set(Declaration.objects.values_list("state", flat=True)) == {"abandoned"}


# --- the set-based transitions in PostgreSQL (declarations/bulk.py) ---------------------------------


def _count_queries(size, plan, employer, handler):
    returned_declarations(plan, employer, size, deadline=date(2026, 9, 22), returned_by=handler,
                          prefix=f"count{size}-")
    with CaptureQueriesContext(connection) as queries:
        assert run_sweep("abandon_corrections", date(2026, 9, 23)).total == size
    return len(queries)


@POSTGRESQL
@pytest.mark.django_db
def test_the_query_count_is_the_same_at_50_and_500(plan, org_tree, people):
    from django.db import transaction

    counts = []
    for size in (50, 500):
        with transaction.atomic():
            counts.append(_count_queries(size, plan, org_tree["employer_a"], people["handler"]))
            transaction.set_rollback(True)
    assert counts[0] == counts[1] <= 21


@POSTGRESQL
@pytest.mark.django_db
def test_a_sweeps_events_chain_between_single_events(plan, org_tree, people):
    from accounts.services import record_event
    from tests.commands import run_command

    returned_declarations(plan, org_tree["employer_a"], 30, deadline=date(2026, 9, 22), returned_by=people["handler"])
    before = record_event(actor=people["handler"], action="before", obj=org_tree["employer_a"], comment="之前")
    assert run_sweep("abandon_corrections", date(2026, 9, 23)).total == 30
    after = record_event(actor=None, action="after", obj=org_tree["employer_a"], comment="之后")
    events = list(Event.objects.order_by("pk"))
    swept = [e for e in events if e.action == "abandon"]
    assert len(swept) == 30 and [e.pk for e in events[-32:]] == [before.pk, *(e.pk for e in swept), after.pk]
    assert swept[0].prev_hash == before.hash and after.prev_hash == swept[-1].hash
    assert [int(e.object_id) for e in swept] == sorted(int(e.object_id) for e in swept)  # chained in id order
    assert first_break(event_chain_links()) is None
    code, out, err = run_command("verify_events")
    assert (code, err) == (0, "") and "完整" in out


def _written(declaration_ids):
    """What a sweep wrote for ``declaration_ids``, without ids and times (they differ from run to run)."""
    from accounts.models import Notification
    from outbox.models import OutboxMessage

    decisions = list(Decision.objects.filter(declaration_id__in=declaration_ids).order_by("declaration_id"))
    assert [d.pk for d in decisions] == sorted(d.pk for d in decisions)  # drawn in declaration order
    to_declaration = {d.pk: d.declaration_id for d in decisions}
    notices = list(Notification.objects.filter(key__startswith="decision:").order_by("pk"))
    notice_of = {n.pk: n.recipient_id for n in notices}
    events = list(Event.objects.filter(action="abandon").order_by("pk"))
    assert first_break(event_chain_links()) is None
    history = Declaration.history.filter(id__in=declaration_ids, history_type="~").order_by("id")
    return {
        "states": list(Declaration.objects.filter(pk__in=declaration_ids).order_by("pk").values_list("pk", "state")),
        "history": [(h.id, h.state, h.history_change_reason, h.history_user_id, h.applicant_id, h.employer_id,
                     h.plan_id, h.year, h.series_id, h.level, h.route, h.version, h.expired_on,
                     h.history_date == h.updated_at) for h in history],
        "decisions": [(d.declaration_id, d.action, d.actor_id, d.body_id, d.basis, d.from_state, d.to_state,
                       d.comment) for d in decisions],
        "events": [(e.object_id, e.object_repr, e.from_state, e.to_state, e.comment, e.actor_id, e.content_type_id,
                    e.ip_address) for e in events],
        "notifications": [(n.recipient_id, n.key.replace(n.key.split(":")[1], str(to_declaration[int(n.key.split(":")[1])])),
                           n.title, n.body, n.link) for n in notices],
        "outbox": [(m.kind, [notice_of[pk] for pk in m.payload["notification_ids"]])
                   for m in OutboxMessage.objects.order_by("pk")],
    }


@POSTGRESQL
@pytest.mark.django_db
def test_postgresql_writes_what_the_model_instances_wrote(monkeypatch, plan, org_tree, people):
    """The same declarations swept in PostgreSQL and, rolled back, through the model instances (the SQLite
    path, which is the code the sweep ran before): the same states, history rows, decisions, events,
    notifications and outbox messages, e-mails batched alike (inactive applicants and those without an
    e-mail address among them)."""
    from django.db import transaction

    from accounts.models import User
    from declarations import bulk
    from reviews.deadlines import sweeps

    monkeypatch.setattr("accounts.notifications.EMAIL_BATCH", 4)
    built = returned_declarations(plan, org_tree["employer_a"], 13, deadline=date(2026, 9, 22),
                                  returned_by=people["handler"])
    User.objects.filter(pk__in=[built[1].applicant_id, built[7].applicant_id]).update(email="")
    User.objects.filter(pk=built[4].applicant_id).update(is_active=False, real_name="")  # repr: the username
    ids = [d.pk for d in built]
    runs = []
    for path in (bulk._take_in_postgresql, bulk._take_in_python):
        with transaction.atomic():
            monkeypatch.setattr(bulk, "_take_in_postgresql" if connection.vendor == "postgresql"
                                else "_take_in_python", path)
            result = sweeps.abandon_corrections(date(2026, 9, 23))
            assert result.total == 13 and result.examples == ids[:5]
            runs.append(_written(ids))
            transaction.set_rollback(True)
    assert runs[0] == runs[1]
    assert len(runs[0]["notifications"]) == 12 and [len(r) for _, r in runs[0]["outbox"]] == [4, 4, 2]


@POSTGRESQL
@pytest.mark.django_db
def test_a_large_batch_retires_every_unread_count_at_once(monkeypatch, settings, plan, org_tree, people):
    from accounts import request_cache
    from accounts.notifications import unread_count

    settings.REQUEST_CACHE = True
    monkeypatch.setattr(request_cache, "BUMP_EACH_UP_TO", 3)
    built = returned_declarations(plan, org_tree["employer_a"], 5, deadline=date(2026, 9, 22),
                                  returned_by=people["handler"])
    applicant, bystander = built[0].applicant, people["admin"]
    assert unread_count(applicant) == 0 and unread_count(bystander) == 0  # now cached
    assert run_sweep("abandon_corrections", date(2026, 9, 23)).total == 5
    assert unread_count(applicant) == 1 and unread_count(bystander) == 0


@POSTGRESQL
@pytest.mark.django_db
def test_the_application_role_may_run_a_bulk_sweep(plan, org_tree, people):
    """The temporary table, the decisions' sequence and the event chain's aggregate are within the
    privileges ``grant_app_role`` gives the role the site connects as."""
    import uuid

    from django.db import transaction

    from tests.commands import run_command

    role = f"zh_test_app_{uuid.uuid4().hex[:8]}"  # CREATE ROLE is rolled back with the test's transaction
    code, out, err = run_command("grant_app_role", role)
    assert code == 0 and role in out, err
    returned_declarations(plan, org_tree["employer_a"], 5, deadline=date(2026, 9, 22), returned_by=people["handler"])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{role}"')
        assert run_sweep("abandon_corrections", date(2026, 9, 23)).total == 5
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == role
    assert Event.objects.filter(action="abandon").count() == 5
