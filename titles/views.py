"""Pages of the titles app: the eligibility self-check and the annual review plans."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, prefetch_related_objects
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.views.decorators.http import require_http_methods

from .catalogue import body as catalogue_body
from .documents import citation
from .eligibility import evaluate, verdict_to_dict
from .eligibility.facts import LEVEL_NAMES, ROUTE_NAMES
from .forms import EligibilityForm
from .models import PlanAmendment, ReviewPlan
from .pagination import InvalidPage, page_number
from .plan_rules import PHASE_LABELS
from .selectors import (
    access_plan,
    catalogue,
    effective_citations,
    effective_rulebook,
    plan_citations,
    plan_document_name,
    plan_document_pending,
    plan_facts,
    plan_list_page,
    plan_problems,
    published_plan_page,
    region_of,
)
from .services import PlanError, publish_plan
from .throttles import PublicEligibilityThrottle, throttled_message

RULE_NAMES = {
    "EXAM_ONLY": "以考代评",
    "IN_SERVICE": "在职在岗",
    "ONE_PER_YEAR": "每年只申报一个",
    "BAN": "禁止申报期",
    "ASSESSMENT_RECENT": "近年年度考核",
    "INITIAL_CUTOFF": "初定截止日期",
    "EDUCATION": "学历条件",
    "EXCEPTIONAL_EXCELLENT": "破格：考核优秀",
    "EXCEPTIONAL_RECOMMENDERS": "破格：专家推荐",
    "DIRECTED_BASIS": "双定向职称的效力",
    "TRANSFER_FIRST": "先转评后晋升",
    "TRANSFER": "转评条件",
    "TENURE": "任职年限",
    "SPECIALTY_MISMATCH": "所学专业不一致",
    "TOWNSHIP_SERVICE": "乡镇服务经历",
    "CONTINUING_EDUCATION": "继续教育学时",
}


def verdict_rows(checks, citations) -> list[dict]:
    """The verdict table's rows from the contract's checks (``verdict_to_dict(...)["checks"]``): the
    rule's name, the result, the message and the document that decides it. The self-check page and the
    declaration wizard show the same table."""
    return [
        {
            "code": check["rule"],
            "name": RULE_NAMES.get(check["rule"], check["rule"]),
            "passed": check["passed"],
            "message": check["message"],
            "source": citation(citations, check["rule"]),
        }
        for check in checks
    ]


def _target_text(case) -> str:
    target = case.target
    specialty = f"{target.specialty}专业" if target.specialty else ""
    return f"申报{target.series}系列{specialty}{LEVEL_NAMES[target.level]}职称（{ROUTE_NAMES[target.route]}）"


def _input_errors(form) -> list[tuple[str, str]]:
    """(label, message) for every error, in the order of the form, for the verdict area."""
    errors = [("", str(message)) for message in form.non_field_errors()]
    for field in form:
        errors.extend((form.describe_field(field.name), str(message)) for message in field.errors)
    return errors


@require_http_methods(["GET", "POST"])
def eligibility_check(request):
    """Anyone's facts and target in, the verdict rule by rule out. Public (signed-out checks are
    rate-limited per address, as the API's are); stores nothing."""
    if request.method == "POST" and not (throttle := PublicEligibilityThrottle()).allow_request(request, None):
        message = throttled_message(throttle.wait())
        if request.headers.get("HX-Request") == "true":
            return HttpResponse('<section class="card verdict-box" data-testid="verdict"><h2>核验结果</h2>'
                                f'<p class="failed" role="alert">{escape(message)}</p></section>', status=429)
        return render(request, "429.html", {"message": message}, status=429)
    series = list(catalogue())
    region = region_of(request.user)
    verdict = rulebook = None
    if request.method == "POST":
        form = EligibilityForm(request.POST, series=series)
        if form.is_valid():
            year = form.case.declaration_year
            rulebook = effective_rulebook(region_code=region, year=year)
            verdict = evaluate(form.case, rulebook)
    else:
        form = EligibilityForm(series=series)
    context = {
        "form": form,
        "verdict": verdict,
        "rules": verdict_rows(verdict_to_dict(verdict)["checks"], effective_citations(region_code=region, year=year))
        if verdict else [],
        "rulebook": rulebook,
        "target_text": _target_text(form.case) if verdict else "",
        "input_errors": _input_errors(form) if form.is_bound else [],
    }
    if request.headers.get("HX-Request") == "true":
        return render(request, "titles/_verdict.html", {**context, "oob": True})
    if rulebook is None:
        rulebook = effective_rulebook(region_code=region, year=form.year)
    context["qualification_names"] = sorted(rulebook.qualification_titles)
    return render(request, "titles/eligibility.html", context)


def _span(dates) -> str:
    """'8月1日～9月30日' (formatted here, not with the date filter per cell: the list renders 20 rows)."""
    if not dates:
        return "—"
    start, end = dates
    return f"{start.month}月{start.day}日～{end.month}月{end.day}日"


def plan_list(request):
    """Published annual review plans, public (and, for the issuing bureau, its drafts), newest year first,
    20 a page (next/previous, no total: see titles/pagination.py)."""
    try:
        page = plan_list_page(request.user, number=page_number(request.GET.get("page")))
    except InvalidPage as exc:
        return render(request, "titles/plan_list.html", {"rows": [], "page_error": str(exc)}, status=400)
    url = reverse("titles:plan", args=[987654321]).replace("987654321", "{}")  # one reverse, not one a row
    rows = [{**row, "url": url.format(row["pk"]), "status": ReviewPlan.Status(row["status"]).label,
             "declaration": _span(row["phases"]["declaration"]), "meetings": _span(row["phases"]["review_meetings"])}
            for row in page.rows]
    return render(request, "titles/plan_list.html", {"rows": rows, "page": page})


def _day(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _when(moment) -> str:
    local = timezone.localtime(moment)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def _phase_rows(phases) -> list[dict]:
    return [{"label": PHASE_LABELS.get(p["kind"], p["kind"]), "start": _day(p["start"]), "end": _day(p["end"])}
            for p in phases]


def plan_detail(request, pk):
    """A plan with its calendar; published plans are public, drafts 404 for the signed-out. The page shows
    plain strings made here (no filter per cell); a published plan is read with prepared SQL (three
    statements, titles.selectors.published_plan_page), a draft through access_plan with its rule check."""
    published = published_plan_page(request.user, pk)
    if published is not None:
        plan, phases, amendments = published
        facts = {"pk": plan["pk"], "title": plan["title"], "organisation": plan["organisation__name"],
                 "document_number": plan["document_number"], "committee": plan["committee__name"],
                 "series": plan["series__name"], "issued_on": plan["issued_on"], "status": plan["status"],
                 "document": plan["document"]}
        rows = [{"number": a["number"], "reason": a["reason"], "created_at": _when(a["created_at"]),
                 "actor": a["actor__real_name"] or a["actor__username"] or "—"} for a in amendments]
        pending = plan["document"] != plan_document_name(plan["pk"], len(amendments))
        return _plan_page(request, facts, _phase_rows(phases), rows, document_pending=pending)
    plan = access_plan(request.user, pk)
    phases = list(plan.phases.order_by("start"))  # read once: the rows and the rule check
    # read once too: the table and plan_document_pending (which counts them) share the prefetched rows
    prefetch_related_objects([plan], Prefetch("amendments", PlanAmendment.objects.select_related("actor")
                                              .order_by("number")))
    draft = plan.status == plan.Status.DRAFT
    problems = []
    if draft:
        citations = plan_citations(plan)
        problems = [{"rule": p.rule, "message": p.message, "source": citation(citations, p.rule)}
                    for p in plan_problems(plan, plan_facts(plan, phases))]
    facts = {"pk": plan.pk, "title": str(plan), "organisation": plan.organisation.name,
             "document_number": plan.document_number, "committee": plan.committee.name, "series": plan.series.name,
             "issued_on": plan.issued_on, "status": plan.status, "document": plan.document.name}
    rows = [{"number": a.number, "reason": a.reason, "created_at": _when(a.created_at),
             "actor": str(a.actor) if a.actor else "—"} for a in plan.amendments.all()]
    return _plan_page(request, facts, _phase_rows({"kind": p.kind, "start": p.start, "end": p.end} for p in phases),
                      rows, document_pending=plan_document_pending(plan), problems=problems,
                      # only a draft shows the publish button: a published plan needs no role lookup
                      may_publish=draft and request.user.has_perm("titles.publish_plan", plan))


def _plan_page(request, facts, phases, amendments, *, document_pending, problems=(), may_publish=False):
    facts["issued_on"] = _day(facts["issued_on"]) if facts["issued_on"] else "—"
    facts["status_label"] = ReviewPlan.Status(facts["status"]).label
    return render(request, "titles/plan_detail.html", {
        "plan": facts, "phases": phases, "amendments": amendments, "problems": problems,
        "may_publish": may_publish, "document_pending": document_pending})


def plan_document(request, pk):
    """The plan's PDF, streamed from storage after the same permission check as the page."""
    plan = access_plan(request.user, pk)
    if not plan.document:
        raise Http404("方案文本（PDF 生成中），请稍后刷新")
    return FileResponse(plan.document.open("rb"), content_type="application/pdf",
                        filename=f"{plan.year}-{plan.name}.pdf")


@login_required
@require_http_methods(["POST"])
def plan_publish(request, pk):
    plan = access_plan(request.user, pk)
    try:
        publish_plan(actor=request.user, plan_id=plan.pk, request=request)
    except PlanError as exc:
        messages.error(request, f"未发布：{exc}")
    else:
        messages.success(request, "方案已发布；方案文本（PDF）正在生成。")
    return redirect("titles:plan", pk=plan.pk)


def catalogue_page(request):
    """Public: the title catalogue: series with their title names per level and specialties, and the
    qualifications the rulebook in force counts as titles (drawn once per change: titles.catalogue)."""
    return render(request, "titles/catalogue.html", {"body": catalogue_body()})
