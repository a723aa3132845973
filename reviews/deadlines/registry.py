"""The registry of deadline sweeps: each a function ``(today) -> SweepResult``, run under its own lock.

A sweep is idempotent (a second run for the same day changes nothing), set-based (a constant number
of queries whatever the number of declarations) and reads its dates from the plans' phases and the
rulebook (``titles.plan_rules.PlanRules``). ``run_sweep`` runs one inside a transaction holding a
PostgreSQL advisory transaction lock of its own, so two workers running it at once are serialised:
the second waits, then finds nothing left to do (SQLite serialises writers by itself). A sweep that moves
many declarations (``declarations.bulk.take_system_action(parallel=True)``) commits them in parts of its own,
each on a connection of its own, while this transaction keeps the lock. The clock is frozen at ``today`` for
the sweep (the parts' threads too), so every rule it calls reads the same day.

To add a sweep (meetings not finished by 11-30, results 公示 over, results not published by 12-31,
credit records or expert suspensions that expire): write ``@register("code", "中文名称")`` on a
function in a module of this package and import that module in ``__init__.py``; the beat tasks
(``reviews/tasks.py``) and ``manage.py run_deadlines`` pick it up.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction

from config.clock import frozen

logger = logging.getLogger(__name__)

SWEEP = "sweep"  # run after midnight and hourly
REMINDER = "reminder"  # run in the morning


@dataclass
class SweepResult:
    """What a sweep changed: counts under Chinese labels, a few example ids, lines for operators."""

    changed: dict[str, int] = field(default_factory=dict)
    examples: list[int] = field(default_factory=list)
    details: list[str] = field(default_factory=list)

    def add(self, label: str, ids: list[int] | int) -> None:
        count = ids if isinstance(ids, int) else len(ids)
        self.changed[label] = self.changed.get(label, 0) + count
        if not isinstance(ids, int):
            self.examples.extend(ids[: max(0, 5 - len(self.examples))])

    @property
    def total(self) -> int:
        return sum(self.changed.values())


@dataclass(frozen=True)
class Sweep:
    code: str
    label: str
    group: str
    run: Callable[[date], SweepResult]


SWEEPS: dict[str, Sweep] = {}


def register(code: str, label: str, *, group: str = SWEEP):
    def decorate(function: Callable[[date], SweepResult]):
        SWEEPS[code] = Sweep(code, label, group, function)
        return function

    return decorate


def lock_key(code: str) -> int:
    """The advisory lock of one sweep: a stable 63-bit number from its code."""
    return 0x7A68_0000_0000_0000 | zlib.crc32(f"deadline-sweep:{code}".encode())


def run_sweep(code: str, today: date) -> SweepResult:
    sweep = SWEEPS[code]
    with frozen(today), transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_key(code)])
        return sweep.run(today)


def run_group(today: date, group: str | None = None) -> list[tuple[Sweep, SweepResult]]:
    """Every registered sweep of ``group`` (None: all), in registration order, each in its own
    transaction; a sweep that fails is logged and reported, and the others still run."""
    results = []
    for sweep in list(SWEEPS.values()):
        if group is not None and sweep.group != group:
            continue
        try:
            result = run_sweep(sweep.code, today)
        except Exception as exc:  # noqa: BLE001 - one broken sweep must not stop the others
            logger.exception("到期处理 %s 失败", sweep.code)
            result = SweepResult(details=[f"失败：{type(exc).__name__}: {exc}"])
        results.append((sweep, result))
    return results
