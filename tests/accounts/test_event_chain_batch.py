"""The event chain's batch form (``accounts.services.record_events_sql``): a batch hashed in PostgreSQL gives
the hashes ``eventchain.chain_hash`` gives, whatever the text (quotes, backslashes, control characters,
CJK), and interleaves with single events appended before and after it: ``verify_events`` proves it whole."""

from datetime import UTC, datetime

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.eventchain import (
    PREV_SLOT,
    ChainLink,
    chain_hash,
    chain_payload,
    event_content,
    first_break,
    payload_template,
)
from accounts.models import Event, Organisation, Role
from accounts.services import BATCH_SLOTS, record_event, record_events_sql
from tests.commands import run_command
from tests.factories import user_with_role

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="the batch is hashed in PostgreSQL")]

AWKWARD = ['引号"和\\反斜杠', "换行\n回车\r制表\t退格\b换页\f", "控制字符\x01\x1f\x7f", "", "😀 emoji · é",
           "\u2028\u2029 行分隔符", "</script>&<>'", "  前后空格  ", "x" * 250]


def _batch(entries: list[dict]) -> int:
    """``entries`` (object_id, object_repr, from_state, to_state, comment) as a SELECT, through record_events_sql."""
    params, rows = {}, []
    for i, entry in enumerate(entries):
        columns = []
        for name in BATCH_SLOTS:
            params[f"{name}{i}"] = str(entry[name])
            columns.append(f"%({name}{i})s::text AS {name}")
        rows.append(f"SELECT {i} AS ord, {', '.join(columns)}")
    with transaction.atomic():
        return record_events_sql(action="batch_test", model=Organisation, entries_sql=" UNION ALL ".join(rows),
                                 params=params)


def _links():
    return [ChainLink(e.pk, e.prev_hash, e.hash, e.chain_content()) for e in Event.objects.order_by("pk")]


def test_the_template_rebuilds_the_payload():
    content = event_content(actor_id=None, action="abandon", content_type="declarations.declaration", object_id=7,
                            object_repr='张"三', from_state="returned", to_state="abandoned", comment="逾期\n",
                            ip_address=None, created_at=datetime(2026, 9, 23, 0, 5, tzinfo=UTC))
    pieces, order = payload_template(content, BATCH_SLOTS)
    assert order[0] == PREV_SLOT and sorted(order[1:]) == sorted(BATCH_SLOTS)
    import json

    values = {PREV_SLOT: "ab" * 32, **{name: content[name] for name in BATCH_SLOTS}}
    rebuilt = pieces[0] + "".join(json.dumps(values[name], ensure_ascii=False) + piece
                                  for name, piece in zip(order, pieces[1:], strict=True))
    assert rebuilt == chain_payload("ab" * 32, content)


def test_a_batch_hashes_as_chain_hash_does_and_interleaves_with_single_events(org_tree):
    actor = user_with_role(Role.SYSTEM_ADMIN, org_tree["bureau"])
    before = record_event(actor=actor, action="before", obj=org_tree["employer_a"], comment="之前")
    entries = [{"object_id": 1000 + i, "object_repr": text, "from_state": "returned", "to_state": f"状态{i}",
                "comment": text[::-1]} for i, text in enumerate(AWKWARD)]
    assert _batch(entries) == len(AWKWARD)
    after = record_event(actor=None, action="after", obj=org_tree["employer_b"], comment="之后")
    events = list(Event.objects.order_by("pk"))
    batch = [e for e in events if e.action == "batch_test"]
    assert [e.object_repr for e in batch] == [text[:200] for text in AWKWARD]  # written in order, cut as before
    assert batch[0].prev_hash == before.hash and after.prev_hash == batch[-1].hash
    for event in batch:
        assert event.hash == chain_hash(event.prev_hash, event.chain_content())
        assert event.actor_id is None and event.ip_address is None
    assert first_break(_links()) is None
    code, out, err = run_command("verify_events")
    assert (code, err) == (0, "") and "完整" in out


def test_an_empty_batch_writes_nothing(org_tree):
    with transaction.atomic():
        assert record_events_sql(action="none", model=Organisation, params={}, entries_sql=(
            "SELECT 1 AS ord, '1' AS object_id, '' AS object_repr, '' AS from_state, '' AS to_state, '' AS comment "
            "WHERE false")) == 0
    assert not Event.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_batch_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        record_events_sql(action="x", model=Organisation, entries_sql="SELECT 1", params={})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",))),
                min_size=1, max_size=8))
def test_any_text_hashes_alike_in_postgresql_and_python(texts):
    with transaction.atomic():
        start = Event.objects.count()
        sid = transaction.savepoint()
        _batch([{"object_id": i, "object_repr": t, "from_state": t[:64], "to_state": "", "comment": t}
                for i, t in enumerate(texts)])
        batch = list(Event.objects.order_by("pk")[start:])
        assert len(batch) == len(texts)
        for event in batch:
            assert event.hash == chain_hash(event.prev_hash, event.chain_content())
        transaction.savepoint_rollback(sid)
