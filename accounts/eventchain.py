"""The event log as a hash chain (pure: no ORM).

Each event's ``hash`` is SHA-256 over the previous event's hash and the event's own content, written
as canonical JSON. Changing, deleting or inserting a row in the middle breaks every hash after it;
``manage.py verify_events`` walks the chain in id order and names the first event that does not fit.
Migration 0003 imports this module to backfill old rows: change the format only with a migration.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

GENESIS = "0" * 64  # the "previous hash" of the first event


def event_content(*, actor_id, action, content_type: str, object_id, object_repr, from_state, to_state, comment,
                  ip_address, created_at: datetime) -> dict:
    """What an event's hash covers; ``content_type`` is ``app_label.model``."""
    return {
        "actor": actor_id,
        "action": action,
        "content_type": content_type,
        "object_id": str(object_id),
        "object_repr": object_repr,
        "from_state": from_state,
        "to_state": to_state,
        "comment": comment,
        "ip_address": ip_address or None,
        "created_at": created_at.astimezone(UTC).isoformat(timespec="microseconds"),
    }


def chain_payload(prev_hash: str, content: dict) -> str:
    """The text an event's hash is taken over: canonical JSON of the previous hash and the content."""
    return json.dumps([prev_hash, content], ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def chain_hash(prev_hash: str, content: dict) -> str:
    return hashlib.sha256(chain_payload(prev_hash, content).encode("utf-8")).hexdigest()


PREV_SLOT = "prev_hash"


def payload_template(content: dict, slots: Iterable[str]) -> tuple[list[str], list[str]]:
    """``chain_payload`` cut where a batch's events differ, for hashing a batch whose other content is
    shared in PostgreSQL (``accounts.services.record_events_sql``).

    ``slots`` are keys of ``content`` (an ``event_content``) whose values differ from event to event;
    answers the literal pieces and the slot names in payload order (``PREV_SLOT``, the previous hash,
    first), so that one event's payload is ``pieces[0] + json(v0) + pieces[1] + … + pieces[-1]``, each
    value written as a JSON string as ``json.dumps`` writes it. PostgreSQL's ``to_json(text)`` writes
    it alike: both escape ``"``, backslash, ``\\b \\f \\n \\r \\t`` and other control characters
    as ``\\u00xx`` and nothing else (``tests/accounts/test_event_chain_batch.py`` holds them to it)."""
    marks = {name: f"\x01slot:{name}\x01" for name in (PREV_SLOT, *slots)}
    payload = chain_payload(marks[PREV_SLOT], {**content, **{name: marks[name] for name in slots}})
    pieces, order, rest = [], [], payload
    while True:
        found = sorted((rest.find(json.dumps(mark)), name) for name, mark in marks.items()
                       if json.dumps(mark) in rest)
        if not found:
            break
        at, name = found[0]
        pieces.append(rest[:at])
        order.append(name)
        rest = rest[at + len(json.dumps(marks[name])):]
    pieces.append(rest)
    if sorted(order) != sorted(marks):
        raise ValueError("每个可变字段须在哈希内容中恰好出现一次")
    return pieces, order


@dataclass(frozen=True)
class ChainLink:
    pk: int
    prev_hash: str
    hash: str
    content: dict


@dataclass(frozen=True)
class ChainBreak:
    pk: int
    reason: str


def first_break(links: Iterable[ChainLink]) -> ChainBreak | None:
    """The first link (in the order given, which must be id order) that breaks the chain, or None."""
    expected_prev = GENESIS
    for link in links:
        if link.prev_hash != expected_prev:
            return ChainBreak(link.pk, "前一事件哈希与上一条事件不符（其前的事件被删除、插入或改动）")
        if chain_hash(link.prev_hash, link.content) != link.hash:
            return ChainBreak(link.pk, "内容与哈希不符（该事件被改动）")
        expected_prev = link.hash
    return None
