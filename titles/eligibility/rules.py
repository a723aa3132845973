"""One `check_*` function per rule of ELIGIBILITY.md (TENURE is in tenure.py); None = does not apply."""

from __future__ import annotations

from datetime import date
from typing import Any

from .counting import (
    Facts,
    HeldTitle,
    add_months,
    basis_title,
    degree_list,
    grassroots_applies,
    level_rank,
    make_check,
    mismatch_applies,
    plain_number,
    rating_name,
    tenure_row,
    whole_years,
)
from .facts import (
    DEGREE_NAMES,
    DEGREES,
    LEVEL_NAMES,
    RATING_NAMES,
    SANCTION_NAMES,
    SECTOR_NAMES,
)
from .rulebook import Rulebook
from .verdict import Check

# --- the rules, in the contract's order ---------------------------------------------------------


def check_exam_only(f: Facts) -> Check:
    series, level = f.target.series, f.target.level
    level_name = LEVEL_NAMES[level]
    if level in f.rulebook.exam_only.get(series, ()):
        return make_check(
            f,
            "EXAM_ONLY",
            False,
            f"{series}系列{level_name}职称实行以考代评，须参加全国统一考试取得，不组织评审，不能通过评审申报",
            series=series,
            level=level,
            exam_only=True,
        )
    return make_check(f, "EXAM_ONLY", True, f"{series}系列{level_name}职称通过评审取得", series=series,
                      level=level, exam_only=False)


def check_in_service(f: Facts) -> Check | None:
    sector = f.applicant.sector
    if sector not in f.rulebook.in_service_sectors:
        return None
    if f.applicant.in_service:
        return make_check(f, "IN_SERVICE", True, "申报人为本单位在职在岗的专业技术人员", in_service=True)
    return make_check(
        f,
        "IN_SERVICE",
        False,
        f"{SECTOR_NAMES[sector]}的申报人须为本单位在职在岗的专业技术人员，你目前未在职在岗",
        in_service=False,
    )


def check_one_per_year(f: Facts) -> Check:
    same_year = [d for d in f.applicant.other_declarations if d.year == f.year]
    if not same_year:
        return make_check(f, "ONE_PER_YEAR", True, f"{f.year} 年度无其他职称申报", other_declarations=[])
    described = "、".join(
        f"{d.series or '未注明'}系列{LEVEL_NAMES.get(d.level or '', '')}职称" for d in same_year
    )
    return make_check(
        f,
        "ONE_PER_YEAR",
        False,
        f"{f.year} 年度已申报{described}，同一年度只能申报一个系列（专业）的职称",
        other_declarations=[{"year": d.year, "series": d.series, "level": d.level} for d in same_year],
    )


def _ban(f: Facts, sanction) -> dict[str, Any]:
    months = f.rulebook.ban_months[sanction.kind]
    until = sanction.until or add_months(sanction.date, months)
    ban = {
        "kind": sanction.kind,
        "date": sanction.date.isoformat(),
        "months": months,
        "until": until.isoformat(),
        "in_force": f.case.as_of < until,
    }
    if sanction.record:  # a credit record: its own text and its own end date
        ban["record"] = sanction.record
    return ban


def _ban_text(ban: dict[str, Any]) -> str:
    if ban.get("record"):
        return f"{ban['record']}（{ban['date']} 记入，至 {ban['until']} 期满）"
    return (
        f"{SANCTION_NAMES[ban['kind']]}（{ban['date']}）自处分或认定之日起 {ban['months']} 个月内不得申报，"
        f"至 {ban['until']} 期满"
    )


def check_ban(f: Facts) -> Check:
    bans = [_ban(f, s) for s in f.applicant.sanctions]
    in_force = [b for b in bans if b["in_force"]]
    as_of = f.case.as_of.isoformat()
    if in_force:
        text = "；".join(_ban_text(b) for b in in_force)
        return make_check(f, "BAN", False, f"截至 {as_of} 仍在禁止申报期内：{text}", as_of=as_of, sanctions=bans)
    if bans:
        text = "；".join(_ban_text(b) for b in bans)
        message = f"截至 {as_of} 无处于禁止申报期内的处分（{text}）"
    else:
        message = "无禁止申报的处分记录"
    return make_check(f, "BAN", True, message, as_of=as_of, sanctions=bans)


def check_assessment_recent(f: Facts) -> Check | None:
    if not f.assessed() or f.route in ("green_channel", "initial"):
        return None
    years = list(range(f.year, f.year - f.rulebook.assessment_recent_years, -1))
    ratings = {str(year): f.rating(year) for year in years}
    passed = any(rating in f.rulebook.qualifying_ratings for rating in ratings.values())
    listed = "，".join(f"{year} 年度考核{rating_name(rating)}" for year, rating in ratings.items())
    wanted = "、".join(str(year) for year in years)
    message = f"{listed}；{wanted} 年度中须有一次考核为合格及以上等次"
    if not passed:
        message += "，你尚无符合要求的考核结果"
    return make_check(f, "ASSESSMENT_RECENT", passed, message, ratings=ratings)


def check_initial_cutoff(f: Facts) -> Check | None:
    if f.route != "initial":
        return None
    rb = f.rulebook
    cutoff = date(f.year, rb.initial_cutoff_month, rb.initial_cutoff_day)
    passed = f.case.as_of <= cutoff
    message = f"初定工作截止到 {cutoff.isoformat()}，核验日期 {f.case.as_of.isoformat()}"
    message += "，在截止日之前" if passed else "，已过截止日，本年度不能再办理初定"
    return make_check(
        f, "INITIAL_CUTOFF", passed, message, cutoff=cutoff.isoformat(), as_of=f.case.as_of.isoformat()
    )


def _no_education_check(f: Facts) -> Check:
    deadline = f.case.material_deadline.isoformat()
    return make_check(
        f,
        "EDUCATION",
        False,
        f"没有在材料收审截止日（{deadline}）前取得的学历，学历条件不能认定",
        degree=None,
        material_deadline=deadline,
    )


def _initial_education_check(f: Facts) -> Check:
    listed = f.rulebook.initial.get(f.target.level, {})
    education = f.education
    passed = education.degree in listed and education.full_time
    kind = "全日制" if education.full_time else "非全日制"
    message = (
        f"初定{LEVEL_NAMES[f.target.level]}职称须为全日制{degree_list(listed)}学历；"
        f"你的学历：{kind}{DEGREE_NAMES[education.degree]}"
    )
    if not passed:
        message += "，不符合初定的学历条件"
    return make_check(
        f,
        "EDUCATION",
        passed,
        message,
        degree=education.degree,
        full_time=education.full_time,
        listed_degrees=[d for d in DEGREES if d in listed],
    )


def _table_education_check(f: Facts) -> Check:
    level = f.target.level
    listed = f.rulebook.tenure.get(level, {})
    grassroots = f.rulebook.grassroots if grassroots_applies(f) else {}
    degree = f.education.degree
    passed = degree in listed or degree in grassroots
    message = f"申报{LEVEL_NAMES[level]}职称的学历条件：{degree_list(listed)}"
    if grassroots:
        message += f"；基层专业技术人员另可为 {degree_list(grassroots)}"
    message += f"；你的学历：{DEGREE_NAMES[degree]}"
    if not passed:
        message += "，不在所列学历之内"
    return make_check(
        f,
        "EDUCATION",
        passed,
        message,
        degree=degree,
        listed_degrees=[d for d in DEGREES if d in listed],
        grassroots_degrees=[d for d in DEGREES if d in grassroots],
    )


def check_education(f: Facts) -> Check | None:
    if f.route not in ("regular", "directed", "initial"):
        return None
    if f.education is None:
        return _no_education_check(f)
    if f.route == "initial":
        return _initial_education_check(f)
    return _table_education_check(f)


def check_exceptional_excellent(f: Facts) -> Check | None:
    if f.route != "exceptional" or not f.assessed():
        return None
    rb = f.rulebook
    years = list(range(f.year - rb.exceptional_lookback_years, f.year))
    ratings = {str(year): f.rating(year) for year in years}
    passed = rb.exceptional_rating in ratings.values()
    listed = "，".join(f"{year} 年{rating_name(rating)}" for year, rating in ratings.items())
    wanted = RATING_NAMES[rb.exceptional_rating]
    message = f"破格申报须近 {rb.exceptional_lookback_years} 年内有一次年度考核为{wanted}（{listed}）"
    if not passed:
        message += f"，你尚无{wanted}等次"
    return make_check(f, "EXCEPTIONAL_EXCELLENT", passed, message, ratings=ratings)


def check_exceptional_recommenders(f: Facts) -> Check | None:
    if f.route != "exceptional":
        return None
    rb = f.rulebook
    wanted = rb.exceptional_recommender_level
    qualifying = [
        r for r in f.applicant.exceptional_recommenders if level_rank(r.level) >= level_rank(wanted)
    ]
    needed = rb.exceptional_recommenders_needed
    passed = len(qualifying) >= needed
    message = (
        f"破格申报须由 {needed} 名以上具备{LEVEL_NAMES[wanted]}职称的同行专家推荐，"
        f"现有符合条件的推荐人 {len(qualifying)} 名"
    )
    if not passed:
        message += f"，尚差 {needed - len(qualifying)} 名"
    return make_check(f, "EXCEPTIONAL_RECOMMENDERS", passed, message, required=needed, qualifying=len(qualifying))


def check_directed_basis(f: Facts) -> Check | None:
    row = tenure_row(f)
    if f.route == "directed" or row is None or row.basis is None:
        return None
    at_level = [t for t in f.titles if t.level == row.basis]
    directed = [t for t in at_level if t.directed]
    if not directed or len(directed) < len(at_level):
        return None
    name = LEVEL_NAMES[row.basis]
    return make_check(
        f,
        "DIRECTED_BASIS",
        False,
        f"你持有的{directed[0].describe()}只在定向基层单位有效，不能作为申报通用{LEVEL_NAMES[f.target.level]}"
        f"职称的依据；须先取得同级（{name}）通用职称",
        basis_level=row.basis,
    )


def check_transfer_first(f: Facts) -> Check | None:
    """The basis title (the earliest at the basis level, any series) must be in the target series."""
    row = tenure_row(f)
    if f.route not in ("regular", "directed") or row is None or row.basis is None:
        return None
    basis = basis_title(f, row.basis)
    if basis is None:
        return None
    series = f.target.series
    passed = basis.series == series
    if passed:
        message = f"你的任职资格依据为{basis.describe()}，与申报系列（{series}）一致，可在此基础上申报上一级职称"
    else:
        message = (
            f"你的任职资格依据为{basis.describe()}，与申报系列（{series}）不同；"
            f"须先转评{series}系列同级职称，方可申报上一级"
        )
    return make_check(f, "TRANSFER_FIRST", passed, message, target_series=series, basis_series=basis.series)


def _transfer_problems(f: Facts, title: HeldTitle, post_years: int) -> list[str]:
    rb, target, applicant = f.rulebook, f.target, f.applicant
    problems = []
    if title.level != target.level:
        problems.append(
            f"转评只能申报与现有最高职称同级的职称（现为{LEVEL_NAMES[title.level]}，"
            f"申报{LEVEL_NAMES[target.level]}）"
        )
    if title.series == target.series:
        problems.append(f"现有职称已是{target.series}系列，无需转评")
    if applicant.post_series != target.series:
        problems.append(
            f"申报系列（{target.series}）须与现岗位系列（{applicant.post_series or '未填写'}）一致"
        )
    if post_years < rb.transfer_min_years:
        problems.append(f"现岗位工作 {post_years} 年，需满 {rb.transfer_min_years} 年")
    if f.assessed():
        year = f.year - rb.transfer_assessment_years_back
        if f.rating(year) not in rb.qualifying_ratings:
            problems.append(f"{year} 年度考核{rating_name(f.rating(year))}，须为合格及以上等次")
    return problems


def check_transfer(f: Facts) -> Check | None:
    if f.route != "transfer":
        return None
    title = f.highest
    if title is None:
        return make_check(
            f, "TRANSFER", False, "未持有任何职称（或视同职称的职业资格），无可转评的职称", post_years=0
        )
    post_since = f.applicant.post_since
    post_years = whole_years(post_since, f.tenure_end) if post_since else 0
    problems = _transfer_problems(f, title, post_years)
    values = {
        "highest_level": title.level,
        "highest_series": title.series,
        "post_series": f.applicant.post_series,
        "post_years": post_years,
        "required_post_years": f.rulebook.transfer_min_years,
    }
    if problems:
        return make_check(
            f, "TRANSFER", False, f"持有{title.describe()}，不符合转评条件：" + "；".join(problems), **values
        )
    message = (
        f"持有{title.describe()}，转评{f.target.series}系列同级职称：现岗位工作 {post_years} 年"
        f"（需满 {f.rulebook.transfer_min_years} 年，计算至 {f.tenure_end.isoformat()}），符合转评条件"
    )
    return make_check(f, "TRANSFER", True, message, **values)


def check_specialty_mismatch(f: Facts) -> Check | None:
    if not mismatch_applies(f):
        return None
    series = f.target.series
    forbidden = f.rulebook.mismatch_forbidden_series
    extra = f.rulebook.mismatch_extra_years
    passed = series not in forbidden
    if passed:
        message = f"所学专业与申报专业不一致，首次晋升职称任职年限增加 {extra} 年"
    else:
        message = (
            f"所学专业与申报专业不一致；{series}系列涉及公共安全、人身健康（{'、'.join(forbidden)}），"
            "不能按专业不一致申报"
        )
    return make_check(
        f, "SPECIALTY_MISMATCH", passed, message, extra_years=extra, forbidden_series=list(forbidden)
    )


def check_township_service(f: Facts) -> Check | None:
    rb = f.rulebook
    if not f.applicant.county_health_edu_agri or f.target.level != rb.township_level:
        return None
    served = plain_number(f.applicant.township_service_years)
    passed = served >= rb.township_min_years
    message = (
        f"县级医疗卫生、教育、农业机构专业技术人员晋升{LEVEL_NAMES[rb.township_level]}职称前须到乡镇累计服务满 "
        f"{rb.township_min_years} 年，你已服务 {served} 年"
    )
    if not passed:
        message += "，服务年限不足"
    return make_check(
        f, "TOWNSHIP_SERVICE", passed, message, required_years=rb.township_min_years, served_years=served
    )


def required_hours(f: Facts, year: int) -> int:
    rb = f.rulebook
    if year <= rb.ce_legacy_until:
        highest = f.highest
        high = highest is not None and level_rank(highest.level) >= level_rank(rb.ce_legacy_high_from_level)
        return rb.ce_legacy_hours_high if high else rb.ce_legacy_hours_low
    if year in rb.ce_year_hours:
        return rb.ce_year_hours[year]
    reduced = f.applicant.grassroots_since is not None or f.applicant.sector not in rb.ce_full_hours_sectors
    return rb.ce_reduced_hours if reduced else rb.ce_standard_hours


def required_professional_hours(rulebook: Rulebook, required: int) -> int:
    """⌈share × required⌉ in integer arithmetic."""
    numerator, denominator = (
        rulebook.ce_professional_share_numerator,
        rulebook.ce_professional_share_denominator,
    )
    return -(-required * numerator // denominator)


def _hours_year(f: Facts, year: int) -> dict[str, Any]:
    total_needed = required_hours(f, year)
    professional_needed = required_professional_hours(f.rulebook, total_needed)
    record = f.applicant.continuing_education.get(year)
    entry: dict[str, Any] = {"required_total": total_needed, "required_professional": professional_needed}
    if record is None:
        return {**entry, "total": None, "professional": None, "passed": False}
    passed = record.total >= total_needed and record.professional >= professional_needed
    return {**entry, "total": plain_number(record.total), "professional": plain_number(record.professional), "passed": passed}


def _hours_text(year: int, entry: dict[str, Any]) -> str:
    wanted = f"需总学时 {entry['required_total']}、专业科目 {entry['required_professional']}"
    if entry["total"] is None:
        return f"{year} 年无继续教育学时记录（{wanted}）"
    return f"{year} 年总学时 {entry['total']}、专业科目 {entry['professional']}（{wanted}）"


def check_continuing_education(f: Facts) -> Check | None:
    if f.route in ("green_channel", "initial"):
        return None
    start_year = f.applicant.career_start.year
    years = [y for y in range(f.year - f.rulebook.ce_lookback_years, f.year) if y >= start_year]
    entries = {year: _hours_year(f, year) for year in years}
    failing = [year for year, entry in entries.items() if not entry["passed"]]
    values = {"years": {str(year): entry for year, entry in entries.items()}}
    if not years:
        return make_check(f, "CONTINUING_EDUCATION", True, "参加工作前的年度无需核验继续教育学时", **values)
    if failing:
        text = "；".join(_hours_text(year, entries[year]) for year in failing)
        return make_check(f, "CONTINUING_EDUCATION", False, f"继续教育学时不达标：{text}", **values)
    text = "；".join(_hours_text(year, entry) for year, entry in entries.items())
    return make_check(f, "CONTINUING_EDUCATION", True, f"继续教育学时均达标：{text}", **values)


