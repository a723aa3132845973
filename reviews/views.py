"""The reviewers' pages: the queue with filters and counts, and the forms that take each action of
the transition table on the declaration page (verify, return, recommend, forward, pass, reject,
objections). Every form posts to a service; refusals come back as messages naming the rule."""

from html import escape

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.permissions import OVERSEEING_ROLES, member_org_ids
from declarations.flow import State
from declarations.selectors import queue_counts, review_queue, reviewed_employers
from declarations.services import DeclarationError, InvalidInput, take_action
from titles.pagination import InvalidPage, Page, page_number, page_of

from .filters import QueueFilter, filter_fields_html
from .selectors import label_queue_rows, late_organisations, queue_page, queue_rows
from .services import record_objection, resolve_objection, verify_material

STAFF_ROLES = {Role.EMPLOYER_HANDLER} | set(OVERSEEING_ROLES)


def _staff_only(user):
    if not member_org_ids(user, STAFF_ROLES) and not user.is_superuser:
        raise PermissionDenied("只有单位、主管部门和人社部门的工作人员可以查看审核队列")


@login_required
def queue(request):
    _staff_only(request.user)
    employers = reviewed_employers(request.user)
    query = request.GET.copy()
    query.pop("page", None)
    filtered = QueueFilter(query, queryset=review_queue(request.user)) if query else None  # else no FilterSet
    invalid = filtered is not None and not filtered.is_valid()
    try:
        number = page_number(request.GET.get("page"))
        if filtered is None:  # every reviewer's first pages: one prepared query
            page = queue_page(request.user, employers, number=number)
        else:
            rows = filtered.queryset.none() if invalid else filtered.qs.order_by("-submitted_at", "-pk")
            page = label_queue_rows(page_of(queue_rows(rows), number))
    except InvalidPage as exc:
        invalid, page = True, Page(rows=[], number=1, has_next=False)
        messages.error(request, str(exc))
    counts = queue_counts(request.user, employers)
    return render(request, "reviews/queue.html", {
        "filter_fields": filter_fields_html(filtered), "page": page, "query": query.urlencode(),
        "sees_late": _sees_late(request.user), "rows_html": queue_rows_html(page.rows),
        "counts_html": queue_counts_html(counts),
    }, status=400 if invalid else 200)


def queue_counts_html(counts: dict[str, int]) -> SafeString:
    """The counts line (a link per state in the transition table's order), every text escaped: in the
    template a bureau's fourteen states cost a loop of fourteen."""
    return mark_safe(" · ".join(  # codes and labels are the table's, escaped all the same; counts are numbers
        f'<a href="?state={escape(code)}">{escape(label)} <strong>{int(counts[code])}</strong></a>'
        for code, label in State.choices if code in counts))


_ROW = ('<tr data-state="{state}"><td><a href="{prefix}{pk}/">{pk}</a></td><td>{applicant}</td><td>{employer}</td>'
        '<td>{year} 年{series}{level}（{route}）</td><td>{state_label}{ready}</td><td>{version}</td>'
        '<td>{submitted}</td></tr>')
_READY = ' <strong data-testid="push-ready">可推送</strong>'  # a unit publicity over: the admin may forward


def queue_rows_html(rows: list[dict]) -> SafeString:
    """The queue table's rows (``label_queue_rows``), every text escaped: one format string a row, where
    the template's 20 rows of a dozen variables each cost about 1 ms of a page's 6 (issue 20)."""
    prefix = reverse("declarations:detail", args=[0])[:-2]  # …/declarations/ + pk + /
    return mark_safe("".join(_ROW.format(  # every value below is a number or escaped
        state=escape(row["state"]), prefix=prefix, pk=int(row["pk"]), applicant=escape(row["applicant_name"]),
        employer=escape(row["employer__name"]), year=int(row["year"]), series=escape(row["series__name"]),
        level=escape(row["level_label"]), route=escape(row["route_label"]), state_label=escape(row["state_label"]),
        ready=_READY if row["state"] == State.UNIT_PUBLICITY and row["push_ready"] else "",
        version=int(row["version"]), submitted=escape(row["submitted"])) for row in rows))


def _sees_late(user) -> bool:
    return user.is_superuser or bool(member_org_ids(user, {Role.BUREAU_REVIEWER, Role.SYSTEM_ADMIN}))


@login_required
def late(request):
    """逾期未推送 (002 二(二)4): per plan, the organisations whose step missed its phase's end, for the
    bureau (its region, through the declarations it may see) and the system admin."""
    if not _sees_late(request.user):
        raise PermissionDenied("只有人社部门可以查看逾期未推送的单位")
    return render(request, "reviews/late.html", {"rows": late_organisations(request.user)})


def _items(text: str) -> list[dict]:
    """One item a line: "材料或栏目：问题" (a full-width or ASCII colon)."""
    items = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        about, _, problem = line.replace(":", "：", 1).partition("：")
        items.append({"about": about.strip(), "problem": problem.strip()})
    return items


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


@login_required
@require_POST
def act(request, pk, action):
    post = request.POST
    payload = {"comment": post.get("comment", ""), "basis": post.get("basis", "")}
    if action == "return":
        payload.update(items=_items(post.get("items", "")), deadline=post.get("deadline") or None,
                       override=post.get("override") == "on")
    elif action == "recommend":
        payload["evaluation"] = {key: _int(post.get(key)) for key in ("members", "for", "against", "abstain")}
    try:
        declaration = take_action(actor=request.user, declaration_id=pk, action=action, payload=payload,
                                  request=request)
    except InvalidInput as exc:
        messages.error(request, "未办理：" + "；".join(exc.errors.values()))
    except DeclarationError as exc:
        messages.error(request, f"未办理（{exc.rule}）：{exc.message}")
    else:
        messages.success(request, f"已办理，当前状态：{declaration.get_state_display()}")
    return redirect("declarations:detail", pk=pk)


@login_required
@require_POST
def verify(request, material_pk):
    try:
        row = verify_material(actor=request.user, material_id=material_pk, verdict=request.POST.get("verdict", ""),
                              comment=request.POST.get("comment", ""), request=request)
    except InvalidInput as exc:
        messages.error(request, "未保存：" + "；".join(exc.errors.values()))
        from declarations.models import Material

        material = Material.objects.filter(pk=material_pk).first()
        return redirect("declarations:detail", pk=material.declaration_id) if material else redirect("reviews:queue")
    except DeclarationError as exc:
        messages.error(request, exc.message)
        return redirect("reviews:queue")
    messages.success(request, f"{row.material.display_name}：{row.get_verdict_display()}（{row.signer_name}）")
    return redirect("declarations:detail", pk=row.material.declaration_id)


@login_required
@require_POST
def objection(request, pk):
    try:
        if request.POST.get("objection"):
            resolve_objection(actor=request.user, objection_id=_int(request.POST["objection"]),
                              upheld=request.POST.get("outcome") == "upheld", reason=request.POST.get("reason", ""),
                              request=request)
            messages.success(request, "异议已处理")
        else:
            record_objection(actor=request.user, declaration_id=pk, text=request.POST.get("text", ""),
                             request=request)
            messages.success(request, "异议已登记")
    except InvalidInput as exc:
        messages.error(request, "；".join(exc.errors.values()))
    except DeclarationError as exc:
        messages.error(request, exc.message)
    return redirect("declarations:detail", pk=pk)
