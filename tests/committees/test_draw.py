"""The pure draw (committees/draw.py): recusal built in, deterministic, reproducible, rulebook limits."""

import random
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from committees import draw as drawing
from committees.draw import Candidate, Conflict, DrawInput, GroupNeed, PoolTooSmall
from titles.plan_rules import DEFAULT_PLAN_RULES, PlanRules

ON = date(2026, 11, 12)
SERIES = 1


def random_case(rng: random.Random) -> DrawInput:
    """A random pool (10–60 experts over 8 employers and 4 specialties, some barred, suspended or out of
    term), a random group of applicants from those employers, and random recorded conflicts."""
    employers = list(range(100, 108))
    candidates = []
    for n in range(rng.randint(10, 60)):
        status = rng.choices([drawing.ACTIVE, drawing.SUSPENDED, drawing.BARRED], [8, 1, 1])[0]
        suspended = ON + timedelta(days=rng.randint(-30, 30)) if status == drawing.SUSPENDED else None
        start = ON + timedelta(days=rng.randint(-900, 30))
        candidates.append(Candidate(
            id=rng.randint(1, 10_000) * 100 + n, series_id=rng.choice([SERIES, SERIES, SERIES, 2]),
            level=rng.choice(drawing.SENIOR_LEVELS), specialty_ids=frozenset(rng.sample(range(1, 5), rng.randint(1, 2))),
            employer_id=rng.choice(employers), status=status, suspended_until=suspended, term_start=start,
            term_end=start + timedelta(days=rng.randint(0, 1500))))
    applicant_ids = frozenset(rng.sample(range(1000, 1100), rng.randint(1, 6)))
    employer_ids = frozenset(rng.sample(employers, rng.randint(1, 3)))
    conflicts = tuple(Conflict(expert_id=rng.choice(candidates).id,
                               applicant_id=rng.choice(sorted(applicant_ids)) if rng.random() < 0.5 else None,
                               organisation_id=rng.choice(employers) if rng.random() < 0.6 else 9999)
                      for _ in range(rng.randint(0, 8)))
    need = GroupNeed(series_id=SERIES, level=rng.choice(["intermediate", "associate_senior", "senior"]),
                     specialty_id=rng.choice([None, 1, 2, 3, 4]), size=rng.choice([1, 3, 5, 7]))
    taken = frozenset(c.id for c in rng.sample(candidates, rng.randint(0, 3)))
    return DrawInput(on=ON, need=need, candidates=tuple(candidates), applicant_ids=applicant_ids,
                     employer_ids=employer_ids, conflicts=conflicts, taken_ids=taken)


def assert_lawful(case: DrawInput, chosen) -> None:
    by_id = {c.id: c for c in case.candidates}
    conflicted = {c.expert_id for c in case.conflicts
                  if c.applicant_id in case.applicant_ids or c.organisation_id in case.employer_ids}
    assert len(chosen) == case.need.size and len(set(chosen)) == len(chosen)
    for expert_id in chosen:
        expert = by_id[expert_id]
        assert expert.employer_id not in case.employer_ids, "an expert from an applicant's employer"
        assert expert_id not in conflicted, "an expert with a recorded conflict"
        assert expert.status != drawing.BARRED, "a barred expert"
        assert not (expert.status == drawing.SUSPENDED and case.on <= expert.suspended_until), "a suspended expert"
        assert expert.term_start <= case.on <= expert.term_end, "an expert outside their term"
        assert expert_id not in case.taken_ids, "an expert already in another group"
        assert expert.series_id == case.need.series_id
        assert case.need.specialty_id is None or case.need.specialty_id in expert.specialty_ids
        assert expert.level == "senior" or case.need.level != "senior"


def test_over_a_thousand_random_draws_never_pick_a_recused_barred_or_unavailable_expert():
    rng = random.Random(20261112)
    drawn = short = 0
    for _ in range(3000):
        case = random_case(rng)
        seed = f"{rng.getrandbits(128):032x}"
        try:
            chosen = drawing.draw(case, seed)
        except PoolTooSmall as exc:
            assert exc.have == len(drawing.eligible(case)) < case.need.size
            short += 1
            continue
        assert_lawful(case, chosen)
        assert drawing.draw(case, seed) == chosen  # deterministic
        assert drawing.replay(case.to_json(), seed, chosen) == (True, chosen)  # reproducible from the snapshot
        drawn += 1
    assert drawn > 1000, (drawn, short)


@settings(max_examples=200, deadline=None)
@given(seed=st.text(min_size=1, max_size=40), case_seed=st.integers(min_value=0, max_value=2**32))
def test_any_seed_gives_a_lawful_reproducible_draw(seed, case_seed):
    case = random_case(random.Random(case_seed))
    try:
        chosen = drawing.draw(case, seed)
    except PoolTooSmall:
        return
    assert_lawful(case, chosen)
    assert DrawInput.from_json(case.to_json()).to_json() == case.to_json()
    assert drawing.draw(DrawInput.from_json(case.to_json()), seed) == chosen


def _pool(n, employer=1):
    return tuple(Candidate(id=i, series_id=SERIES, level="senior", specialty_ids=frozenset({1}), employer_id=employer,
                           status="active", suspended_until=None, term_start=date(2025, 1, 1),
                           term_end=date(2028, 12, 31)) for i in range(1, n + 1))


def test_the_result_depends_on_the_seed_and_not_on_the_order_of_the_pool():
    pool = _pool(30)
    case = DrawInput(on=ON, need=GroupNeed(SERIES, "intermediate", None, 5), candidates=pool,
                     applicant_ids=frozenset({7}), employer_ids=frozenset({2}))
    shuffled = DrawInput(on=ON, need=case.need, candidates=tuple(reversed(pool)), applicant_ids=case.applicant_ids,
                         employer_ids=case.employer_ids)
    assert drawing.draw(case, "a") == drawing.draw(shuffled, "a")
    assert len({drawing.draw(case, str(n)) for n in range(20)}) > 15


def test_a_tampered_snapshot_or_result_does_not_replay():
    case = DrawInput(on=ON, need=GroupNeed(SERIES, "intermediate", None, 5), candidates=_pool(30),
                     applicant_ids=frozenset({7}), employer_ids=frozenset({2}))
    chosen = drawing.draw(case, "seed")
    snapshot = case.to_json()
    assert drawing.replay(snapshot, "seed", chosen)[0]
    assert not drawing.replay(snapshot, "seed", (*chosen[:-1], 999))[0]
    assert not drawing.replay(snapshot, "other seed", chosen)[0]
    snapshot["candidates"] = [c for c in snapshot["candidates"] if c["id"] != chosen[0]]
    assert not drawing.replay(snapshot, "seed", chosen)[0]
    assert drawing.replay({"broken": True}, "seed", chosen) == (False, None)


def test_a_pool_too_small_after_recusal_refuses():
    case = DrawInput(on=ON, need=GroupNeed(SERIES, "intermediate", None, 5), candidates=_pool(6, employer=2),
                     applicant_ids=frozenset({7}), employer_ids=frozenset({2}))
    with pytest.raises(PoolTooSmall) as info:
        drawing.draw(case, "seed")
    assert info.value.have == 0 and "仅 0 人" in str(info.value)


@pytest.mark.parametrize(("level", "specialty", "size", "rules"), [
    ("intermediate", None, 4, {"COMMITTEE_SIZE_ODD"}),
    ("intermediate", None, 3, set()),
    ("senior", None, 23, {"COMMITTEE_MIN_SERIES"}),
    ("senior", None, 25, set()),
    ("associate_senior", 3, 9, {"COMMITTEE_MIN_SPECIALTY"}),
    ("associate_senior", 3, 11, set()),
    ("senior", 3, 10, {"COMMITTEE_SIZE_ODD", "COMMITTEE_MIN_SPECIALTY"}),
])
def test_composition_limits_come_from_the_rulebook(level, specialty, size, rules):
    problems = drawing.composition_problems(GroupNeed(SERIES, level, specialty, size), DEFAULT_PLAN_RULES)
    assert {p.rule for p in problems} == rules


def test_a_bureau_may_change_the_limits_in_its_rulebook_layer():
    local = PlanRules.from_dict({"senior_min_members_by_series": 21, "committee_size_odd": False})
    assert drawing.composition_problems(GroupNeed(SERIES, "senior", None, 22), local) == []
    with pytest.raises(ValueError, match="quorum_numerator"):
        PlanRules.from_dict({"quorum_numerator": 4})
