"""The eligibility engine against its contract (ELIGIBILITY.md). Pure: no Django, no database."""

import ast
import copy
import json
import re
import sys
from datetime import date
from pathlib import Path

import pytest

from titles.eligibility import (
    DEFAULT_RULEBOOK,
    InvalidCase,
    Rulebook,
    Verdict,
    evaluate,
    parse_case,
    verdict_to_dict,
)
from titles.eligibility import engine as engine_module
from titles.eligibility.counting import add_months, add_years, whole_years

CASES_DIR = Path(__file__).resolve().parents[3] / "shared" / "cases" / "eligibility"
RULE_ORDER = [
    "EXAM_ONLY",
    "IN_SERVICE",
    "ONE_PER_YEAR",
    "BAN",
    "ASSESSMENT_RECENT",
    "INITIAL_CUTOFF",
    "EDUCATION",
    "EXCEPTIONAL_EXCELLENT",
    "EXCEPTIONAL_RECOMMENDERS",
    "DIRECTED_BASIS",
    "TRANSFER_FIRST",
    "TRANSFER",
    "TENURE",
    "SPECIALTY_MISMATCH",
    "TOWNSHIP_SERVICE",
    "CONTINUING_EDUCATION",
]
RULEBOOK_NAME = "国家默认规则库（工程系列基本标准）"
DELETE = object()

BASE = {
    "as_of": "2026-11-24",
    "declaration_year": 2026,
    "material_deadline": "2026-11-15",
    "target": {"series": "工程", "specialty": "土木工程", "level": "intermediate", "route": "regular"},
    "applicant": {
        "sector": "public",
        "in_service": True,
        "career_start": "2015-07-01",
        "grassroots_since": None,
        "county_health_edu_agri": False,
        "township_service_years": 0,
        "post_series": "工程",
        "post_since": "2015-07-01",
        "education": [
            {"degree": "bachelor", "obtained": "2015-06-30", "full_time": True, "related_to_specialty": True}
        ],
        "titles": [{"series": "工程", "level": "assistant", "obtained": "2018-12-20", "directed": False}],
        "qualifications": [],
        "assessments": {"2023": "qualified", "2024": "excellent", "2025": "qualified"},
        "continuing_education": {
            "2023": {"total": 96, "professional": 70},
            "2024": {"total": 90, "professional": 60},
            "2025": {"total": 92, "professional": 64},
        },
        "sanctions": [],
        "other_declarations": [],
        "exceptional_recommenders": [],
    },
}


# --- helpers --------------------------------------------------------------------------------------


def make(overrides=None, base=BASE):
    """A deep copy of `base` with dotted-path overrides applied (DELETE removes the key)."""
    data = copy.deepcopy(base)
    for path, value in (overrides or {}).items():
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if value is DELETE:
            del node[last]
        elif isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return data


def run(overrides=None, rulebook=DEFAULT_RULEBOOK, base=BASE) -> Verdict:
    return evaluate(parse_case(make(overrides, base)), rulebook)


def failed(overrides=None, **kwargs) -> list[str]:
    return list(run(overrides, **kwargs).failed)


def applied(overrides=None, **kwargs) -> list[str]:
    return [check.rule for check in run(overrides, **kwargs).checks]


def check(rule, overrides=None, **kwargs):
    matches = [c for c in run(overrides, **kwargs).checks if c.rule == rule]
    assert matches, f"{rule} did not apply"
    return matches[0]


def title(level, obtained, series="工程", directed=False):
    return {"series": series, "level": level, "obtained": obtained, "directed": directed}


def education(degree, obtained="2015-06-30", full_time=True, related=True):
    return {"degree": degree, "obtained": obtained, "full_time": full_time, "related_to_specialty": related}


def hours(total, professional):
    return {"total": total, "professional": professional}


def error_paths(data) -> dict[str, str]:
    with pytest.raises(InvalidCase) as info:
        parse_case(data)
    return info.value.errors


INITIAL = make(
    {
        "target.level": "assistant",
        "target.route": "initial",
        "applicant.career_start": "2025-07-01",
        "applicant.education": [education("master", "2025-06-30")],
        "applicant.titles": [],
        "applicant.assessments": {},
        "applicant.continuing_education": {},
    }
)

TRANSFER = make(
    {
        "target.route": "transfer",
        "target.series": "工程",
        "applicant.titles": [title("intermediate", "2019-12-01", series="经济")],
        "applicant.post_series": "工程",
        "applicant.post_since": "2025-03-01",
    }
)

EXCEPTIONAL = make(
    {
        "target.level": "associate_senior",
        "target.route": "exceptional",
        "applicant.education": [education("associate", "2012-06-30")],
        "applicant.titles": [title("intermediate", "2021-06-01")],
        "applicant.assessments": {"2023": "excellent", "2024": "qualified", "2025": "qualified"},
        "applicant.exceptional_recommenders": [
            {"name": "甲", "level": "senior"},
            {"name": "乙", "level": "senior"},
        ],
    }
)


# --- the shared example cases -------------------------------------------------------------------


def _shared_cases():
    if not CASES_DIR.is_dir():
        return []
    return sorted(p for p in CASES_DIR.glob("*.json") if not p.name.endswith(".expected.json"))


@pytest.mark.parametrize("case_path", _shared_cases() or [None], ids=lambda p: p.stem if p else "MISSING")
def test_shared_case(case_path):
    assert case_path is not None, f"no example cases found in {CASES_DIR}"
    expected = json.loads(case_path.with_name(case_path.stem + ".expected.json").read_text("utf-8"))
    data = json.loads(case_path.read_text("utf-8"))
    if expected.get("error"):
        with pytest.raises(InvalidCase):
            parse_case(data)
        return
    verdict = evaluate(parse_case(data))
    assert verdict.eligible == expected["eligible"]
    assert list(verdict.failed) == expected["failed"]


def test_shared_cases_folder_is_not_empty():
    assert CASES_DIR.is_dir(), f"missing {CASES_DIR}"
    assert _shared_cases(), f"no cases in {CASES_DIR}"


# --- calendar arithmetic ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "years"),
    [
        ("2018-12-20", "2026-12-31", 8),
        ("2022-01-15", "2026-12-31", 4),
        ("2022-12-31", "2026-12-31", 4),
        ("2023-01-01", "2026-12-31", 3),
        ("2020-02-29", "2024-02-28", 3),
        ("2020-02-29", "2024-02-29", 4),
        ("2020-02-29", "2021-02-28", 1),
        ("2026-12-31", "2026-12-31", 0),
        ("2027-01-01", "2026-12-31", 0),
    ],
)
def test_whole_years(start, end, years):
    assert whole_years(date.fromisoformat(start), date.fromisoformat(end)) == years


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        ("2024-02-29", 12, "2025-02-28"),
        ("2024-01-31", 1, "2024-02-29"),
        ("2023-08-31", 18, "2025-02-28"),
        ("2025-05-24", 18, "2026-11-24"),
        ("2020-12-15", 60, "2025-12-15"),
    ],
)
def test_add_months_clamps_to_month_end(start, months, end):
    assert add_months(date.fromisoformat(start), months) == date.fromisoformat(end)


def test_add_years_feb_29():
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)


# --- verdict shape ------------------------------------------------------------------------------


def test_regular_ok_lists_the_applying_rules_in_contract_order():
    verdict = run()
    assert verdict.eligible
    assert [c.rule for c in verdict.checks] == [
        "EXAM_ONLY",
        "IN_SERVICE",
        "ONE_PER_YEAR",
        "BAN",
        "ASSESSMENT_RECENT",
        "EDUCATION",
        "TRANSFER_FIRST",
        "TENURE",
        "CONTINUING_EDUCATION",
    ]


def test_verdict_to_dict_is_the_contract_json():
    verdict = run({"applicant.titles": [title("assistant", "2023-03-01")]})
    out = json.loads(json.dumps(verdict_to_dict(verdict), ensure_ascii=False))
    assert out["eligible"] is False
    assert set(out) == {"eligible", "checks"}
    for item in out["checks"]:
        assert set(item) == {"rule", "passed", "source", "message", "values"}
        assert re.search(r"[\u4e00-\u9fff]", item["message"])
    tenure = next(c for c in out["checks"] if c["rule"] == "TENURE")
    assert tenure["passed"] is False
    assert tenure["source"] == f"{RULEBOOK_NAME}；001 三(二)(三)"
    assert tenure["values"]["required_years"] == 4
    assert tenure["values"]["counted_years"] == 3
    assert (
        "3 年" in tenure["message"] and "需满 4 年" in tenure["message"] and "2026-12-31" in tenure["message"]
    )
    assert "尚差 1 年" in tenure["message"]


def test_sources_follow_the_contract():
    checks = {c.rule: c.source for c in run().checks}
    assert checks["IN_SERVICE"] == "001 三(一)"
    assert checks["ONE_PER_YEAR"] == "001 三(五), 002 五(三)"
    assert checks["EDUCATION"] == RULEBOOK_NAME
    assert checks["CONTINUING_EDUCATION"] == "002 四(三)"


def test_every_check_is_json_serialisable_on_a_busy_case():
    verdict = run(
        {
            "applicant.sanctions": [{"kind": "fraud", "date": "2025-01-01"}],
            "applicant.other_declarations": [{"year": 2026, "series": "经济", "level": "intermediate"}],
            "applicant.county_health_edu_agri": True,
            "applicant.education": [education("bachelor", related=False)],
        }
    )
    data = json.loads(json.dumps(verdict_to_dict(verdict), ensure_ascii=False))
    # declared elsewhere this year, a fraud ban (36 months) still running, a county health/education/
    # agriculture post without township service; the unrelated degree only adds two years, still met
    assert [c["rule"] for c in data["checks"] if not c["passed"]] == ["ONE_PER_YEAR", "BAN", "TOWNSHIP_SERVICE"]
    assert data["eligible"] is False and verdict.eligible is False
    assert [c["rule"] for c in data["checks"]] == [
        "EXAM_ONLY", "IN_SERVICE", "ONE_PER_YEAR", "BAN", "ASSESSMENT_RECENT", "EDUCATION", "TRANSFER_FIRST", "TENURE",
        "SPECIALTY_MISMATCH", "TOWNSHIP_SERVICE", "CONTINUING_EDUCATION"]


@pytest.mark.parametrize("module", ["engine", "counting", "rules", "tenure", "verdict"])
def test_engine_is_pure_and_reads_numbers_from_the_rulebook(module):
    source = (Path(engine_module.__file__).parent / f"{module}.py").read_text("utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            imported.add(node.module.split(".")[0])
    assert imported <= set(sys.stdlib_module_names), imported - set(sys.stdlib_module_names)  # no ORM, no I/O libs
    assert not re.search(r"(?<![\w.])(72|32|90|45|60|36|18|48|24|2019|2020|2021)(?![\w.])", source)


# --- IN_SERVICE, ONE_PER_YEAR -------------------------------------------------------------------


@pytest.mark.parametrize("sector", ["public", "non_public"])
def test_in_service_required_for_employed_sectors(sector):
    assert failed({"applicant.sector": sector, "applicant.in_service": False})[0] == "IN_SERVICE"


@pytest.mark.parametrize("sector", ["individual", "flexible"])
def test_in_service_not_applied_to_individuals(sector):
    assert "IN_SERVICE" not in applied({"applicant.sector": sector, "applicant.in_service": False})


def test_one_per_year_fails_on_another_declaration_this_year():
    decl = [{"year": 2026, "series": "经济", "level": "intermediate"}]
    assert failed({"applicant.other_declarations": decl}) == ["ONE_PER_YEAR"]
    assert "经济" in check("ONE_PER_YEAR", {"applicant.other_declarations": decl}).message


def test_one_per_year_ignores_other_years():
    decl = [{"year": 2025, "series": "经济", "level": "intermediate"}]
    assert failed({"applicant.other_declarations": decl}) == []


# --- BAN ----------------------------------------------------------------------------------------


def _ban(kind, day, as_of="2026-11-24", year=2026):
    return check(
        "BAN",
        {
            "as_of": as_of,
            "declaration_year": year,
            "applicant.sanctions": [{"kind": kind, "date": day}],
        },
    )


def test_ban_ends_exactly_on_as_of_is_not_in_force():
    assert _ban("party_warning", "2025-11-24").passed


def test_ban_one_day_before_its_end_is_in_force():
    result = _ban("party_warning", "2025-11-25")
    assert not result.passed
    assert "2026-11-25" in result.message


def test_ban_party_serious_warning_is_18_months():
    assert _ban("party_serious_warning", "2025-05-24").passed
    assert not _ban("party_serious_warning", "2025-05-25").passed


def test_ban_from_leap_day_plus_12_months():
    assert _ban("gov_demerit", "2024-02-29", as_of="2025-02-28", year=2025).passed
    assert not _ban("gov_demerit", "2024-02-29", as_of="2025-02-27", year=2025).passed


@pytest.mark.parametrize(
    ("kind", "last_day_banned", "first_day_free"),  # counted by hand back from 2026-11-24
    [
        ("fraud", "2023-11-25", "2023-11-24"),                      # 36 months
        ("party_warning", "2025-11-25", "2025-11-24"),              # 12
        ("party_serious_warning", "2025-05-25", "2025-05-24"),      # 18
        ("party_removal_from_post", "2023-11-25", "2023-11-24"),    # 36
        ("party_probation", "2022-11-25", "2022-11-24"),            # 48
        ("party_expulsion", "2021-11-25", "2021-11-24"),            # 60
        ("gov_demerit", "2025-11-25", "2025-11-24"),                # 12
        ("gov_major_demerit", "2025-05-25", "2025-05-24"),          # 18
        ("gov_demotion_or_dismissal", "2024-11-25", "2024-11-24"),  # 24
        ("gov_expulsion", "2022-11-25", "2022-11-24"),              # 48
    ],
)
def test_ban_durations(kind, last_day_banned, first_day_free):
    """A sanction dated on ``first_day_free`` no longer bars a declaration checked on 2026-11-24; one
    day later it still does."""
    assert _ban(kind, first_day_free).passed
    assert not _ban(kind, last_day_banned).passed


def test_ban_with_an_expired_and_a_live_sanction_fails_and_reports_both():
    result = check(
        "BAN",
        {
            "applicant.sanctions": [
                {"kind": "party_warning", "date": "2020-01-01"},
                {"kind": "fraud", "date": "2024-06-01"},
            ]
        },
    )
    assert not result.passed
    assert [s["in_force"] for s in result.values["sanctions"]] == [False, True]
    assert "2027-06-01" in result.message


def test_ban_always_applies():
    assert check("BAN").passed


# --- ASSESSMENT_RECENT --------------------------------------------------------------------------


def test_assessment_recent_fails_without_qualified_this_or_last_year():
    ratings = {"2024": "excellent", "2025": "basically_qualified"}
    assert "ASSESSMENT_RECENT" in failed({"applicant.assessments": ratings})


def test_assessment_recent_accepts_the_declaration_year():
    ratings = {"2023": "qualified", "2024": "qualified", "2025": "unqualified", "2026": "qualified"}
    assert check("ASSESSMENT_RECENT", {"applicant.assessments": ratings}).passed


@pytest.mark.parametrize(
    "overrides",
    [
        {"applicant.sector": "non_public"},
        {"target.route": "green_channel"},
        {"target.route": "initial"},
    ],
)
def test_assessment_recent_not_applied(overrides):
    assert "ASSESSMENT_RECENT" not in applied({"applicant.assessments": {}, **overrides})


# --- INITIAL_CUTOFF, initial route ----------------------------------------------------------------


def test_initial_cutoff_on_11_30_passes():
    verdict = run({"as_of": "2026-11-30"}, base=INITIAL)
    assert verdict.eligible
    assert [c.rule for c in verdict.checks] == [
        "EXAM_ONLY",
        "IN_SERVICE",
        "ONE_PER_YEAR",
        "BAN",
        "INITIAL_CUTOFF",
        "EDUCATION",
        "TENURE",
    ]


def test_initial_cutoff_on_12_01_fails():
    assert failed({"as_of": "2026-12-01"}, base=INITIAL) == ["INITIAL_CUTOFF"]


def test_initial_requires_full_time_education():
    overrides = {"applicant.education": [education("master", "2025-06-30", full_time=False)]}
    assert failed(overrides, base=INITIAL) == ["EDUCATION"]
    assert "TENURE" not in applied(overrides, base=INITIAL)


def test_initial_requires_a_listed_degree():
    assert failed({"applicant.education": [education("associate", "2025-06-30")]}, base=INITIAL) == [
        "EDUCATION"
    ]


def test_initial_bachelor_needs_one_year_from_career_start():
    base = {"applicant.education": [education("bachelor", "2025-06-30")]}
    assert failed({**base, "applicant.career_start": "2026-01-04"}, base=INITIAL) == ["TENURE"]
    assert failed({**base, "applicant.career_start": "2025-12-31"}, base=INITIAL) == []


def test_initial_level_without_initial_row_fails_education():
    assert failed({"target.level": "associate_senior"}, base=INITIAL) == ["EDUCATION"]


def test_initial_intermediate_for_doctor():
    overrides = {"target.level": "intermediate", "applicant.education": [education("doctor", "2026-06-30")]}
    assert failed({**overrides, "applicant.career_start": "2026-07-01"}, base=INITIAL) == []


# --- EDUCATION and the material deadline -------------------------------------------------------------


def test_no_education_fails_education_and_skips_tenure():
    result = run({"applicant.education": []})
    assert result.failed == ("EDUCATION",)
    assert "材料收审截止日" in next(c for c in result.checks if c.rule == "EDUCATION").message
    assert "TENURE" not in [c.rule for c in result.checks]


def test_degree_obtained_the_day_after_the_deadline_does_not_count():
    overrides = {
        "applicant.education": [education("bachelor"), education("master", "2026-11-16")],
    }
    assert check("EDUCATION", overrides).values["degree"] == "bachelor"
    assert check("TENURE", overrides).values["required_years"] == 4


def test_degree_obtained_on_the_deadline_counts():
    overrides = {"applicant.education": [education("bachelor"), education("master", "2026-11-15")]}
    assert check("TENURE", overrides).values["required_years"] == 2


def test_only_degree_after_the_deadline_fails_education():
    assert failed({"applicant.education": [education("master", "2026-11-16")]}) == ["EDUCATION"]


def test_the_education_is_the_highest_degree():
    overrides = {"applicant.education": [education("associate", "2010-06-30"), education("master")]}
    assert check("EDUCATION", overrides).values["degree"] == "master"


def test_secondary_education_cannot_declare_intermediate_regularly():
    assert failed({"applicant.education": [education("secondary")]}) == ["EDUCATION"]


# --- titles: deadline, qualifications -------------------------------------------------------------


def test_title_obtained_after_the_deadline_does_not_count():
    overrides = {"applicant.titles": [title("assistant", "2026-11-16")]}
    assert failed(overrides) == ["TENURE"]
    assert "逐级申报" in check("TENURE", overrides).message


def test_title_obtained_on_the_deadline_counts_but_has_no_tenure_yet():
    overrides = {"applicant.titles": [title("assistant", "2026-11-15")]}
    assert check("TENURE", overrides).values["counted_years"] == 0


def test_qualification_counts_as_a_title():
    overrides = {
        "applicant.titles": [],
        "applicant.qualifications": [{"name": "二级注册建造师", "obtained": "2020-01-10"}],
    }
    result = check("TENURE", overrides)
    assert result.passed and result.values["counted_years"] == 6


def test_qualification_after_the_deadline_does_not_count():
    overrides = {
        "applicant.titles": [],
        "applicant.qualifications": [{"name": "二级注册建造师", "obtained": "2026-11-16"}],
    }
    assert failed(overrides) == ["TENURE"]


def test_unknown_qualification_is_not_a_title():
    overrides = {
        "applicant.titles": [],
        "applicant.qualifications": [{"name": "驾驶证", "obtained": "2010-01-10"}],
    }
    assert failed(overrides) == ["TENURE"]


def test_first_class_constructor_is_an_intermediate_basis():
    overrides = {
        "target.level": "associate_senior",
        "applicant.titles": [],
        "applicant.qualifications": [{"name": "一级注册建造师", "obtained": "2020-01-10"}],
    }
    assert failed(overrides) == []


# --- TENURE and assessments -----------------------------------------------------------------------


def test_non_qualifying_years_reduce_tenure_for_public_sector():
    base = {"applicant.titles": [title("assistant", "2021-06-01")]}
    one_bad = {"2022": "basically_qualified", "2023": "qualified", "2024": "qualified", "2025": "qualified"}
    two_bad = {**one_bad, "2023": "undetermined"}
    result = check("TENURE", {**base, "applicant.assessments": one_bad})
    assert result.passed and result.values["counted_years"] == 4
    assert result.values["non_qualifying_years"] == [2022]
    result = check("TENURE", {**base, "applicant.assessments": two_bad})
    assert not result.passed and result.values["counted_years"] == 3


def test_non_qualifying_years_do_not_reduce_tenure_for_non_public():
    overrides = {
        "applicant.sector": "non_public",
        "applicant.titles": [title("assistant", "2021-06-01")],
        "applicant.assessments": {"2022": "unqualified", "2023": "unqualified"},
    }
    assert check("TENURE", overrides).values["counted_years"] == 5
    assert failed(overrides) == []


def test_rating_of_the_basis_year_itself_does_not_count():
    overrides = {
        "applicant.titles": [title("assistant", "2021-06-01")],
        "applicant.assessments": {"2021": "unqualified", "2024": "qualified", "2025": "qualified"},
    }
    assert check("TENURE", overrides).values["counted_years"] == 5


def test_unrated_year_takes_nothing_off():
    overrides = {
        "applicant.titles": [title("assistant", "2021-06-01")],
        "applicant.assessments": {"2025": "qualified"},
    }
    assert check("TENURE", overrides).values["counted_years"] == 5


def test_tenure_requires_the_level_below():
    overrides = {"applicant.titles": [title("technician", "2010-01-01")]}
    assert failed(overrides) == ["TENURE"]
    assert "TRANSFER_FIRST" not in applied(overrides)


def test_tenure_basis_is_the_earliest_title_at_the_basis_level():
    overrides = {
        "applicant.titles": [
            title("assistant", "2022-03-01"),
            title("assistant", "2018-12-20", series="经济"),
        ]
    }
    assert check("TENURE", overrides).values["counted_from"] == "2018-12-20"


def test_doctor_declares_intermediate_without_a_title():
    overrides = {"applicant.education": [education("doctor")], "applicant.titles": []}
    assert failed(overrides) == []
    assert "TRANSFER_FIRST" not in applied(overrides)


def test_senior_needs_five_years_of_associate_senior():
    overrides = {"target.level": "senior", "applicant.titles": [title("associate_senior", "2022-01-15")]}
    assert failed(overrides) == ["TENURE"]
    overrides["applicant.titles"] = [title("associate_senior", "2021-12-31")]
    assert failed(overrides) == []


# --- DIRECTED_BASIS -------------------------------------------------------------------------------


def test_directed_title_is_no_basis_for_a_general_title():
    overrides = {"applicant.titles": [title("assistant", "2018-12-20", directed=True)]}
    assert failed(overrides) == ["DIRECTED_BASIS", "TENURE"]
    assert "TRANSFER_FIRST" not in applied(overrides)


def test_directed_title_is_a_basis_for_route_directed():
    overrides = {
        "target.route": "directed",
        "applicant.titles": [title("assistant", "2018-12-20", directed=True)],
    }
    assert failed(overrides) == []
    assert "DIRECTED_BASIS" not in applied(overrides)
    assert "TRANSFER_FIRST" in applied(overrides)


def test_directed_basis_not_applied_when_a_general_title_is_held_too():
    overrides = {
        "applicant.titles": [
            title("assistant", "2017-12-20", directed=True),
            title("assistant", "2018-12-20"),
        ]
    }
    assert failed(overrides) == []
    assert "DIRECTED_BASIS" not in applied(overrides)
    assert check("TENURE", overrides).values["counted_from"] == "2018-12-20"


def test_directed_basis_on_exceptional_route():
    overrides = {"applicant.titles": [title("intermediate", "2015-06-01", directed=True)]}
    assert failed(overrides, base=EXCEPTIONAL) == ["DIRECTED_BASIS", "TENURE"]


def test_directed_basis_not_applied_to_initial_route():
    overrides = {"applicant.titles": [title("technician", "2015-06-01", directed=True)]}
    assert "DIRECTED_BASIS" not in applied(overrides, base=INITIAL)


# --- TRANSFER_FIRST -------------------------------------------------------------------------------


def test_transfer_first_fails_for_another_series_basis():
    overrides = {"applicant.titles": [title("assistant", "2018-12-20", series="经济")]}
    assert failed(overrides) == ["TRANSFER_FIRST"]
    assert "转评" in check("TRANSFER_FIRST", overrides).message


def test_transfer_first_compares_the_earliest_basis_title_to_the_letter_of_the_contract():
    # ELIGIBILITY.md: the basis title is the earliest counting title at the basis level in any series,
    # and TRANSFER_FIRST passes when *its* series is the target series. Tenure counts from it.
    overrides = {
        "applicant.titles": [
            title("assistant", "2016-12-20", series="经济"),
            title("assistant", "2025-12-01", series="工程"),
        ]
    }
    assert failed(overrides) == ["TRANSFER_FIRST"]
    assert check("TENURE", overrides).values["counted_from"] == "2016-12-20"
    overrides["applicant.titles"] = [
        title("assistant", "2016-12-20", series="工程"),
        title("assistant", "2025-12-01", series="经济"),
    ]
    assert failed(overrides) == []


# --- TRANSFER -------------------------------------------------------------------------------------


def test_transfer_ok():
    verdict = run(base=TRANSFER)
    assert verdict.eligible
    assert [c.rule for c in verdict.checks] == [
        "EXAM_ONLY",
        "IN_SERVICE",
        "ONE_PER_YEAR",
        "BAN",
        "ASSESSMENT_RECENT",
        "TRANSFER",
        "CONTINUING_EDUCATION",
    ]


@pytest.mark.parametrize(
    "overrides",
    [
        {"target.level": "associate_senior"},
        {"target.series": "经济", "applicant.post_series": "经济"},
        {"applicant.post_series": "农业"},
        {"applicant.post_since": "2026-01-01"},
        {
            "applicant.assessments": {
                "2023": "qualified",
                "2024": "qualified",
                "2025": "basically_qualified",
                "2026": "qualified",
            }
        },
        {"applicant.titles": []},
    ],
    ids=["level", "same-series", "post-series", "post-years", "assessment", "no-title"],
)
def test_transfer_conditions(overrides):
    # 经济 intermediate is exam-only (以考代评), so transferring into it fails EXAM_ONLY as well
    exam_only = ["EXAM_ONLY"] if overrides.get("target.series") == "经济" else []
    assert failed(overrides, base=TRANSFER) == [*exam_only, "TRANSFER"]


def test_transfer_post_exactly_one_year():
    assert failed({"applicant.post_since": "2025-12-31"}, base=TRANSFER) == []


def test_transfer_non_public_needs_no_assessment():
    overrides = {"applicant.sector": "non_public", "applicant.assessments": {}}
    assert failed(overrides, base=TRANSFER) == []


def test_transfer_uses_a_qualification_as_highest_title():
    overrides = {
        "target.series": "会计",
        "applicant.post_series": "会计",
        "applicant.qualifications": [{"name": "注册会计师", "obtained": "2026-11-16"}],
    }
    # 会计 intermediate comes from the exam only: a jurisdiction that reviews it lifts EXAM_ONLY
    reviews_accounting = Rulebook.from_dict({"exam_only": {"会计": None}})
    assert failed(overrides, base=TRANSFER) == ["EXAM_ONLY"]
    assert failed(overrides, base=TRANSFER, rulebook=reviews_accounting) == []
    overrides["applicant.titles"] = []
    overrides["applicant.qualifications"] = [{"name": "注册会计师", "obtained": "2019-01-10"}]
    # the certificate is already 会计
    assert failed(overrides, base=TRANSFER, rulebook=reviews_accounting) == ["TRANSFER"]


def test_transfer_highest_title_includes_directed():
    overrides = {"applicant.titles": [title("intermediate", "2019-12-01", series="经济", directed=True)]}
    assert failed(overrides, base=TRANSFER) == []


def test_transfer_requires_post_since():
    data = make({"applicant.post_since": DELETE}, base=TRANSFER)
    assert "applicant.post_since" in error_paths(data)
    data = make({"applicant.post_since": None}, base=TRANSFER)
    assert "applicant.post_since" in error_paths(data)


# --- grassroots -----------------------------------------------------------------------------------


GRASSROOTS = {"applicant.titles": [], "applicant.grassroots_since": "2022-06-01"}


def test_grassroots_bachelor_four_years_declares_intermediate_directly():
    assert failed(GRASSROOTS) == []
    assert check("TENURE", GRASSROOTS).values["grassroots_counted_years"] == 4


def test_grassroots_three_years_is_not_enough():
    assert failed({**GRASSROOTS, "applicant.grassroots_since": "2023-01-01"}) == ["TENURE"]


def test_grassroots_secondary_needs_nine_years():
    overrides = {**GRASSROOTS, "applicant.education": [education("secondary", "2005-06-30")]}
    assert failed({**overrides, "applicant.grassroots_since": "2017-12-31"}) == []
    assert failed({**overrides, "applicant.grassroots_since": "2018-01-01"}) == ["TENURE"]


def test_grassroots_master_zero_years():
    overrides = {
        **GRASSROOTS,
        "applicant.education": [education("master")],
        "applicant.grassroots_since": "2026-10-01",
    }
    assert failed(overrides) == []


def test_grassroots_not_for_associate_senior():
    overrides = {**GRASSROOTS, "target.level": "associate_senior"}
    assert failed(overrides) == ["TENURE"]
    assert "grassroots_counted_years" not in check("TENURE", overrides).values


def test_grassroots_with_specialty_mismatch_needs_two_more_years():
    overrides = {**GRASSROOTS, "applicant.education": [education("bachelor", related=False)]}
    assert failed(overrides) == ["TENURE"]
    assert failed({**overrides, "applicant.grassroots_since": "2020-06-01"}) == []


# --- SPECIALTY_MISMATCH ---------------------------------------------------------------------------


MISMATCH = {"applicant.education": [education("bachelor", related=False)]}


def test_specialty_mismatch_adds_two_years():
    overrides = {**MISMATCH, "applicant.titles": [title("assistant", "2021-06-01")]}
    assert failed(overrides) == ["TENURE"]
    assert check("SPECIALTY_MISMATCH", overrides).passed
    assert check("TENURE", overrides).values["required_years"] == 6
    overrides["applicant.titles"] = [title("assistant", "2020-06-01")]
    assert failed(overrides) == []


def test_specialty_mismatch_forbidden_in_health_series():
    overrides = {
        **MISMATCH,
        "target.series": "卫生",
        "applicant.post_series": "卫生",
        "applicant.titles": [title("assistant", "2015-06-01", series="卫生")],
    }
    assert failed(overrides) == ["EXAM_ONLY", "SPECIALTY_MISMATCH"]  # 卫生 intermediate is also exam-only


def test_specialty_mismatch_only_at_first_promotion():
    overrides = {
        **MISMATCH,
        "applicant.titles": [title("technician", "2012-06-01"), title("assistant", "2021-06-01")],
    }
    assert "SPECIALTY_MISMATCH" not in applied(overrides)
    assert failed(overrides) == []


def test_specialty_mismatch_not_on_exceptional_route():
    assert "SPECIALTY_MISMATCH" not in applied(MISMATCH, base=EXCEPTIONAL)


# --- TOWNSHIP_SERVICE -----------------------------------------------------------------------------


def test_township_service_required_for_county_staff_before_intermediate():
    assert failed({"applicant.county_health_edu_agri": True}) == ["TOWNSHIP_SERVICE"]
    assert failed({"applicant.county_health_edu_agri": True, "applicant.township_service_years": 1}) == []
    assert failed({"applicant.county_health_edu_agri": True, "applicant.township_service_years": 0.5}) == [
        "TOWNSHIP_SERVICE"
    ]


def test_township_service_only_for_intermediate():
    overrides = {
        "applicant.county_health_edu_agri": True,
        "target.level": "associate_senior",
        "applicant.titles": [title("intermediate", "2015-01-01")],
    }
    assert "TOWNSHIP_SERVICE" not in applied(overrides)


def test_township_service_applies_on_every_route():
    assert failed({"applicant.county_health_edu_agri": True}, base=TRANSFER) == ["TOWNSHIP_SERVICE"]


# --- CONTINUING_EDUCATION -------------------------------------------------------------------------


def _ce(year, records, **overrides):
    return check(
        "CONTINUING_EDUCATION",
        {
            "declaration_year": year,
            "as_of": f"{year}-11-24",
            "material_deadline": f"{year}-11-15",
            "applicant.continuing_education": records,
            **overrides,
        },
    )


CE_2022_JUNIOR = {"2019": hours(32, 22), "2020": hours(60, 40), "2021": hours(90, 60)}


def test_ce_each_era_junior():
    result = _ce(2022, CE_2022_JUNIOR)
    assert result.passed
    assert {y: e["required_total"] for y, e in result.values["years"].items()} == {
        "2019": 32,
        "2020": 60,
        "2021": 90,
    }
    assert {y: e["required_professional"] for y, e in result.values["years"].items()} == {
        "2019": 22,
        "2020": 40,
        "2021": 60,
    }


def test_ce_2019_professional_share_rounds_up():
    assert not _ce(2022, {**CE_2022_JUNIOR, "2019": hours(32, 21)}).passed


def test_ce_2019_is_72_with_an_intermediate_title():
    titles = {"applicant.titles": [title("intermediate", "2018-01-01")]}
    assert not _ce(2022, CE_2022_JUNIOR, **titles).passed
    assert _ce(2022, {**CE_2022_JUNIOR, "2019": hours(72, 48)}, **titles).passed


def test_ce_2019_is_72_with_a_qualification_equal_to_intermediate():
    quals = {"applicant.qualifications": [{"name": "一级注册建造师", "obtained": "2018-01-01"}]}
    assert _ce(2022, CE_2022_JUNIOR, **quals).values["years"]["2019"]["required_total"] == 72


def test_ce_2020_is_60_with_40_professional():
    assert not _ce(2022, {**CE_2022_JUNIOR, "2020": hours(59, 40)}).passed
    assert not _ce(2022, {**CE_2022_JUNIOR, "2020": hours(60, 39)}).passed


def test_ce_2021_on_needs_90_and_60_professional():
    assert not check("CONTINUING_EDUCATION", {"applicant.continuing_education.2024": hours(89, 60)}).passed
    assert not check("CONTINUING_EDUCATION", {"applicant.continuing_education.2024": hours(95, 59)}).passed


@pytest.mark.parametrize(
    "overrides",
    [{"applicant.sector": "non_public"}, {"applicant.grassroots_since": "2010-01-01"}],
)
def test_ce_reduced_to_45_with_30_professional(overrides):
    records = {"2023": hours(45, 30), "2024": hours(45, 30), "2025": hours(45, 30)}
    assert check("CONTINUING_EDUCATION", {"applicant.continuing_education": records, **overrides}).passed
    records["2024"] = hours(45, 29)
    assert not check("CONTINUING_EDUCATION", {"applicant.continuing_education": records, **overrides}).passed
    records["2024"] = hours(44, 44)
    assert not check("CONTINUING_EDUCATION", {"applicant.continuing_education": records, **overrides}).passed


def test_ce_reduction_does_not_apply_before_2021():
    result = _ce(2022, CE_2022_JUNIOR, **{"applicant.sector": "non_public"})
    assert result.values["years"]["2020"]["required_total"] == 60
    assert result.values["years"]["2021"]["required_total"] == 45


def test_ce_missing_year_fails():
    result = check("CONTINUING_EDUCATION", {"applicant.continuing_education.2024": DELETE})
    assert not result.passed
    assert "2024" in result.message
    assert failed({"applicant.continuing_education.2024": DELETE}) == ["CONTINUING_EDUCATION"]


def test_ce_years_before_career_start_are_skipped():
    overrides = {"applicant.career_start": "2024-07-01", "applicant.continuing_education.2023": DELETE}
    result = check("CONTINUING_EDUCATION", overrides)
    assert result.passed
    assert sorted(result.values["years"]) == ["2024", "2025"]


def test_ce_nothing_to_check_for_a_new_starter():
    result = check(
        "CONTINUING_EDUCATION", {"applicant.career_start": "2026-03-01", "applicant.continuing_education": {}}
    )
    assert result.passed and result.values["years"] == {}


# --- green channel, exceptional -------------------------------------------------------------------


def test_green_channel_skips_step_seniority_and_hours():
    overrides = {
        "target.route": "green_channel",
        "target.level": "associate_senior",
        "applicant.education": [],
        "applicant.titles": [],
        "applicant.assessments": {},
        "applicant.continuing_education": {},
    }
    verdict = run(overrides)
    assert verdict.eligible
    assert [c.rule for c in verdict.checks] == ["EXAM_ONLY", "IN_SERVICE", "ONE_PER_YEAR", "BAN"]


def test_green_channel_still_checks_bans():
    overrides = {
        "target.route": "green_channel",
        "applicant.sanctions": [{"kind": "fraud", "date": "2025-01-01"}],
    }
    assert failed(overrides) == ["BAN"]


def test_exceptional_ok():
    verdict = run(base=EXCEPTIONAL)
    assert verdict.eligible
    assert [c.rule for c in verdict.checks] == [
        "EXAM_ONLY",
        "IN_SERVICE",
        "ONE_PER_YEAR",
        "BAN",
        "ASSESSMENT_RECENT",
        "EXCEPTIONAL_EXCELLENT",
        "EXCEPTIONAL_RECOMMENDERS",
        "TENURE",
        "CONTINUING_EDUCATION",
    ]


def test_exceptional_uses_the_row_with_most_years_whatever_the_education():
    overrides = {
        "applicant.education": [education("doctor")],
        "applicant.titles": [title("intermediate", "2023-01-01")],
    }
    result = check("TENURE", overrides, base=EXCEPTIONAL)
    assert not result.passed and result.values["required_years"] == 5


def test_exceptional_intermediate_for_a_doctor_still_needs_the_assistant_row():
    overrides = {
        "target.level": "intermediate",
        "applicant.education": [education("doctor")],
        "applicant.titles": [],
    }
    result = check("TENURE", overrides, base=EXCEPTIONAL)
    assert not result.passed and result.values["basis_level"] == "assistant"


def test_exceptional_without_any_education_still_checks_tenure():
    verdict = run({"applicant.education": []}, base=EXCEPTIONAL)
    assert verdict.eligible


def test_exceptional_needs_an_excellent_rating_in_three_years():
    ratings = {"2022": "excellent", "2023": "qualified", "2024": "qualified", "2025": "qualified"}
    assert failed({"applicant.assessments": ratings}, base=EXCEPTIONAL) == ["EXCEPTIONAL_EXCELLENT"]


def test_exceptional_excellent_not_applied_to_non_public():
    overrides = {
        "applicant.sector": "non_public",
        "applicant.assessments": {},
        "applicant.continuing_education": {y: hours(45, 30) for y in ("2023", "2024", "2025")},
    }
    verdict = run(overrides, base=EXCEPTIONAL)
    assert verdict.eligible
    assert "EXCEPTIONAL_EXCELLENT" not in [c.rule for c in verdict.checks]


def test_exceptional_needs_two_senior_recommenders():
    recommenders = [{"name": "甲", "level": "senior"}, {"name": "乙", "level": "associate_senior"}]
    overrides = {"applicant.exceptional_recommenders": recommenders}
    assert failed(overrides, base=EXCEPTIONAL) == ["EXCEPTIONAL_RECOMMENDERS"]
    assert "尚差 1 名" in check("EXCEPTIONAL_RECOMMENDERS", overrides, base=EXCEPTIONAL).message


# --- rulebook -------------------------------------------------------------------------------------


def test_rulebook_round_trip_and_json():
    data = DEFAULT_RULEBOOK.to_dict()
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert Rulebook.from_dict(data) == DEFAULT_RULEBOOK
    assert Rulebook.from_complete_dict(data) == DEFAULT_RULEBOOK
    assert Rulebook.from_dict({}) == DEFAULT_RULEBOOK


@pytest.mark.parametrize(("degree", "held_since", "ok"), [
    # ELIGIBILITY.md's table: 中级 needs the 助理级 title held 4 years with a bachelor's degree, 2 with a
    # master's, counted to 12-31 of the declaration year (2026-12-31)
    ("bachelor", "2022-12-31", True),
    ("bachelor", "2023-01-01", False),
    ("master", "2024-12-31", True),
    ("master", "2025-01-01", False),
])
def test_the_national_rulebook_decides_tenure_as_the_contract_says(degree, held_since, ok):
    overrides = {"applicant.education": [education(degree)], "applicant.titles": [title("assistant", held_since)]}
    assert ("TENURE" not in failed(overrides)) is ok
    assert check("TENURE", overrides).source.startswith(RULEBOOK_NAME)


def test_rulebook_override_changes_an_outcome():
    short = {"applicant.titles": [title("assistant", "2023-03-01")]}
    assert failed(short) == ["TENURE"]
    local = Rulebook.from_dict({"tenure": {"intermediate": {"bachelor": {"years": 3}}}})
    assert local.tenure["intermediate"]["bachelor"].basis == "assistant"
    assert local.tenure["intermediate"]["master"].years == 2
    assert failed(short, rulebook=local) == []
    assert DEFAULT_RULEBOOK.tenure["intermediate"]["bachelor"].years == 4


def test_rulebook_override_name_shows_in_sources():
    local = Rulebook.from_dict({"name": "某省规则库"})
    assert check("TENURE", rulebook=local).source == "某省规则库；001 三(二)(三)"


def test_rulebook_override_single_numbers():
    local = Rulebook.from_dict({"ce_standard_hours": 96, "ban_months": {"party_warning": 6}})
    assert not check("CONTINUING_EDUCATION", rulebook=local).passed
    assert check(
        "BAN", {"applicant.sanctions": [{"kind": "party_warning", "date": "2026-05-24"}]}, rulebook=local
    ).passed
    assert local.ban_months["fraud"] == 36


def test_rulebook_override_removes_a_row_with_null():
    local = Rulebook.from_dict({"tenure": {"intermediate": {"associate": None}}})
    assert "associate" not in local.tenure["intermediate"]
    assert failed({"applicant.education": [education("associate")]}, rulebook=local) == ["EDUCATION"]
    assert Rulebook.from_complete_dict(local.to_dict()) == local
    assert Rulebook.from_dict(local.to_dict(), base=local) == local


def test_rulebook_override_lifts_health_series_ban():
    local = Rulebook.from_dict({"mismatch_forbidden_series": [], "exam_only": {"卫生": None}})
    overrides = {
        **MISMATCH,
        "target.series": "卫生",
        "applicant.titles": [title("assistant", "2015-06-01", series="卫生")],
    }
    assert failed(overrides, rulebook=local) == []


@pytest.mark.parametrize(
    "patch",
    [
        {"mismatch_extra_years": -1},
        {"mismatch_extra_years": True},
        {"mismatch_extra_years": None},
        {"tenure": {"middle": {"bachelor": {"basis": None, "years": 1}}}},
        {"tenure": {"intermediate": {"phd": {"basis": None, "years": 1}}}},
        {"tenure": {"intermediate": {"bachelor": {"basis": "senior"}}}},
        {"tenure": {"intermediate": {"bachelor": {"years": "4"}}}},
        {"ban_months": {"fraud": "x"}},
        {"ban_months": {"jail": 12}},
        {"ban_months": {"fraud": None}},
        {"initial_cutoff_day": 31},
        {"qualification_titles": {"某证书": {"series": "工程", "level": "expert"}}},
        {"ce_professional_share_denominator": 0},
        {"ce_year_hours": {"20x0": 60}},
        {"assessment_sectors": ["private"]},
        {"unknown_number": 1},
        {"name": ""},
    ],
)
def test_rulebook_rejects_bad_overrides(patch):
    with pytest.raises(ValueError) as info:
        Rulebook.from_dict(patch)
    assert re.search(r"[\u4e00-\u9fff]", str(info.value))


def test_rulebook_rejects_non_dict():
    with pytest.raises(ValueError):
        Rulebook.from_dict([1, 2])


# --- parsing ----------------------------------------------------------------------------------------


def test_parse_defaults_for_optional_fields():
    data = make(
        {
            "target.specialty": DELETE,
            "applicant.in_service": DELETE,
            "applicant.grassroots_since": DELETE,
            "applicant.county_health_edu_agri": None,
            "applicant.township_service_years": None,
            "applicant.post_series": DELETE,
            "applicant.post_since": DELETE,
            "applicant.titles": None,
            "applicant.assessments": DELETE,
            "applicant.continuing_education": None,
            "unexpected": {"anything": 1},
        }
    )
    case = parse_case(data)
    assert case.target.specialty == ""
    assert case.applicant.in_service is False
    assert case.applicant.grassroots_since is None
    assert case.applicant.township_service_years == 0
    assert case.applicant.post_series == "" and case.applicant.post_since is None
    assert case.applicant.titles == () and case.applicant.assessments == {}
    assert case.applicant.continuing_education == {}


def test_parse_reads_years_and_dates():
    case = parse_case(make())
    assert case.as_of == date(2026, 11, 24)
    assert case.applicant.assessments[2024] == "excellent"
    assert case.applicant.continuing_education[2023].professional == 70


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"as_of": DELETE}, "as_of"),
        ({"as_of": None}, "as_of"),
        ({"as_of": "2026-02-30"}, "as_of"),
        ({"as_of": "2026/11/24"}, "as_of"),
        ({"as_of": 20261124}, "as_of"),
        ({"material_deadline": "2026-11-15T00:00"}, "material_deadline"),
        ({"declaration_year": "2026"}, "declaration_year"),
        ({"declaration_year": True}, "declaration_year"),
        ({"declaration_year": 2026.0}, "declaration_year"),
        ({"declaration_year": 1949}, "declaration_year"),
        ({"declaration_year": 2101}, "declaration_year"),
        ({"target": DELETE}, "target"),
        ({"target": "regular"}, "target"),
        ({"target.series": ""}, "target.series"),
        ({"target.series": 5}, "target.series"),
        ({"target.level": "middle"}, "target.level"),
        ({"target.route": "fast"}, "target.route"),
        ({"target.route": DELETE}, "target.route"),
        ({"applicant": DELETE}, "applicant"),
        ({"applicant": []}, "applicant"),
        ({"applicant.sector": "private"}, "applicant.sector"),
        ({"applicant.career_start": DELETE}, "applicant.career_start"),
        ({"applicant.in_service": "yes"}, "applicant.in_service"),
        ({"applicant.in_service": 1}, "applicant.in_service"),
        ({"applicant.grassroots_since": "yesterday"}, "applicant.grassroots_since"),
        ({"applicant.county_health_edu_agri": "false"}, "applicant.county_health_edu_agri"),
        ({"applicant.township_service_years": -1}, "applicant.township_service_years"),
        ({"applicant.township_service_years": "1"}, "applicant.township_service_years"),
        ({"applicant.township_service_years": True}, "applicant.township_service_years"),
        ({"applicant.post_series": 1}, "applicant.post_series"),
        ({"applicant.post_since": "2015-7-1"}, "applicant.post_since"),
        ({"applicant.education": "bachelor"}, "applicant.education"),
        ({"applicant.education": ["bachelor"]}, "applicant.education.0"),
        ({"applicant.education.0.obtained": "2015-13-01"}, "applicant.education.0.obtained"),
        ({"applicant.education.0.degree": "phd"}, "applicant.education.0.degree"),
        ({"applicant.education.0.full_time": "yes"}, "applicant.education.0.full_time"),
        ({"applicant.titles.0.level": "expert"}, "applicant.titles.0.level"),
        ({"applicant.titles.0.directed": "no"}, "applicant.titles.0.directed"),
        ({"applicant.titles.0.obtained": DELETE}, "applicant.titles.0.obtained"),
        ({"applicant.qualifications": [{"obtained": "2020-01-10"}]}, "applicant.qualifications.0.name"),
        ({"applicant.assessments": ["qualified"]}, "applicant.assessments"),
        ({"applicant.assessments": {"20x4": "qualified"}}, "applicant.assessments.20x4"),
        ({"applicant.assessments": {"24": "qualified"}}, "applicant.assessments.24"),
        ({"applicant.assessments.2024": "good"}, "applicant.assessments.2024"),
        ({"applicant.continuing_education.2024.total": -5}, "applicant.continuing_education.2024.total"),
        (
            {"applicant.continuing_education.2024.professional": "60"},
            "applicant.continuing_education.2024.professional",
        ),
        ({"applicant.continuing_education.2024": 90}, "applicant.continuing_education.2024"),
        (
            {"applicant.continuing_education": {"2024x": hours(90, 60)}},
            "applicant.continuing_education.2024x",
        ),
        ({"applicant.sanctions": [{"kind": "jail", "date": "2025-01-01"}]}, "applicant.sanctions.0.kind"),
        ({"applicant.sanctions": [{"kind": "fraud"}]}, "applicant.sanctions.0.date"),
        ({"applicant.sanctions": [{"kind": "fraud", "date": "2025-02-29"}]}, "applicant.sanctions.0.date"),
        ({"applicant.other_declarations": [{"year": "2026"}]}, "applicant.other_declarations.0.year"),
        (
            {"applicant.other_declarations": [{"year": 2026, "level": "x"}]},
            "applicant.other_declarations.0.level",
        ),
        (
            {"applicant.exceptional_recommenders": [{"name": "甲", "level": "expert"}]},
            "applicant.exceptional_recommenders.0.level",
        ),
    ],
)
def test_bad_input_names_the_field(overrides, path):
    errors = error_paths(make(overrides))
    assert path in errors, errors
    assert re.search(r"[\u4e00-\u9fff]", errors[path])


@pytest.mark.parametrize("body", [[], "case", 1, None])
def test_body_must_be_an_object(body):
    assert "body" in error_paths(body)


def test_bad_level_message():
    errors = error_paths(make({"target.level": "middle"}))
    assert errors["target.level"] == (
        "取值无效：middle；可选值：technician, assistant, intermediate, associate_senior, senior"
    )


def test_messages_for_dates_and_missing_fields():
    errors = error_paths(make({"as_of": "24/11/2026", "applicant.career_start": DELETE}))
    assert errors["as_of"] == "日期格式应为 YYYY-MM-DD"
    assert errors["applicant.career_start"] == "缺少必填字段"
    assert "不存在" in error_paths(make({"as_of": "2026-02-30"}))["as_of"]


def test_all_errors_are_collected_and_str_is_one_line():
    with pytest.raises(InvalidCase) as info:
        parse_case(
            make(
                {
                    "target.level": "middle",
                    "applicant.education.0.obtained": "2026-02-30",
                    "applicant.assessments": {"2024": "good"},
                    "applicant.continuing_education.2024.total": -1,
                }
            )
        )
    err = info.value
    assert set(err.errors) == {
        "target.level",
        "applicant.education.0.obtained",
        "applicant.assessments.2024",
        "applicant.continuing_education.2024.total",
    }
    text = str(err)
    assert "\n" not in text
    assert text.startswith("target.level")
    assert "middle" in text


def test_invalid_case_names_every_bad_field_at_once():
    data = copy.deepcopy(BASE)
    data["target"]["level"] = "middle"
    data["as_of"] = "2026-13-01"
    with pytest.raises(InvalidCase) as info:
        parse_case(data)
    assert {"target.level", "as_of"} <= set(info.value.errors)


@pytest.mark.parametrize("path", ["as_of", "applicant.sanctions.0.date", "applicant.career_start"])
def test_dates_outside_the_accepted_range_are_bad_input_not_a_crash(path):
    data = copy.deepcopy(BASE)
    if path == "applicant.sanctions.0.date":
        data["applicant"]["sanctions"] = [{"kind": "fraud", "date": "9999-12-01"}]
    elif path == "as_of":
        data["as_of"] = "0001-01-01"
    else:
        data["applicant"]["career_start"] = "9999-12-31"
    with pytest.raises(InvalidCase) as info:
        parse_case(data)
    assert path in info.value.errors and "范围" in info.value.errors[path]


# --- EXAM_ONLY (以考代评, 003 2) and facts that have not happened yet ------------------------------


@pytest.mark.parametrize("series", ["经济", "会计", "统计", "审计", "卫生", "出版", "翻译"])
@pytest.mark.parametrize("level", ["technician", "assistant", "intermediate"])
def test_exam_only_series_and_levels_are_refused(series, level):
    found = check("EXAM_ONLY", {"target.series": series, "target.level": level})
    assert not found.passed and found.source == "003 2"
    assert "以考代评" in found.message


@pytest.mark.parametrize(
    "overrides",
    [
        {"target.series": "会计", "target.level": "associate_senior"},  # above the exam levels: reviewed
        {"target.series": "工程"},
        {"target.series": "农业"},
    ],
)
def test_exam_only_passes_where_titles_are_reviewed(overrides):
    assert check("EXAM_ONLY", overrides).passed


def test_exam_only_is_rulebook_data_a_jurisdiction_may_change():
    case = {"target.series": "工程", "target.level": "intermediate"}
    local = Rulebook.from_dict({"exam_only": {"工程": ["intermediate"]}})
    assert not check("EXAM_ONLY", case, rulebook=local).passed
    lifted = Rulebook.from_dict({"exam_only": {"统计": None}})
    assert check("EXAM_ONLY", {"target.series": "统计"}, rulebook=lifted).passed
    with pytest.raises(ValueError, match="exam_only"):
        Rulebook.from_dict({"exam_only": {"统计": ["middle"]}})


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"applicant.career_start": "2031-07-01"}, "applicant.career_start"),
        ({"applicant.post_since": "2026-11-25"}, "applicant.post_since"),
        ({"applicant.grassroots_since": "2027-01-01"}, "applicant.grassroots_since"),
        ({"applicant.education": [education("bachelor", "2030-06-30")]}, "applicant.education.0.obtained"),
        ({"applicant.titles": [title("assistant", "2018-12-20"), title("intermediate", "2026-12-01")]},
         "applicant.titles.1.obtained"),
        ({"applicant.qualifications": [{"name": "一级注册建造师", "obtained": "2027-03-01"}]},
         "applicant.qualifications.0.obtained"),
        ({"applicant.sanctions": [{"kind": "fraud", "date": "2026-11-25"}]}, "applicant.sanctions.0.date"),
    ],
)
def test_a_fact_dated_after_as_of_is_bad_input_naming_the_field(overrides, field):
    with pytest.raises(InvalidCase) as info:
        run(overrides)
    assert field in info.value.errors
    assert "晚于核查日期" in info.value.errors[field]


def test_a_fact_dated_on_as_of_is_accepted():
    assert BASE["as_of"] == "2026-11-24"
    run({"applicant.post_since": "2026-11-24"})
