"""The draw of experts for one review group (随机抽取评审专家), with recusal built in. Pure: standard library only.

Inputs are plain dataclasses: the pool as it stood (``Candidate``), what the group needs (``GroupNeed``),
the group's applicants and their employers, the recorded conflicts, the meeting date. The draw never
picks a barred expert, one suspended on the meeting date, one outside their term, one from the employer
of ANY applicant in the group, one with a recorded conflict with any applicant or their employer, or
one already drawn for another group of the meeting. It is deterministic: the eligible candidates are
sorted by id and sampled with ``random.Random(seed)``; the seed comes from ``secrets`` in the service.
``DrawInput.to_json``/``from_json`` are the snapshot a ``Draw`` stores, so ``replay`` recomputes it.

Composition limits (``composition_problems``) are rulebook numbers (``PlanRules``): an odd size, and a
senior (正高/副高) group of at least 25 experts by series or 11 by specialty (人社部令第40号).
"""

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from titles.plan_rules import PlanProblem, PlanRules

ALGORITHM = "sorted-ids-random-sample"
ALGORITHM_VERSION = "1"

SENIOR, ASSOCIATE_SENIOR = "senior", "associate_senior"
SENIOR_LEVELS = (SENIOR, ASSOCIATE_SENIOR)
ACTIVE, SUSPENDED, BARRED = "active", "suspended", "barred"


@dataclass(frozen=True)
class Candidate:
    id: int
    series_id: int
    level: str  # the expert's own title level: "senior" (正高) or "associate_senior" (副高)
    specialty_ids: frozenset[int]
    employer_id: int
    status: str
    suspended_until: date | None
    term_start: date
    term_end: date


@dataclass(frozen=True)
class GroupNeed:
    series_id: int
    level: str  # the title level the group reviews
    specialty_id: int | None  # None: drawn by series
    size: int


@dataclass(frozen=True)
class Conflict:
    expert_id: int
    applicant_id: int | None
    organisation_id: int | None


@dataclass(frozen=True)
class DrawInput:
    on: date  # the meeting date
    need: GroupNeed
    candidates: tuple[Candidate, ...]
    applicant_ids: frozenset[int]
    employer_ids: frozenset[int]
    conflicts: tuple[Conflict, ...] = ()
    taken_ids: frozenset[int] = frozenset()  # already drawn for another group of the meeting

    def to_json(self) -> dict:
        return {
            "on": self.on.isoformat(),
            "need": {"series_id": self.need.series_id, "level": self.need.level,
                     "specialty_id": self.need.specialty_id, "size": self.need.size},
            "candidates": [
                {"id": c.id, "series_id": c.series_id, "level": c.level, "specialty_ids": sorted(c.specialty_ids),
                 "employer_id": c.employer_id, "status": c.status,
                 "suspended_until": c.suspended_until.isoformat() if c.suspended_until else None,
                 "term_start": c.term_start.isoformat(), "term_end": c.term_end.isoformat()}
                for c in sorted(self.candidates, key=lambda c: c.id)
            ],
            "applicant_ids": sorted(self.applicant_ids),
            "employer_ids": sorted(self.employer_ids),
            "conflicts": [{"expert_id": c.expert_id, "applicant_id": c.applicant_id,
                           "organisation_id": c.organisation_id}
                          for c in sorted(self.conflicts, key=lambda c: (c.expert_id, c.applicant_id or 0,
                                                                         c.organisation_id or 0))],
            "taken_ids": sorted(self.taken_ids),
        }

    @classmethod
    def from_json(cls, data: Mapping) -> "DrawInput":
        def day(value):
            return date.fromisoformat(value) if value else None

        need = data["need"]
        return cls(
            on=date.fromisoformat(data["on"]),
            need=GroupNeed(series_id=need["series_id"], level=need["level"], specialty_id=need["specialty_id"],
                           size=need["size"]),
            candidates=tuple(
                Candidate(id=c["id"], series_id=c["series_id"], level=c["level"],
                          specialty_ids=frozenset(c["specialty_ids"]), employer_id=c["employer_id"],
                          status=c["status"], suspended_until=day(c["suspended_until"]),
                          term_start=day(c["term_start"]), term_end=day(c["term_end"]))
                for c in data["candidates"]),
            applicant_ids=frozenset(data["applicant_ids"]),
            employer_ids=frozenset(data["employer_ids"]),
            conflicts=tuple(Conflict(expert_id=c["expert_id"], applicant_id=c["applicant_id"],
                                     organisation_id=c["organisation_id"]) for c in data["conflicts"]),
            taken_ids=frozenset(data.get("taken_ids", ())),
        )


def qualifies(expert_level: str, reviewed_level: str) -> bool:
    """An expert holds a title of the level reviewed or above: 正高 groups take 正高 experts; every other
    group takes 正高 and 副高 experts (评审专家具有本系列或专业相应层级的职称)."""
    if reviewed_level == SENIOR:
        return expert_level == SENIOR
    return expert_level in SENIOR_LEVELS


def available(candidate: Candidate, on: date) -> bool:
    """Neither barred, nor suspended on the meeting date, and within the term."""
    if candidate.status == BARRED:
        return False
    if candidate.status == SUSPENDED and (candidate.suspended_until is None or on <= candidate.suspended_until):
        return False
    return candidate.term_start <= on <= candidate.term_end


def conflicted_ids(inputs: DrawInput) -> set[int]:
    """Experts with a recorded conflict with any applicant of the group or with any applicant's employer."""
    return {c.expert_id for c in inputs.conflicts
            if (c.applicant_id is not None and c.applicant_id in inputs.applicant_ids)
            or (c.organisation_id is not None and c.organisation_id in inputs.employer_ids)}


def eligible(inputs: DrawInput) -> list[Candidate]:
    """The candidates the draw may pick, sorted by id."""
    need, blocked = inputs.need, conflicted_ids(inputs) | set(inputs.taken_ids)
    return sorted(
        (c for c in inputs.candidates
         if available(c, inputs.on)
         and c.series_id == need.series_id
         and qualifies(c.level, need.level)
         and (need.specialty_id is None or need.specialty_id in c.specialty_ids)
         and c.employer_id not in inputs.employer_ids
         and c.id not in blocked),
        key=lambda c: c.id)


def composition_problems(need: GroupNeed, rules: PlanRules) -> list[PlanProblem]:
    """The group's size against the rulebook: odd; a senior group by series or specialty at its minimum."""
    problems = []
    if need.size < 1:
        problems.append(PlanProblem("COMMITTEE_SIZE_ODD", "抽取专家人数应至少为 1 人", "rulebook"))
    elif rules.committee_size_odd and need.size % 2 == 0:
        problems.append(PlanProblem("COMMITTEE_SIZE_ODD", f"评审专家人数应为单数，本组为 {need.size} 人",
                                    "rulebook"))
    if need.level in SENIOR_LEVELS:
        if need.specialty_id is None and need.size < rules.senior_min_members_by_series:
            problems.append(PlanProblem(
                "COMMITTEE_MIN_SERIES",
                f"按系列组建的高级评审组评审专家不少于 {rules.senior_min_members_by_series} 人，本组为 {need.size} 人",
                "rulebook"))
        if need.specialty_id is not None and need.size < rules.senior_min_members_by_specialty:
            problems.append(PlanProblem(
                "COMMITTEE_MIN_SPECIALTY",
                f"按专业组建的高级评审组评审专家不少于 {rules.senior_min_members_by_specialty} 人，本组为 {need.size} 人",
                "rulebook"))
    return problems


class PoolTooSmall(ValueError):
    """Fewer eligible experts than the group needs (``have`` of ``need``)."""

    def __init__(self, have: int, need: int):
        self.have, self.need = have, need
        super().__init__(f"符合条件、无回避关系的专家仅 {have} 人，本组需抽取 {need} 人")


def draw(inputs: DrawInput, seed: str) -> tuple[int, ...]:
    """The chosen expert ids, in the order drawn. Raises ``PoolTooSmall`` when the pool cannot fill the group."""
    pool = eligible(inputs)
    if len(pool) < inputs.need.size:
        raise PoolTooSmall(len(pool), inputs.need.size)
    chosen = random.Random(seed).sample(pool, inputs.need.size)
    return tuple(c.id for c in chosen)


def replay(snapshot: Mapping, seed: str, result: Iterable[int]) -> tuple[bool, tuple[int, ...] | None]:
    """Recompute a recorded draw: (matches, recomputed ids or None when the snapshot no longer draws)."""
    try:
        again = draw(DrawInput.from_json(snapshot), seed)
    except (PoolTooSmall, KeyError, TypeError, ValueError):
        return False, None
    return again == tuple(result), again
