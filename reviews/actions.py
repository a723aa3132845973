"""The review chain's actions of the transition table (declarations/flow.py): return, resubmit,
recommend, not_recommend, forward, pass and reject.

Each handler runs inside ``declarations.services.take_action`` on a locked declaration whose actor
was already checked against the table; it checks the action's own rules, writes the action's
records, and answers an ``Outcome`` (comment, basis, and the target when the table leaves it open).
A refusal raises and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from accounts.models import Role
from accounts.permissions import has_role
from config.clock import today
from declarations.flow import Action, State
from declarations.permissions import bureau_of, department_of
from titles.selectors import effective_plan_rules, stored_calendar

from .models import CorrectionNotice, MaterialVerification, PostQuota, Recommendation
from .selectors import changed_abouts, latest_verifications, open_correction

TEXT_LIMIT = 2000


@dataclass
class Outcome:
    comment: str = ""
    basis: str = ""
    target: str | None = None
    records: tuple = ()  # new insert-only rows of the action (a version, a pledge), written with its decision


def _errors():
    from declarations.services import DeclarationError, InvalidInput

    return DeclarationError, InvalidInput


def _text(payload, key, label, *, required=False) -> str:
    _, InvalidInput = _errors()
    value = payload.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str) or len(value) > TEXT_LIMIT or "\x00" in value:
        raise InvalidInput({key: f"{label}应为不超过 {TEXT_LIMIT} 字的文字"})
    if required and not value.strip():
        raise InvalidInput({key: f"须填写{label}"})
    return value.strip()


def _rules(declaration):
    return effective_plan_rules(region_code=declaration.plan.organisation.region_code, year=declaration.year)


# --- return and resubmit (一次性告知, 004 四(三)) ---------------------------------------------------


def _items(payload) -> list[dict]:
    _, InvalidInput = _errors()
    items = payload.get("items")
    if not isinstance(items, list) or not items:
        raise InvalidInput({"items": "须一次性列出全部补正事项（至少一项，每项写明材料或栏目及问题）"})
    if len(items) > 100:
        raise InvalidInput({"items": "补正事项不能超过 100 项"})
    cleaned = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise InvalidInput({f"items.{index}": "每项应为对象：{\"about\": …, \"problem\": …}"})
        about = _text(item, "about", f"第 {index + 1} 项的材料或栏目", required=True)
        problem = _text(item, "problem", f"第 {index + 1} 项的问题", required=True)
        cleaned.append({"about": about[:200], "problem": problem})
    return cleaned


def _deadline(payload, declaration) -> date:
    _, InvalidInput = _errors()
    calendar, now = stored_calendar(), today()
    longest = calendar.add(now, _rules(declaration).correction_working_days)
    raw = payload.get("deadline")
    if raw in (None, ""):
        return longest
    try:
        deadline = date.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        deadline = None
    if deadline is None:
        raise InvalidInput({"deadline": "补正期限应为日期 YYYY-MM-DD"})
    if deadline <= now:
        raise InvalidInput({"deadline": f"补正期限应晚于今天（{now:%Y-%m-%d}）"})
    if deadline > longest:
        raise InvalidInput({"deadline": f"补正期限不能超过 {_rules(declaration).correction_working_days} 个工作日"
                                        f"（最晚 {longest:%Y-%m-%d}）"})
    if not calendar.is_workday(deadline):
        raise InvalidInput({"deadline": f"补正期限 {deadline:%Y-%m-%d} 不是工作日"})
    return deadline


def do_return(*, actor, declaration, payload, request) -> Outcome:
    DeclarationError, InvalidInput = _errors()
    from declarations.selectors import material_labels
    from declarations.services import about_code, about_label

    labels = material_labels(declaration)  # the names of its materials, as its page shows them
    # an item about a material or a profile field named as the page names it is kept as its code, which the
    # 一次性告知 check below compares with what a correction changed; any other words as written
    items = [{**item, "about": about_code(item["about"], labels)} for item in _items(payload)]
    deadline = _deadline(payload, declaration)
    comment = _text(payload, "comment", "说明")
    step = declaration.state
    earlier = declaration.corrections.filter(returned_from=step).count()
    override = None
    if earlier:
        changed = changed_abouts(declaration) or set()
        outside = [item["about"] for item in items
                   if not any(item["about"] == about or item["about"].startswith(about + ".") for about in changed)]
        if outside:
            bureau = bureau_of(declaration)
            if payload.get("override") is True and bureau is not None and has_role(actor, Role.BUREAU_REVIEWER, bureau):
                override = actor
            else:
                raise DeclarationError(
                    "RETURN_ONCE",
                    "一次性告知：本环节已退回过，再次退回只能针对补正改动的内容（本次补正改动了："
                    f"{'、'.join(sorted(about_label(about, labels) for about in changed)) or '无'}）；"
                    f"以下事项须人社部门准许：{'、'.join(about_label(about, labels) for about in outside)}")
    CorrectionNotice.objects.create(
        declaration=declaration, returned_from=step, number=earlier + 1, items=items, deadline=deadline,
        comment=comment, version_number=declaration.version, returned_by=actor, override_by=override)
    listed = "；".join(f"{i + 1}. {about_label(item['about'], labels)}：{item['problem']}" for i, item in enumerate(items))
    note = "（人社部门准许提出新事项）" if override else ""
    return Outcome(comment=f"第 {earlier + 1} 次退回{note}，补正期限 {deadline:%Y-%m-%d}：{listed}"
                           + (f"；{comment}" if comment else ""))


def do_resubmit(*, actor, declaration, payload, request) -> Outcome:
    from declarations.selectors import applicant_rows, eligibility_case, profile_of
    from declarations.services import live_verdict, new_version

    DeclarationError, _ = _errors()
    notice = open_correction(declaration)
    if notice is None:
        raise DeclarationError("NO_RETURN", "没有待补正的退回通知")
    profile = profile_of(declaration.applicant)
    rows = applicant_rows(declaration, profile)  # one read for the verdict and the version
    case = eligibility_case(declaration, profile, rows=rows)
    version = new_version(actor=actor, declaration=declaration, action=Action.RESUBMIT, profile=profile,
                          verdict=live_verdict(declaration, profile, case=case), case=case, rows=rows)
    notice.resubmitted_at = timezone.now()
    notice.save(update_fields=["resubmitted_at"])
    late = "（已超过补正期限）" if today() > notice.deadline else ""
    return Outcome(comment=f"补正后提交第 {declaration.version} 版{late}", target=notice.returned_from,
                   records=(version,))


# --- the employer: 民主评议, recommendation within the quota, the unit's 公示 ------------------------


def _evaluation(payload, declaration) -> dict:
    DeclarationError, InvalidInput = _errors()
    raw = payload.get("evaluation")
    if not isinstance(raw, dict):
        raise InvalidInput({"evaluation": "须填写民主评议结果：{\"members\", \"for\", \"against\", \"abstain\"}"})
    values = {}
    for key, label in (("members", "评议人数"), ("for", "赞成"), ("against", "反对"), ("abstain", "弃权")):
        value = raw.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10000:
            raise InvalidInput({f"evaluation.{key}": f"{label}应为 0 至 10000 的整数"})
        values[key] = value
    if values["members"] < 1:
        raise InvalidInput({"evaluation.members": "评议人数至少为 1"})
    if values["for"] + values["against"] + values["abstain"] > values["members"]:
        raise InvalidInput({"evaluation": "赞成、反对、弃权票数之和超过了评议人数"})
    rules = _rules(declaration)
    if values["for"] * rules.evaluation_pass_denominator <= values["members"] * rules.evaluation_pass_numerator:
        raise DeclarationError(
            "EVALUATION", f"民主评议赞成 {values['for']} 票，未超过评议人数 {values['members']} 的 "
                          f"{rules.evaluation_pass_numerator}/{rules.evaluation_pass_denominator}，不能推荐（{rules.name}）")
    return values


def _all_verified(declaration) -> None:
    DeclarationError, _ = _errors()
    latest = latest_verifications(declaration)
    pending = [m.display_name for m in declaration.materials.all()
               if m.pk not in latest or latest[m.pk].verdict == MaterialVerification.Verdict.WRONG]
    if pending:
        raise DeclarationError("MATERIALS_VERIFIED",
                               f"还有材料未审查或审查有误，不能推荐：{'、'.join(pending)}（谁审查、谁签字、谁负责）")


def _take_place(declaration) -> PostQuota | None:
    """Lock the quota row and take a place; concurrent recommendations wait for the lock."""
    DeclarationError, _ = _errors()
    if declaration.route == "green_channel":  # no quota limits on the green channel (002 一(四))
        return None
    directed = declaration.route == "directed"
    quota = (PostQuota.objects.select_for_update()
             .filter(plan=declaration.plan, employer=declaration.employer, level=declaration.level,
                     directed=directed).first())
    kind = "双定向" if directed else ""
    if quota is None:
        raise DeclarationError("QUOTA", f"本单位{declaration.get_level_display()}{kind}推荐名额尚未核定（岗位核定）")
    taken = quota.recommendations.filter(holds_place=True).count()
    if taken >= quota.places:
        raise DeclarationError("QUOTA", f"本单位{declaration.get_level_display()}{kind}推荐名额 {quota.places} 个已用完"
                                        "（岗位核定）")
    return quota


def do_recommend(*, actor, declaration, payload, request) -> Outcome:
    votes = _evaluation(payload, declaration)
    _all_verified(declaration)
    quota = _take_place(declaration)
    calendar, start = stored_calendar(), today()
    days = _rules(declaration).unit_publicity_working_days
    end = calendar.publicity_end(start, days)
    Recommendation.objects.update_or_create(declaration=declaration, defaults={
        "quota": quota, "holds_place": quota is not None, "members": votes["members"], "votes_for": votes["for"],
        "votes_against": votes["against"], "abstentions": votes["abstain"], "publicity_start": start,
        "publicity_end": end, "recommended_by": actor})
    return Outcome(comment=f"民主评议 {votes['members']} 人：赞成 {votes['for']}、反对 {votes['against']}、"
                           f"弃权 {votes['abstain']}；单位推荐公示 {days} 个工作日，至 {end:%Y-%m-%d}")


def do_not_recommend(*, actor, declaration, payload, request) -> Outcome:
    DeclarationError, _ = _errors()
    comment = _text(payload, "comment", "不予推荐的理由", required=True)
    if declaration.state == State.UNIT_PUBLICITY:  # only through an upheld objection
        recommendation = getattr(declaration, "recommendation", None)
        if recommendation is None or not recommendation.objections.filter(outcome="upheld").exists():
            raise DeclarationError("OBJECTION", "推荐公示中的申报只能因异议成立而不予推荐，请先登记并处理异议")
    return Outcome(comment=comment)


def do_forward(*, actor, declaration, payload, request) -> Outcome:
    DeclarationError, _ = _errors()
    recommendation = getattr(declaration, "recommendation", None)
    if recommendation is None:
        raise DeclarationError("PUBLICITY", "没有推荐记录")
    if today() <= recommendation.publicity_end:
        raise DeclarationError("PUBLICITY", f"单位推荐公示至 {recommendation.publicity_end:%Y-%m-%d}，公示期满后才能推送")
    if recommendation.objections.filter(outcome="open").exists():
        raise DeclarationError("OBJECTION", "公示期间有异议尚未处理，处理后才能推送")
    target = State.DEPARTMENT_REVIEW if department_of(declaration) is not None else State.BUREAU_REVIEW
    return Outcome(comment=_text(payload, "comment", "说明"), target=target)


# --- the competent department and the bureau ---------------------------------------------------


def do_pass(*, actor, declaration, payload, request) -> Outcome:
    return Outcome(comment=_text(payload, "comment", "意见"))


def do_reject(*, actor, declaration, payload, request) -> Outcome:
    comment = _text(payload, "comment", "不通过的理由", required=True)
    basis = _text(payload, "basis", "依据（规则与文件）", required=True)
    return Outcome(comment=comment, basis=basis)


# --- results: approval after the 公示, or overturned by an upheld objection (004 四(五)) -------------


def _results_rule(declaration) -> str:
    from titles.documents import citation
    from titles.selectors import plan_citations

    return citation(plan_citations(declaration.plan), "PROCEDURE_RESULTS")


def date_field(value, field: str, label: str) -> date:
    """A date from a form or JSON (``YYYY-MM-DD`` or a date), or 400 naming the field."""
    _, InvalidInput = _errors()
    if isinstance(value, date):
        return value
    parsed = None
    if isinstance(value, str):
        try:
            parsed = date.fromisoformat(value.strip())
        except ValueError:
            parsed = None
    if parsed is None or not 1950 <= parsed.year <= 2100:
        raise InvalidInput({field: f"{label}应为日期 YYYY-MM-DD"})
    return parsed


def approval_fields(payload, publication) -> tuple[str, date]:
    """The approval document's number (required) and date (default today: not before the 公示 ends)."""
    _, InvalidInput = _errors()
    number = payload.get("document_number")
    if not isinstance(number, str) or not number.strip() or len(number) > 100 or "\x00" in number:
        raise InvalidInput({"document_number": "须填写审批文号（任职资格文件的文号，不超过 100 字）"})
    raw = payload.get("approved_on")
    approved_on = today() if raw in (None, "") else date_field(raw, "approved_on", "审批日期")
    if approved_on > today() or approved_on <= publication.ends_on:
        raise InvalidInput({"approved_on": f"审批日期应在公示结束（{publication.ends_on:%Y-%m-%d}）之后、不晚于今天"})
    return number.strip(), approved_on


def do_approve(*, actor, declaration, payload, request) -> Outcome:
    from .models import ResultApproval
    from .services import _after_approval

    DeclarationError, _ = _errors()
    publication = declaration.result_publications.order_by("-pk").first()
    rule = _results_rule(declaration)
    if publication is None:
        raise DeclarationError("PROCEDURE_RESULTS", f"评审结果尚未公示，不能审批（{rule}）")
    if today() <= publication.ends_on:
        raise DeclarationError("PROCEDURE_RESULTS", f"评审结果公示至 {publication.ends_on:%Y-%m-%d}，"
                                                    f"公示期满后才能审批（{rule}）")
    objections = declaration.result_objections.filter(publication=publication)
    if objections.filter(outcome="open").exists():
        raise DeclarationError("OBJECTION", f"评审结果公示期间的异议尚未调查处理，处理后才能审批（{rule}）")
    if objections.filter(outcome="upheld").exists():
        raise DeclarationError("OBJECTION", f"评审结果公示期间的异议已查实，不能审批（{rule}）")
    number, approved_on = approval_fields(payload, publication)
    approval, created = ResultApproval.objects.get_or_create(
        publication=publication, document_number=number,
        defaults={"approved_on": approved_on, "approved_by": actor})
    if not created and approval.approved_on != approved_on:
        _, InvalidInput = _errors()
        raise InvalidInput({"approved_on": f"审批文号 {number} 已登记的审批日期为 {approval.approved_on:%Y-%m-%d}"})
    approval.declarations.add(declaration)
    _after_approval(actor=actor, declaration=declaration, approval=approval, request=request)
    return Outcome(comment=f"评审结果公示期满（{publication.starts_on:%Y-%m-%d} 至 {publication.ends_on:%Y-%m-%d}）"
                           f"无异议或异议不成立；审批文号 {number}，{approved_on:%Y-%m-%d}")


def do_overturn(*, actor, declaration, payload, request) -> Outcome:
    DeclarationError, _ = _errors()
    if not declaration.result_objections.filter(outcome="upheld").exists():
        raise DeclarationError("OBJECTION", "评审结果公示中的申报只能因异议成立而改为评审未通过，请先调查处理异议")
    return Outcome(comment=_text(payload, "comment", "异议成立的理由", required=True))


HANDLERS = {
    Action.RETURN: do_return,
    Action.RESUBMIT: do_resubmit,
    Action.RECOMMEND: do_recommend,
    Action.NOT_RECOMMEND: do_not_recommend,
    Action.FORWARD: do_forward,
    Action.PASS: do_pass,
    Action.REJECT: do_reject,
    Action.APPROVE: do_approve,
    Action.OVERTURN: do_overturn,
}
