"""The results' pages: the public 公示 (list and detail with the objection form, no sign-in, rate-limited
per address) and the bureau's management (publish a closed meeting's results, resolve objections,
approve in bulk, record the filing, download the yearly report). Every form posts to a service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.errors import DomainError
from accounts.exports import csv_response, xlsx_response
from accounts.models import Role
from accounts.permissions import is_system_admin, member_org_ids
from accounts.services import record_event
from config.api import MAX_ID

from .selectors import (
    REPORT_COLUMNS,
    access_publication,
    access_report_plan,
    public_entries,
    public_publication,
    public_publications,
    publication_approvals,
    publication_declarations,
    publishable_meetings,
    visible_publications,
    visible_result_objections,
    yearly_report_rows,
)
from .services import (
    approve_results,
    file_result_objection,
    publish_results,
    record_filing,
    resolve_result_objection,
)
from .throttles import PublicObjectionThrottle, throttled_message


def _refusal(exc: DomainError) -> str:
    if exc.kind == "invalid":
        return "；".join(str(v[0] if isinstance(v, list) else v) for v in exc.errors.values())
    return exc.message


def _int(value):
    """A whole number from a form within a row id's range, or None."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


# --- public --------------------------------------------------------------------------------------


def public_list(request):
    return render(request, "reviews/results_public_list.html", {"publications": public_publications()})


@require_http_methods(["GET", "POST"])
def public_detail(request, pk):
    publication = public_publication(pk)
    form, errors, status = {}, {}, 200
    if request.method == "POST":
        throttle = PublicObjectionThrottle()
        if not throttle.allow_request(request, None):
            return render(request, "429.html", {"message": throttled_message(throttle.wait())}, status=429)
        form = {key: request.POST.get(key, "") for key in ("declaration", "text", "contact_name", "contact_phone",
                                                           "contact_email")}
        try:
            objection = file_result_objection(publication_id=publication.pk, declaration_id=_int(form["declaration"]),
                                              text=form["text"], contact_name=form["contact_name"],
                                              contact_phone=form["contact_phone"], contact_email=form["contact_email"],
                                              request=request)
        except DomainError as exc:
            errors = {k: (v[0] if isinstance(v, list) else v) for k, v in exc.errors.items()}
            status = 400 if exc.kind == "invalid" else 409
        else:
            messages.success(request, f"您的异议已提交（受理编号 {objection.pk}），人社部门将调查核实并与您联系。")
            return redirect("reviews:results_public_detail", pk=publication.pk)
    return render(request, "reviews/results_public_detail.html", {
        "publication": publication, "entries": public_entries(publication), "form": form, "errors": errors,
    }, status=status)


# --- the bureau ----------------------------------------------------------------------------------


def _bureau_only(user):
    if not (is_system_admin(user) or member_org_ids(user, {Role.BUREAU_REVIEWER, Role.AUDITOR})):
        raise PermissionDenied("只有人社部门审核人可以管理评审结果公示")


@login_required
@require_http_methods(["GET", "POST"])
def manage_list(request):
    if request.method == "POST":
        try:
            publication = publish_results(actor=request.user, meeting_id=_int(request.POST.get("meeting")),
                                          request=request)
        except DomainError as exc:
            messages.error(request, f"未发布：{_refusal(exc)}")
        else:
            messages.success(request, f"已发布评审结果公示，{publication.starts_on:%Y-%m-%d} 至 {publication.ends_on:%Y-%m-%d}")
            return redirect("reviews:results_manage_detail", pk=publication.pk)
        return redirect("reviews:results_manage")
    _bureau_only(request.user)
    return render(request, "reviews/results_manage_list.html", {
        "meetings": publishable_meetings(request.user), "publications": visible_publications(request.user)[:100],
    })


@login_required
def manage_detail(request, pk):
    publication = access_publication(request.user, pk)
    objections = list(visible_result_objections(request.user).filter(publication=publication))
    if objections:  # the filers' phones are shown in full so the bureau can reach them: the view is recorded
        record_event(actor=request.user, action="view_objection_contacts", obj=publication, request=request,
                     comment=f"查看评审结果公示异议人的联系方式（{len(objections)} 条）")
    return render(request, "reviews/results_manage_detail.html", {
        "publication": publication, "declarations": publication_declarations(publication),
        "objections": objections,
        "approvals": publication_approvals(publication),
        "may_manage": request.user.has_perm("reviews.manage_results", publication.meeting),
        "filed_with": publication.meeting.plan.organisation.parent.name
        if publication.meeting.plan.organisation.parent_id else "",
    })


@login_required
@require_POST
def resolve(request, pk, objection_pk):
    try:
        resolve_result_objection(actor=request.user, objection_id=objection_pk,
                                 upheld=request.POST.get("outcome") == "upheld", fraud=request.POST.get("fraud") == "on",
                                 reason=request.POST.get("reason", ""), request=request)
    except DomainError as exc:
        messages.error(request, f"未处理：{_refusal(exc)}")
    else:
        messages.success(request, "异议已处理")
    return redirect("reviews:results_manage_detail", pk=pk)


@login_required
@require_POST
def approve(request, pk):
    try:
        approved, refused = approve_results(actor=request.user, publication_id=pk,
                                            document_number=request.POST.get("document_number", ""),
                                            approved_on=request.POST.get("approved_on") or None, request=request)
    except DomainError as exc:
        messages.error(request, f"未审批：{_refusal(exc)}")
    else:
        for declaration_id, why in refused:
            messages.error(request, f"申报 {declaration_id} 未审批：{why}")
        messages.info(request, f"审批通过 {len(approved)} 人，未审批 {len(refused)} 人")
    return redirect("reviews:results_manage_detail", pk=pk)


@login_required
@require_POST
def filing(request, pk):
    try:
        record_filing(actor=request.user, approval_id=_int(request.POST.get("approval")),
                      filed_with=request.POST.get("filed_with", ""), filing_number=request.POST.get("filing_number", ""),
                      filed_on=request.POST.get("filed_on", ""), request=request)
    except DomainError as exc:
        messages.error(request, f"未登记：{_refusal(exc)}")
    else:
        messages.success(request, "已登记备案")
    return redirect("reviews:results_manage_detail", pk=pk)


def report_response(plan, fmt: str):
    """The yearly data report of one plan as CSV or XLSX (REPORT_COLUMNS, personal numbers masked)."""
    name = f"results-{plan.year}-plan{plan.pk}.{fmt}"
    if fmt == "csv":
        return csv_response(name, REPORT_COLUMNS, yearly_report_rows(plan))
    if fmt == "xlsx":
        return xlsx_response(name, REPORT_COLUMNS, yearly_report_rows(plan), title=f"{plan.year}年度评审结果")
    raise Http404("报表格式应为 csv 或 xlsx")


@login_required
def report(request, plan_pk, fmt):
    return report_response(access_report_plan(request.user, plan_pk), fmt)
