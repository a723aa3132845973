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


def chain_hash(prev_hash: str, content: dict) -> str:
    payload = json.dumps([prev_hash, content], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


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
