"""The event log as a hash chain: verify_events proves it whole or names the first broken event;
on PostgreSQL the application's role can neither truncate it nor switch its triggers off."""

import threading
import uuid

import pytest
from django.db import DatabaseError, close_old_connections, connection, transaction

from accounts.eventchain import GENESIS
from accounts.models import Event, Role
from accounts.services import record_event
from tests.commands import run_command
from tests.factories import user_with_role

postgresql_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL only")


def _three_events(org_tree):
    actor = user_with_role(Role.SYSTEM_ADMIN, org_tree["bureau"])
    return [record_event(actor=actor, action=f"step_{n}", obj=org_tree["employer_a"], comment=f"第 {n} 步")
            for n in range(3)]


def _tamper(sql: str, params):
    """Write past the ORM's refusal (and, on PostgreSQL, past the trigger, as a database owner could)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE accounts_event DISABLE TRIGGER accounts_event_immutable")
        cursor.execute(sql, params)


@pytest.mark.django_db
def test_each_event_is_chained_to_the_one_before(org_tree):
    events = _three_events(org_tree)
    assert events[0].prev_hash == GENESIS or Event.objects.filter(pk__lt=events[0].pk).exists()
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert len({e.hash for e in events}) == 3 and all(len(e.hash) == 64 for e in events)
    code, out, err = run_command("verify_events")
    assert (code, err) == (0, "") and "完整" in out
    assert f"第 {events[-1].pk} 条" in out and events[-1].hash in out  # the head, for an auditor to note


@pytest.mark.django_db
def test_an_events_hash_is_chain_hash_of_its_content_whatever_it_holds(org_tree, rf):
    """On PostgreSQL the INSERT hashes the payload itself (accounts.services._append_in_postgresql): the hash is
    the one ``chain_hash`` gives in Python, with quotes, backslashes, control characters and Chinese in the text."""
    from accounts.eventchain import chain_hash

    actor = user_with_role(Role.SYSTEM_ADMIN, org_tree["bureau"])
    request = rf.post("/", REMOTE_ADDR="2001:db8::1")
    request.user = actor
    first = record_event(actor=actor, action="odd", obj=org_tree["employer_a"], request=request,
                         comment='引号"、反斜杠\\、换行\n、制表\t、控制\x01\x1f、表情😀', from_state="a", to_state="b")
    second = record_event(actor=None, action="plain", obj=org_tree["employer_a"])
    for event in (first, second):
        stored = Event.objects.get(pk=event.pk)
        assert (stored.prev_hash, stored.hash) == (event.prev_hash, event.hash)
        assert stored.hash == chain_hash(stored.prev_hash, stored.chain_content())
    assert second.prev_hash == first.hash and Event.objects.get(pk=first.pk).ip_address == "2001:db8::1"
    assert run_command("verify_events")[0] == 0


@pytest.mark.django_db
def test_verify_events_names_the_event_whose_comment_was_rewritten(org_tree):
    events = _three_events(org_tree)
    _tamper("UPDATE accounts_event SET comment = %s WHERE id = %s", ["改写的意见", events[1].pk])
    code, out, err = run_command("verify_events")
    assert code == 1 and out == ""
    assert err.count("\n") == 1
    assert f"第 {events[1].pk} 条事件" in err and "step_1" in err and "被改动" in err


@pytest.mark.django_db
def test_verify_events_notices_a_deleted_event(org_tree):
    events = _three_events(org_tree)
    _tamper("DELETE FROM accounts_event WHERE id = %s", [events[1].pk])
    code, _, err = run_command("verify_events")
    assert code == 1 and f"第 {events[2].pk} 条事件" in err and "前一事件" in err


@pytest.mark.django_db
def test_verify_events_notices_a_forged_hash(org_tree):
    events = _three_events(org_tree)
    _tamper("UPDATE accounts_event SET to_state = 'approved', hash = %s WHERE id = %s", ["f" * 64, events[0].pk])
    code, _, err = run_command("verify_events")
    assert code == 1 and f"第 {events[0].pk} 条事件" in err


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_do_not_fork_the_chain(org_tree):
    target = org_tree["employer_a"]
    errors = []

    def writer(n):
        try:
            for i in range(15):
                with transaction.atomic():
                    record_event(actor=None, action=f"writer_{n}", obj=target, comment=str(i))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Event.objects.count() == 45
    assert Event.objects.values("prev_hash").distinct().count() == 45
    assert run_command("verify_events")[0] == 0


@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("sent", ["one text", "prepared, in a pipeline"])
def test_an_event_written_while_another_holds_the_chain_follows_it(org_tree, monkeypatch, sent):
    """The chain's lock, the INSERT (and a statement of the change before them) go in one round trip: each
    statement takes its own snapshot, so an event whose lock was granted when another writer committed reads
    that writer's event as the last one (with the lock's snapshot it would chain to the same predecessor). Sent as
    one text of statements (a plain transaction) or, in a transition's transaction on a kept connection, as
    prepared statements in one pipeline (``config.prepared.execute_together``)."""
    from django.test.utils import CaptureQueriesContext

    from config import prepared

    if sent != "one text":
        monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 600)
    bound = []
    monkeypatch.setattr(prepared, "_executed",
                        lambda *args, _real=prepared._executed, **kw: bound.append(1) or _real(*args, **kw))

    def follower():
        with transaction.atomic():
            return record_event(actor=None, action="follower", obj=org_tree["employer_a"], before=("SELECT 1", []))

    if sent != "one text":
        prepared.retrying_stale(follower)  # the statements prepared on this connection
        assert bound == []
    target = org_tree["employer_a"]
    written, found, errors = threading.Event(), {}, []

    def holder():
        try:
            with transaction.atomic():
                found["held"] = record_event(actor=None, action="holder", obj=target)
                written.set()
                threading.Event().wait(0.5)  # the other writer's round trip waits on the lock meanwhile
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            written.set()
            connection.close()

    thread = threading.Thread(target=holder)
    thread.start()
    written.wait(10)
    with CaptureQueriesContext(connection) as done:
        event = follower() if sent == "one text" else prepared.retrying_stale(follower)
    thread.join()
    assert errors == [] and len([q for q in done.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")]) == 1
    assert bound == ([] if sent == "one text" else [1])
    assert event.prev_hash == found["held"].hash == Event.objects.get(pk=found["held"].pk).hash
    assert run_command("verify_events")[0] == 0


@postgresql_only
@pytest.mark.django_db
def test_truncate_is_refused_even_for_the_owner(org_tree):
    _three_events(org_tree)
    with pytest.raises(DatabaseError, match="事件日志不可清空"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("TRUNCATE accounts_event")
    assert Event.objects.count() == 3


@postgresql_only
@pytest.mark.django_db
def test_the_application_role_may_append_events_but_not_truncate_or_disable_triggers(org_tree):
    role = f"zh_test_app_{uuid.uuid4().hex[:8]}"  # CREATE ROLE is rolled back with the test's transaction
    code, out, err = run_command("grant_app_role", role)
    assert code == 0 and role in out, err
    events = _three_events(org_tree)

    def as_app_role(sql, params=()):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f'SET LOCAL ROLE "{role}"')
            cursor.execute(sql, params)

    refused = [
        "TRUNCATE accounts_event",
        "ALTER TABLE accounts_event DISABLE TRIGGER accounts_event_immutable",
        "ALTER TABLE accounts_event DISABLE TRIGGER ALL",
        "DROP TRIGGER accounts_event_no_truncate ON accounts_event",
        "SET session_replication_role = replica",
        f"UPDATE accounts_event SET comment = 'x' WHERE id = {events[0].pk}",
        f"DELETE FROM accounts_event WHERE id = {events[0].pk}",
    ]
    for sql in refused:
        with pytest.raises(DatabaseError, match="permission denied|must be owner|不可") as refusal:
            as_app_role(sql)
        assert "pending trigger" not in str(refusal.value)
    assert Event.objects.count() == 3

    with transaction.atomic(), connection.cursor() as cursor:  # the application's own work still runs
        cursor.execute(f'SET LOCAL ROLE "{role}"')
        record_event(actor=None, action="as_app_role", obj=org_tree["bureau"])
        cursor.execute("UPDATE accounts_organisation SET name = name WHERE id = %s", [org_tree["bureau"].pk])
    assert run_command("verify_events")[0] == 0


@postgresql_only
@pytest.mark.django_db
def test_grant_app_role_refuses_the_owner():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="不能是表的所有者"):
        run_command("grant_app_role", owner)


@postgresql_only
@pytest.mark.django_db
def test_grant_app_role_refuses_a_role_with_powers():
    from django.core.management.base import CommandError

    role = f"zh_test_power_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{role}" CREATEDB')
    with pytest.raises(CommandError, match="不能作为应用程序角色"):
        run_command("grant_app_role", role)
