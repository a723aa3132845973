"""Writes that mean something on the applicant's side: declarations, materials, submit, withdraw.

Every transition goes through ``take_action``: it locks the declaration, finds the row of the one
transition table (``flow.TRANSITIONS``), checks the actor against it, runs the action's own rules,
saves the new state and writes the event, all in one transaction. A refused action changes nothing.
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.http import Http404
from django.utils import timezone

from accounts.errors import CONFLICT, INVALID, TOO_LARGE, DomainError
from accounts.models import Role
from accounts.services import client_ip, record_event
from config.clock import today
from config.inserts import insert_together
from config.prepared import PreparedObjects, retrying_stale
from reviews.actions import Outcome
from reviews.models import Decision
from titles.documents import citation
from titles.eligibility import InvalidCase
from titles.models import Level, ReviewPlan
from titles.selectors import access_plan, eligibility_verdict, one_rulebook_read, plan_citations

from .bulk import save_with_history
from .flow import Action, State, known_action, transition_for
from .models import ROUTES, Declaration, DeclarationVersion, Material, Pledge, Profile
from .permissions import deciding_body, may_take
from .selectors import (
    access_declaration,
    applicant_rows,
    declaration_window,
    eligibility_case,
    kinds_for,
    profile_of,
    rulebook_in_force,
)

# 诚信承诺 (003 15): versioned; each pledge stores the text it was signed with.
PLEDGE_VERSION = "2026-1"
PLEDGE_TEXT = (
    "本人郑重承诺：所填报的信息和提交的申报材料真实、准确、完整，不存在弄虚作假、学术不端等行为。"
    "如有不实，本人愿承担相应责任，接受取消申报、评审资格及记入诚信档案等处理。"
)
ROUTE_NAMES = dict(ROUTES)


class DeclarationError(DomainError):
    """An action refused by a rule (409, FLOW.md): ``rule`` is its code, the message says why."""

    kind = CONFLICT

    def __init__(self, rule: str, message: str):
        self.rule = rule
        super().__init__(message, code=rule)


class InvalidInput(DomainError):
    """Malformed or wrong fields (400): ``errors`` maps each field to a Chinese message."""

    kind = INVALID

    def __init__(self, errors: dict[str, str], *, code: str = "invalid", kind: str | None = None):
        super().__init__("；".join(f"{k}：{v}" for k, v in errors.items()), code=code, kind=kind, errors=errors)


# --- starting and editing a draft ---------------------------------------------------------------


def _applicant_employer(actor):
    for membership in actor.memberships():
        if membership.role == Role.APPLICANT:
            return membership.organisation
    raise PermissionDenied("只有申报人可以填写职称申报")


def outside_window(plan) -> str | None:
    """Why today is outside the plan's declaration window (None: inside it)."""
    window = declaration_window(plan)
    now = today()
    if window is not None and window[0] <= now <= window[1]:
        return None
    span = f"{window[0]:%Y-%m-%d} 至 {window[1]:%Y-%m-%d}" if window else "未设定"
    return f"不在该方案的个人申报时间内（{span}）；今天是 {now:%Y-%m-%d}"


def _check_window(plan, action_label: str) -> None:
    reason = outside_window(plan)
    if reason:
        raise DeclarationError("DECLARATION_WINDOW", f"{reason}，不能{action_label}")


def _check_one_per_year(applicant, year: int, exclude_pk=None) -> None:
    others = Declaration.objects.filter(applicant=applicant, year=year).exclude(state=State.WITHDRAWN)
    if exclude_pk:
        others = others.exclude(pk=exclude_pk)
    other = others.select_related("series").first()
    if other is not None:
        raise DeclarationError(
            "ONE_PER_YEAR",
            f"{year} 年度已有一份{other.series}系列{other.get_level_display()}职称申报（编号 {other.pk}），"
            "同一年度只能申报一个系列（专业）的职称；撤回后方可另行申报")


def _target_errors(plan, *, level, route, specialty_id, green_channel_reference) -> tuple[dict, object]:
    errors: dict[str, str] = {}
    if level not in Level.values:
        errors["level"] = f"层级无效：{level!r}；可选：{'、'.join(Level.values)}"
    elif level not in (plan.levels or []):
        offered = "、".join(Level(v).label for v in plan.levels if v in Level.values) or "无"
        errors["level"] = f"该方案不评审{Level(level).label}职称；本方案评审：{offered}"
    if route not in ROUTE_NAMES:
        errors["route"] = f"申报渠道无效：{route!r}；可选：{'、'.join(ROUTE_NAMES)}"
    specialty = None
    if specialty_id not in (None, ""):
        offered = plan.specialties.all()
        if not offered.exists():
            offered = plan.series.specialties.filter(is_active=True)
        specialty = offered.filter(pk=specialty_id).first() if str(specialty_id).isdigit() else None
        if specialty is None:
            errors["specialty"] = "该方案不评审所选专业"
    if route == "green_channel" and not (green_channel_reference or "").strip():
        errors["green_channel_reference"] = "绿色通道申报须填写一事一议的批准文号"
    return errors, specialty


@transaction.atomic
def start_declaration(*, actor, plan_id, level, route="regular", specialty_id=None, green_channel_reference="",
                      request=None) -> Declaration:
    """A new draft for a published plan, inside its declaration window; one per applicant per year."""
    employer = _applicant_employer(actor)
    plan = access_plan(actor, plan_id)
    if plan.status != ReviewPlan.Status.PUBLISHED:
        raise InvalidInput({"plan": "该评审方案尚未发布"})
    errors, specialty = _target_errors(plan, level=level, route=route, specialty_id=specialty_id,
                                       green_channel_reference=green_channel_reference)
    if errors:
        raise InvalidInput(errors)
    _check_window(plan, "新建申报")
    _check_one_per_year(actor, plan.year)
    try:
        with transaction.atomic():
            declaration = Declaration.objects.create(
                applicant=actor, employer=employer, plan=plan, year=plan.year, series=plan.series,
                specialty=specialty, level=level, route=route,
                green_channel_reference=(green_channel_reference or "").strip())
    except IntegrityError as exc:  # a concurrent request won the race for this year
        raise DeclarationError("ONE_PER_YEAR", f"{plan.year} 年度已有一份职称申报，同一年度只能申报一个系列（专业）的职称") from exc
    profile_of(actor)
    record_event(actor=actor, action="create_declaration", obj=declaration, to_state=State.DRAFT, request=request)
    return declaration


def _editable(actor, declaration_id) -> Declaration:
    declaration = access_declaration(actor, declaration_id, for_update=True)
    if not actor.has_perm("declarations.edit_declaration", declaration):
        raise PermissionDenied("只有申报人本人可以修改申报内容")
    if declaration.state not in (State.DRAFT, State.RETURNED):
        raise DeclarationError("NOT_EDITABLE", f"申报处于“{declaration.get_state_display()}”状态，不能修改")
    return declaration


@transaction.atomic
def update_target(*, actor, declaration_id, level=None, route=None, specialty_id=None,
                  green_channel_reference=None) -> Declaration:
    """Change what a draft asks for (level, route, specialty, green-channel reference)."""
    declaration = _editable(actor, declaration_id)
    if declaration.state != State.DRAFT:
        raise DeclarationError("NOT_EDITABLE", "已提交的申报不能更改申报层级、渠道或专业")
    level = declaration.level if level is None else level
    route = declaration.route if route is None else route
    reference = declaration.green_channel_reference if green_channel_reference is None else green_channel_reference
    specialty_id = declaration.specialty_id if specialty_id is None else specialty_id
    errors, specialty = _target_errors(declaration.plan, level=level, route=route, specialty_id=specialty_id,
                                       green_channel_reference=reference)
    if errors:
        raise InvalidInput(errors)
    declaration.level, declaration.route, declaration.specialty = level, route, specialty
    declaration.green_channel_reference = (reference or "").strip()
    declaration.save(update_fields=["level", "route", "specialty", "green_channel_reference", "updated_at"])
    return declaration


# --- materials ----------------------------------------------------------------------------------


def add_material(*, actor, declaration_id, kind: str, upload, request=None) -> Material:
    """Check an upload by its content and attach it; a refused upload leaves no row and no file."""
    from .uploads import UploadRefused, check_declaration_total, inspect_upload, limits_from_settings

    stored_name = None
    try:
        with transaction.atomic():
            declaration = _editable(actor, declaration_id)
            kinds = {k.code: k for k in kinds_for(declaration)}
            if kind not in kinds:
                raise InvalidInput({"kind": f"材料类别无效：{kind!r}；可选：{'、'.join(kinds)}"})
            limits = limits_from_settings()
            try:
                checked = inspect_upload(upload, original_name=getattr(upload, "name", "") or "", limits=limits)
                total = declaration.materials.aggregate(total=Sum("size"))["total"] or 0
                check_declaration_total(total, checked.size, limits)
            except UploadRefused as exc:
                raise UploadError(exc.code, getattr(exc, "message", None) or str(exc)) from exc
            upload.seek(0)
            material = Material(declaration=declaration, kind=kind, display_name=checked.display_name,
                                content_type=checked.content_type, size=checked.size, sha256=checked.sha256,
                                uploaded_by=actor)
            material.file.save(f"upload{checked.extension}", upload, save=False)
            stored_name = material.file.name
            material.save()
            record_event(actor=actor, action="add_material", obj=declaration, request=request,
                         comment=f"{kinds[kind].label}：{checked.display_name}（SHA-256 {checked.sha256[:12]}…）")
    except Exception:
        if stored_name:
            Material._meta.get_field("file").storage.delete(stored_name)
        raise
    return material


class UploadError(InvalidInput):
    """An upload refused by its content or size: 400, or 413 when over a size limit."""

    def __init__(self, code: str, message: str):
        super().__init__({"file": message}, code=code,
                         kind=TOO_LARGE if code in ("TOO_LARGE", "DECLARATION_TOO_LARGE") else INVALID)


def remove_material(*, actor, material_id, request=None) -> None:
    material = Material.objects.filter(pk=material_id).only("declaration_id").first()
    if material is None:
        raise Http404("没有该材料")
    with transaction.atomic():
        declaration = _editable(actor, material.declaration_id)
        material = declaration.materials.select_for_update().get(pk=material_id)
        name = material.file.name
        record_event(actor=actor, action="remove_material", obj=declaration, request=request,
                     comment=f"{material.display_name}（SHA-256 {material.sha256[:12]}…）")
        material.delete()
        transaction.on_commit(lambda: Material._meta.get_field("file").storage.delete(name))


# --- transitions --------------------------------------------------------------------------------


def take_action(*, actor, declaration_id, action: str, payload: dict | None = None, request=None) -> Declaration:
    """Take one action of the transition table on a declaration (FLOW.md ``actions/{code}``)."""
    if not known_action(action):
        raise Http404(f"没有该操作：{action}")
    payload = payload if isinstance(payload, dict) else {}
    # the locked declaration and the lists are read by statements PostgreSQL keeps prepared, inside the transaction
    # too: when a migration made one stale the transaction rolls back and the action runs once more without them
    return retrying_stale(_take_action, actor=actor, declaration_id=declaration_id, action=action, payload=payload,
                          request=request)


def _take_action(*, actor, declaration_id, action: str, payload: dict, request) -> Declaration:
    with transaction.atomic(), one_rulebook_read():
        # the plan's issuing bureau too: its region picks the rulebook and the citations of every action
        declaration = access_declaration(actor, declaration_id, for_update=True, with_related=("plan__organisation",))
        transition = transition_for(declaration.state, action)
        if transition is None:
            raise DeclarationError(
                "STATE", f"申报处于“{declaration.get_state_display()}”状态，不能{Action(action).label}")
        if not may_take(actor, declaration, transition):
            raise PermissionDenied(f"您不是该申报此环节的办理人，不能{Action(action).label}")
        from_state = declaration.state
        outcome = _handlers()[action](actor=actor, declaration=declaration, payload=payload, request=request)
        if isinstance(outcome, str):
            outcome = Outcome(comment=outcome)
        declaration.state = outcome.target or transition.target
        if declaration.state.startswith("<"):
            raise RuntimeError(f"转换表的目标状态 {transition.target} 须由操作 {action} 给出")
        decision = Decision(
            declaration=declaration, action=action, actor=actor, body=deciding_body(declaration, transition.actor),
            basis=outcome.basis or citation(plan_citations(declaration.plan), transition.basis), from_state=from_state,
            to_state=declaration.state, comment=outcome.comment)
        # the action's own rows (a version, a pledge) with it, and who acts next read in the same round trip
        next_actors = insert_together(*outcome.records, decision, reading=_next_actors_query(declaration))
        declaration._actor_pk = actor.pk
        _notify(declaration, action=action, comment=outcome.comment, decision_pk=decision.pk,
                next_actors=next_actors)
        # Last, just before the commit, in one round trip: the new state with its history row, whose queue counts'
        # trigger takes the event chain's site-wide lock (held until the commit, as the event's own lock), then the
        # event. Every transition waits for that lock, so it is held for this round trip and the commit only.
        new_state = save_with_history(declaration, ["state", "version", "submitted_at"], defer=True)
        record_event(actor=actor, action=action, obj=declaration, from_state=from_state, to_state=declaration.state,
                     comment=outcome.comment, request=request, before=new_state)
    return declaration


def _handlers():
    from committees.actions import HANDLERS as COMMITTEE_HANDLERS
    from reviews.actions import HANDLERS

    return {Action.SUBMIT: _submit, Action.WITHDRAW: _withdraw, **HANDLERS, **COMMITTEE_HANDLERS}


def live_verdict(declaration, profile: Profile | None = None, *, case: dict | None = None) -> dict:
    """The eligibility verdict for the declaration as it stands, or ``{"errors": …}`` while the
    profile lacks a fact the engine needs (``case``: the eligibility input, when already built)."""
    profile = profile or profile_of(declaration.applicant)
    try:
        return eligibility_verdict(case if case is not None else eligibility_case(declaration, profile))
    except InvalidCase as exc:
        return {"eligible": False, "checks": [], "errors": exc.errors}


_PART_LABELS = {"education": "学历", "titles": "已取得职称", "qualifications": "职业资格", "sanctions": "处分记录",
                "assessments": "年度考核", "continuing_education": "继续教育学时"}


def describe_fact(path: str) -> str:
    """A field path of the eligibility case in the applicant's words: applicant.education.0.obtained
    → 学历第 1 条 · 毕业时间."""
    parts = path.split(".")
    if parts[:1] == ["applicant"]:
        parts = parts[1:]
    if not parts:
        return "档案"
    if parts[0] in _PART_LABELS:
        label = _PART_LABELS[parts[0]]
        if len(parts) > 1 and parts[1].isdigit():
            label += f"第 {int(parts[1]) + 1} 条"
        return label
    try:
        return str(Profile._meta.get_field(parts[0]).verbose_name)
    except Exception:
        return {"as_of": "核验日期", "target": "申报内容"}.get(parts[0], parts[0])


MATERIAL_ABOUT = "material:"  # a return item or a version's change about a material: material:<kind>


def about_label(about: str, material_labels: dict[str, str]) -> str:
    """What a return item or a version's change is about, as people read it: ``material:id_card`` → 申报材料 ·
    居民身份证 (``material_labels``: the declaration's kinds, ``kind_labels``), ``profile.career_start`` → 档案 ·
    参加工作时间, ``declaration.level`` → 申报内容 · 申报层级; any other text (a reviewer's own words) as it is."""
    if about.startswith(MATERIAL_ABOUT):
        kind = about[len(MATERIAL_ABOUT):]
        return f"申报材料 · {material_labels.get(kind, kind)}"
    part, _, path = about.partition(".")
    if part == "profile" and path:
        return f"档案 · {describe_fact(path)}"
    if part == "declaration" and path:
        try:
            return f"申报内容 · {Declaration._meta.get_field(path).verbose_name}"
        except FieldDoesNotExist:
            return about
    return about


def about_code(text: str, material_labels: dict[str, str]) -> str:
    """A return item's subject as a reviewer writes it, in the code the 一次性告知 check compares with the versions'
    changes: a material's name (居民身份证, or 申报材料 · 居民身份证 as the page shows it) → material:<kind>, a
    profile field's name (参加工作时间) → profile.<field>; a code or any other text as it is."""
    text = text.strip()
    name = text.split("·", 1)[1].strip() if "·" in text else text
    for kind, label in material_labels.items():
        if name == label:
            return f"{MATERIAL_ABOUT}{kind}"
    for field in Profile._meta.concrete_fields:
        if name == str(field.verbose_name) and field.name not in ("id", "user"):
            return f"profile.{field.name}"
    return text


def submission_problems(declaration, profile: Profile | None = None, verdict: dict | None = None, *,
                        rows: dict | None = None) -> list[dict]:
    """Every reason submitting would be refused now, as ``{"rule", "message"}`` (empty: it may go);
    ``rows``: the ``applicant_rows`` when already read."""
    profile = profile or profile_of(declaration.applicant)
    problems = []
    window_reason = outside_window(declaration.plan)
    if window_reason:
        problems.append({"rule": "DECLARATION_WINDOW", "message": window_reason})
    present = ({m["kind"] for m in rows["materials"]} if rows is not None
               else set(declaration.materials.values_list("kind", flat=True)))
    missing = [k.label for k in kinds_for(declaration, profile, rows=rows) if k.required and k.code not in present]
    if missing:
        problems.append({"rule": "MATERIALS_REQUIRED", "message": f"缺少必需的申报材料：{'、'.join(missing)}"})
    verdict = verdict if verdict is not None else live_verdict(declaration, profile)
    if verdict.get("errors"):
        fields = "；".join(f"{describe_fact(k)}：{v}" for k, v in verdict["errors"].items())
        problems.append({"rule": "PROFILE_INCOMPLETE", "message": f"档案信息不完整或有误：{fields}"})
    elif not verdict["eligible"] and declaration.route != "green_channel":
        for check in verdict["checks"]:
            if not check["passed"]:
                problems.append({"rule": check["rule"], "message": check["message"]})
    return problems


def _submit(*, actor, declaration, payload, request) -> Outcome:
    if payload.get("pledge") is not True:
        raise InvalidInput({"pledge": "提交前须阅读并签署诚信承诺（pledge 应为 true）"})
    rows = applicant_rows(declaration)  # one read: the profile, the verdict, the material check and the version
    profile = rows["profile"]
    case = eligibility_case(declaration, profile, rows=rows)
    verdict = live_verdict(declaration, profile, case=case)
    problems = submission_problems(declaration, profile, verdict, rows=rows)
    if problems:
        raise DeclarationError(problems[0]["rule"], "不能提交：" + "；".join(p["message"] for p in problems))
    version = new_version(actor=actor, declaration=declaration, action=Action.SUBMIT, profile=profile,
                          verdict=verdict, case=case, rows=rows)
    pledge = Pledge(declaration=declaration, version_number=declaration.version, text_version=PLEDGE_VERSION,
                    text=PLEDGE_TEXT, signed_by=actor, ip_address=client_ip(request))
    declaration.submitted_at = timezone.now()
    return Outcome(comment=f"已签署诚信承诺（{PLEDGE_VERSION}），提交第 {declaration.version} 版",
                   records=(version, pledge))


def _withdraw(*, actor, declaration, payload, request) -> str:
    comment = payload.get("comment", "")
    if not isinstance(comment, str) or len(comment) > 2000:
        raise InvalidInput({"comment": "撤回说明应为不超过 2000 字的文字"})
    return comment.strip()


def new_version(*, actor, declaration, action, profile: Profile, verdict: dict,
                case: dict | None = None, rows: dict | None = None) -> DeclarationVersion:
    """The immutable record of what was submitted: profile and declaration, materials' checksums,
    the verdict and the rulebook layers it used (``case``: the verdict's eligibility input, ``rows``: the
    ``applicant_rows`` it was built from, when already read). Not yet written: the action hands it to
    ``take_action`` (``Outcome.records``), which writes it with the decision."""
    declaration.version += 1
    rows = rows if rows is not None else applicant_rows(declaration, profile)
    case = case if case is not None else eligibility_case(declaration, profile, rows=rows)
    snapshot = {
        "declaration": {"id": declaration.pk, "plan": declaration.plan_id, "year": declaration.year,
                        "employer": declaration.employer.name, "series": declaration.series.name,
                        "specialty": declaration.specialty.name if declaration.specialty else "",
                        "level": declaration.level, "route": declaration.route,
                        "green_channel_reference": declaration.green_channel_reference},
        "profile": {**case["applicant"], "post_name": profile.post_name, "work_history": rows["work_history"],
                    "achievements": rows["achievements"]},
        "materials": rows["materials"],
        "verdict": verdict,
        "rulebook": rulebook_in_force(declaration),
    }
    return DeclarationVersion(declaration=declaration, number=declaration.version, action=action, snapshot=snapshot,
                              created_by=actor)


# --- the applicant's own profile (autosaved by the wizard; the history keeps every change) -------


def save_profile_fields(*, actor, data) -> tuple[Profile, dict[str, list[str]]]:
    """Save the posted profile fields that are valid; return the errors of the others. Only the
    fields present in ``data`` are touched, so the wizard saves each field as it is typed."""
    from .forms import ProfileForm

    profile = profile_of(actor)
    names = [name for name in ProfileForm.Meta.fields if name in data or f"{name}-present" in data]
    if not names:
        return profile, {}
    form_class = type("PartialProfileForm", (ProfileForm,), {
        "Meta": type("Meta", (ProfileForm.Meta,), {"fields": names})})
    with transaction.atomic():
        profile = Profile.objects.select_for_update().get(pk=profile.pk)
        form = form_class(data, instance=profile)
        form.fields = {name: field for name, field in form.fields.items() if name in names}
        valid = form.is_valid()
        good = [name for name in names if name not in form.errors]
        for name in good:
            setattr(profile, name, form.cleaned_data[name])
        if good:
            profile._change_reason = "申报人填写"
            profile.save(update_fields=[*good, "updated_at"])
    return profile, ({} if valid else {k: list(v) for k, v in form.errors.items()})


def save_profile_row(*, actor, part: str, row_id=None, data):
    """Create or change one row of a profile part (education, titles …); nothing is saved while
    the row has an error. Returns (row or None, the bound form)."""
    from .forms import PARTS

    if part not in PARTS:
        raise Http404("没有这一栏")
    _, form_class, related, _ = PARTS[part]
    profile = profile_of(actor)
    with transaction.atomic():
        instance = None
        if row_id not in (None, "", "new"):
            instance = getattr(profile, related).select_for_update().filter(pk=row_id).first()
            if instance is None:
                raise Http404("没有这一行，或它不属于您")
        form = form_class(data, instance=instance)
        if not form.is_valid():
            return None, form
        row = form.save(commit=False)
        row.profile = profile
        row._change_reason = "申报人填写"
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            form.add_error(None, "已有相同年度的记录")
            return None, form
        Profile.objects.filter(pk=profile.pk).update(updated_at=timezone.now())
    return row, form


def delete_profile_row(*, actor, part: str, row_id) -> None:
    from .forms import PARTS

    if part not in PARTS:
        raise Http404("没有这一栏")
    related = PARTS[part][2]
    deleted, _ = getattr(profile_of(actor), related).filter(pk=row_id).delete()
    if not deleted:
        raise Http404("没有这一行，或它不属于您")


# --- who is told: the people who must act next, and the applicant when it concerns them ----------

_STATE_ROLES = {
    State.EMPLOYER_REVIEW: ("employer", (Role.EMPLOYER_HANDLER,)),
    State.UNIT_PUBLICITY: ("employer", (Role.EMPLOYER_ADMIN,)),
    State.DEPARTMENT_REVIEW: ("department", (Role.DEPT_REVIEWER,)),
    State.BUREAU_REVIEW: ("bureau", (Role.BUREAU_REVIEWER,)),
}
_TELL_APPLICANT = {State.RETURNED, State.UNIT_PUBLICITY, State.NOT_RECOMMENDED, State.REJECTED,
                   State.COMMITTEE_REVIEW}


def _members(organisation_id, *roles):
    from accounts.models import RoleMembership
    from config.lookups import Constant

    # the roles in the statement's text (they are the shape): PostgreSQL keeps one plan per role (config.lookups)
    return RoleMembership.objects.filter(organisation_id=organisation_id,
                                         role__in=[Constant(role) for role in roles]).select_related("user")


_MEMBERS = PreparedObjects(_members)  # each transition tells the next body's members: compiled once


def _next_body(declaration) -> tuple:
    """The body that acts on the declaration in its state and its members' roles there, or (None, ())."""
    from .permissions import bureau_of, department_of

    where, roles = _STATE_ROLES.get(declaration.state, (None, ()))
    body = {"employer": lambda: declaration.employer, "department": lambda: department_of(declaration),
            "bureau": lambda: bureau_of(declaration)}.get(where, lambda: None)()  # only the body it names
    return (None, ()) if body is None else (body, tuple(roles))


def _next_actors_query(declaration):
    """``_next_actors``' memberships as a query not yet run (``PreparedObjects.pending``), for a round trip with
    the transition's INSERT; None when no body acts next or the query cannot wait."""
    body, roles = _next_body(declaration)
    return None if body is None else _MEMBERS.pending(body.pk, shape=roles)


def _next_actors(declaration) -> list:
    body, roles = _next_body(declaration)
    if body is None:
        return []
    return [m.user for m in _MEMBERS.objects(body.pk, shape=roles)]


def _notify(declaration, *, action: str, comment: str, decision_pk, next_actors: list | None = None) -> None:
    """Tell the next body's members (``next_actors``: their memberships when already read, else read here) and,
    when it concerns them, the applicant."""
    from accounts.notifications import notify
    from accounts.templatetags.site_urls import fixed_url

    state = declaration.get_state_display()
    link = fixed_url("declarations:detail", declaration.pk)  # reversed once per process: ≈ 20 µs a transition
    what = f"{declaration.applicant.real_name or declaration.applicant.username}的{declaration.year} 年" \
           f"{declaration.series}系列{declaration.get_level_display()}职称申报"
    recipients = _next_actors(declaration) if next_actors is None else [m.user for m in next_actors]
    notify(recipients=recipients, key=f"decision:{decision_pk}:act",
           title=f"待办：{what}（{state}）", body=f"{Action(action).label}：{comment}".strip("："), link=link)
    if declaration.state in _TELL_APPLICANT and declaration.applicant_id != getattr(declaration, "_actor_pk", None):
        notify(recipients=[declaration.applicant], key=f"decision:{decision_pk}:applicant",
               title=f"您的申报：{state}", body=f"{Action(action).label}：{comment}".strip("："), link=link)
