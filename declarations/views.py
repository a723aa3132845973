"""The applicant's pages: my declarations, the wizard (autosaved with htmx, live verdict beside it),
materials, the pledge and submission; the declaration's status page with its timeline and versions."""

import functools
import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from accounts import request_cache
from accounts.models import Role
from config import fragments
from titles.models import Level, ReviewPlan
from titles.selectors import plan_citations
from titles.views import verdict_rows

from .flow import State
from .forms import PARTS, ProfileForm
from .models import ROUTES
from .page import declaration_head, declaration_page
from .permissions import may_verify
from .selectors import (
    access_declaration,
    access_material,
    available_actions,
    declaration_materials,
    declaration_window,
    kinds_for,
    profile_of,
    visible_declarations,
)
from .services import (
    PLEDGE_TEXT,
    PLEDGE_VERSION,
    DeclarationError,
    InvalidInput,
    about_label,
    add_material,
    delete_profile_row,
    describe_fact,
    live_verdict,
    remove_material,
    save_profile_fields,
    save_profile_row,
    start_declaration,
    submission_problems,
    take_action,
)

STEPS = [
    ("basic", "基本信息"),
    ("education", "学历与工作经历"),
    ("titles", "职称与职业资格"),
    ("assessments", "考核与继续教育"),
    ("achievements", "业绩成果"),
    ("materials", "申报材料"),
    ("submit", "诚信承诺与提交"),
]
STEP_PARTS = {"education": ["education", "work"], "titles": ["titles", "qualifications"],
              "assessments": ["assessments", "hours"], "achievements": ["achievements"]}
NEXT_STEP = {
    State.DRAFT: "填写申报信息、上传材料，签署诚信承诺后提交",
    State.EMPLOYER_REVIEW: "等待单位核验材料、民主评议和推荐",
    State.RETURNED: "按一次性告知的事项补正后重新提交",
}


def _applicant_only(user):
    if not any(m.role == Role.APPLICANT for m in user.memberships()):
        raise PermissionDenied("只有申报人可以使用该页面")


def _open_plans():
    from config.clock import today

    now = today()
    return (ReviewPlan.objects.filter(status=ReviewPlan.Status.PUBLISHED, phases__kind="declaration",
                                      phases__start__lte=now, phases__end__gte=now)
            .select_related("series").prefetch_related("specialties").order_by("-year", "name"))


@login_required
def my_declarations(request):
    _applicant_only(request.user)
    errors = {}
    if request.method == "POST":
        try:
            declaration = start_declaration(
                actor=request.user, plan_id=request.POST.get("plan", ""), level=request.POST.get("level", ""),
                route=request.POST.get("route", "regular"), specialty_id=request.POST.get("specialty") or None,
                green_channel_reference=request.POST.get("green_channel_reference", ""), request=request)
        except InvalidInput as exc:
            errors = exc.errors
        except DeclarationError as exc:
            errors = {"plan": exc.message}
        except Http404:
            errors = {"plan": "请选择一个评审方案"}
        else:
            messages.success(request, "已新建申报草稿，请逐步填写")
            return redirect("declarations:edit", pk=declaration.pk)
    declarations = visible_declarations(request.user).filter(applicant=request.user).prefetch_related("corrections")
    rows = []
    for d in declarations:
        open_notice = next((c for c in sorted(d.corrections.all(), key=lambda c: -c.pk) if c.resubmitted_at is None),
                           None) if d.state == State.RETURNED else None
        rows.append({"declaration": d, "next_step": NEXT_STEP.get(d.state, ""), "correction": open_notice})
    return render(request, "declarations/my_declarations.html", {
        "rows": rows, "plans": _open_plans(), "levels": Level.choices, "routes": ROUTES, "errors": errors,
        "posted": request.POST if request.method == "POST" else {},
    }, status=400 if errors else 200)


def _side_context(declaration, profile):
    verdict = live_verdict(declaration, profile)
    citations = plan_citations(declaration.plan)
    return {"verdict": verdict, "verdict_rows": verdict_rows(verdict.get("checks", []), citations),
            "verdict_errors": [(describe_fact(k), v) for k, v in verdict.get("errors", {}).items()],
            "problems": submission_problems(declaration, profile, verdict)}


def _editable_declaration(request, pk):
    declaration = access_declaration(request.user, pk)
    if declaration.applicant_id != request.user.pk:
        raise PermissionDenied("只有申报人本人可以填写")
    return declaration


@login_required
def edit(request, pk):
    declaration = _editable_declaration(request, pk)
    step = request.GET.get("step", "basic")
    if step not in dict(STEPS):
        raise Http404("没有这一步")
    if declaration.state not in (State.DRAFT, State.RETURNED):
        return redirect("declarations:detail", pk=declaration.pk)
    profile = profile_of(request.user)
    context = {"declaration": declaration, "steps": STEPS, "step": step, "step_label": dict(STEPS)[step],
               "profile": profile, **_side_context(declaration, profile)}
    index = [s for s, _ in STEPS].index(step)
    context["previous_step"] = STEPS[index - 1] if index else None
    context["next_step"] = STEPS[index + 1] if index + 1 < len(STEPS) else None
    if step == "basic":
        context["form"] = ProfileForm(instance=profile)
    elif step in STEP_PARTS:
        context["parts"] = [_part_context(profile, part) for part in STEP_PARTS[step]]
    elif step == "materials":
        context.update(_materials_context(declaration, profile))
    else:
        context.update({"pledge_text": PLEDGE_TEXT, "pledge_version": PLEDGE_VERSION,
                        "window": declaration_window(declaration.plan)})
    return render(request, "declarations/wizard.html", context)


def _part_context(profile, part, form_for_new=None):
    label, form_class, related, help_text = PARTS[part]
    rows = [{"id": row.pk, "form": form_class(instance=row, prefix=f"{part}-{row.pk}")}
            for row in getattr(profile, related).all()]
    return {"part": part, "label": label, "help": help_text, "rows": rows,
            "new_form": form_for_new or form_class(prefix=f"{part}-new")}


def _materials_context(declaration, profile):
    from .uploads import limits_from_settings

    kinds = kinds_for(declaration, profile)
    materials = list(declaration_materials(declaration))
    by_kind = {k.code: [m for m in materials if m.kind == k.code] for k in kinds}
    return {"kinds": [{"kind": k, "materials": by_kind[k.code]} for k in kinds], "limits": limits_from_settings()}


@login_required
@require_POST
def save_profile(request, pk):
    """htmx: save the fields posted from the basic step; answer with the saved note and the verdict."""
    declaration = _editable_declaration(request, pk)
    profile, errors = save_profile_fields(actor=request.user, data=request.POST)
    return render(request, "declarations/_saved.html", {
        "declaration": declaration, "errors": errors, "saved_at": timezone.localtime(),
        "fields": [name for name in ProfileForm.Meta.fields if name in request.POST], "oob": True,
        **_side_context(declaration, profile)}, status=200)


@login_required
@require_POST
def save_row(request, pk, part, row):
    """htmx: create or change one row of a profile part; errors keep the row unsaved."""
    declaration = _editable_declaration(request, pk)
    if part not in PARTS:
        raise Http404("没有这一栏")
    form_class = PARTS[part][1]
    prefix = f"{part}-{row}"
    data = {key[len(prefix) + 1:]: value for key, value in request.POST.items() if key.startswith(prefix + "-")}
    instance, form = save_profile_row(actor=request.user, part=part, row_id=row, data=data)
    profile = profile_of(request.user)
    context = {"declaration": declaration, "part": part, "saved_at": timezone.localtime(), "oob": True,
               **_side_context(declaration, profile)}
    if instance is None:
        context["row"] = {"id": row, "form": form_class(request.POST, prefix=prefix, instance=form.instance)}
        context["row"]["form"].is_valid()
        context["unsaved"] = True
    else:
        context["row"] = {"id": instance.pk, "form": form_class(instance=instance, prefix=f"{part}-{instance.pk}")}
        context["created"] = row == "new"
        context["new_form"] = form_class(prefix=f"{part}-new")
    return render(request, "declarations/_row.html", context)


@login_required
@require_POST
def delete_row(request, pk, part, row):
    declaration = _editable_declaration(request, pk)
    delete_profile_row(actor=request.user, part=part, row_id=row)
    profile = profile_of(request.user)
    return render(request, "declarations/_saved.html", {
        "declaration": declaration, "saved_at": timezone.localtime(), "oob": True, "deleted": True,
        **_side_context(declaration, profile)})


@login_required
@require_POST
def upload_material(request, pk):
    declaration = _editable_declaration(request, pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "请选择要上传的文件")
    else:
        try:
            material = add_material(actor=request.user, declaration_id=declaration.pk,
                                    kind=request.POST.get("kind", ""), upload=upload, request=request)
        except InvalidInput as exc:
            messages.error(request, "未上传：" + "；".join(exc.errors.values()))
        except DeclarationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已上传：{material.display_name}")
    return redirect(f"{declaration_edit_url(declaration)}?step=materials")


@login_required
@require_POST
def delete_material(request, pk, material_pk):
    declaration = _editable_declaration(request, pk)
    try:
        remove_material(actor=request.user, material_id=material_pk, request=request)
    except DeclarationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已删除该材料")
    return redirect(f"{declaration_edit_url(declaration)}?step=materials")


def declaration_edit_url(declaration):
    from django.urls import reverse

    return reverse("declarations:edit", args=[declaration.pk])


@login_required
def material_file(request, material_pk):
    """A material's file, after the same permission check as its declaration; PDFs open inline. How the
    bytes travel is ``MATERIALS_DELIVERY``: through Django (``django``), by the web server after our check
    (``x-accel``: nginx's X-Accel-Redirect to an internal location ``MATERIALS_ACCEL_PREFIX``), or by the
    storage (``signed-url``: a redirect to the storage's short-lived signed URL, e.g. S3)."""
    material = access_material(request.user, material_pk)
    inline = material.content_type == "application/pdf" or material.content_type.startswith("image/")
    delivery = settings.MATERIALS_DELIVERY
    if delivery == "signed-url":
        return HttpResponseRedirect(material.file.storage.url(material.file.name))
    if delivery == "x-accel":
        response = HttpResponse(content_type=material.content_type)
        response["X-Accel-Redirect"] = settings.MATERIALS_ACCEL_PREFIX.rstrip("/") + "/" + material.file.name
        response["Content-Disposition"] = content_disposition_header(not inline, material.display_name)
    else:
        response = FileResponse(material.file.open("rb"), content_type=material.content_type,
                                as_attachment=not inline, filename=material.display_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    return response


@login_required
@require_POST
def act(request, pk, action):
    """Submit or withdraw from a page; the same service as the API."""
    payload = {"pledge": request.POST.get("pledge") == "on", "comment": request.POST.get("comment", "")}
    try:
        declaration = take_action(actor=request.user, declaration_id=pk, action=action, payload=payload,
                                  request=request)
    except InvalidInput as exc:
        messages.error(request, "；".join(exc.errors.values()))
        return redirect(f"{declaration_edit_url(access_declaration(request.user, pk))}?step=submit")
    except DeclarationError as exc:
        messages.error(request, exc.message)
        return redirect("declarations:detail", pk=pk)
    messages.success(request, f"已{dict(ACTION_DONE).get(action, '办理')}，当前状态：{declaration.get_state_display()}")
    return redirect("declarations:detail", pk=pk)


ACTION_DONE = [("submit", "提交"), ("withdraw", "撤回")]


@login_required
def detail(request, pk):
    """The declaration's page, kept as HTML for the viewer and served while PostgreSQL's digest of the rows it shows
    and what the viewer may do are unchanged (``config.fragments``): then one query and no rendering."""
    user = request.user
    key = _page_key(request, pk) if fragments.enabled() else None
    kept = fragments.get(key, user) if key else None
    if kept is not None:
        declaration, digest = declaration_head(user, pk)  # the gate and the digest: one query
        if digest and kept[0] == _stamp(digest, _viewer(user, declaration), user):
            return HttpResponse(fragments.fill(kept[1], request))
    page = declaration_page(user, pk)  # the gate and everything below: one query
    declaration, versions = page["declaration"], page["versions"]
    viewer = _viewer(user, declaration)
    from reviews.selectors import version_diff

    recommendation = page["recommendation"] if declaration.state != State.DRAFT else None
    context = {
        **page, **viewer,
        "next_step": NEXT_STEP.get(declaration.state, ""), "state_labels": dict(State.choices),
        "diff": _labelled(version_diff(versions[-2].snapshot, versions[-1].snapshot), page["material_labels"])
        if len(versions) > 1 else None,
        "recommendation": recommendation, "objections": page["objections"] if recommendation else [],
    }
    if key is None or not page["digest"]:
        return render(request, "declarations/detail.html", context)
    html = fragments.render("declarations/detail.html", context, request)
    fragments.put(key, _stamp(page["digest"], viewer, user), html)
    return HttpResponse(fragments.fill(html, request))


def _labelled(diff: dict, material_labels: dict[str, str]) -> dict:
    """A version diff with what each change is about as people read it (``about_label``)."""
    for row in (*diff["fields"], *diff["materials"]):
        row["label"] = about_label(row["about"], material_labels)
    for row in diff["materials"]:
        row["change_label"] = _CHANGES.get(row["change"], row["change"])
    return diff


_CHANGES = {"added": "新增", "removed": "删除", "replaced": "更换"}


def _viewer(user, declaration) -> dict:
    """What the page shows of the viewer: their actions now, and whether they own or verify it."""
    return {"actions": available_actions(user, declaration), "is_owner": declaration.applicant_id == user.pk,
            "may_verify": may_verify(user, declaration)}


def _stamp(digest: str, viewer: dict, user) -> str:
    """What a kept page was made from, besides its viewer: the digest of its rows, what the viewer may do, and the
    name its header shows them (the unread badge is filled in at each request: ``config.fragments.fill``)."""
    name = hashlib.blake2b(f"{user.real_name}\x00{user.username}".encode(), digest_size=6).hexdigest()
    return f"{digest}:{name}:{int(viewer['is_owner'])}{int(viewer['may_verify'])}:{'.'.join(viewer['actions'])}"


def _page_key(request, pk: int) -> str | None:
    """Where the page is kept for this viewer; None when the request has messages to show."""
    if len(messages.get_messages(request)):
        return None
    return fragments.key("declaration", pk, request.user.pk)


@request_cache.prefetch_with_user
def _kept_page(path: str, user_id: int) -> list[str]:
    """A declaration's page (``path``: the address without the script prefix): the page kept for its viewer, read
    with the session and the user (its first view then costs no round trip to Redis for a page that is not there,
    and a page kept costs none of its own)."""
    prefix, suffix = _detail_address()
    pk = path[len(prefix):len(path) - len(suffix)] if path.startswith(prefix) and path.endswith(suffix) else ""
    if not (pk.isascii() and pk.isdigit()) or not fragments.enabled():  # what <int:pk> takes
        return []
    return [fragments.key("declaration", int(pk), user_id)]


@functools.cache
def _detail_address() -> tuple[str, str]:
    """What comes before and after the id in the address of a declaration's page, without the script prefix
    (reversed once per process)."""
    from django.urls import get_script_prefix

    from accounts.templatetags.site_urls import address_parts

    before, after = address_parts("declarations:detail", 1)
    return before[len(get_script_prefix()) - 1:], after
