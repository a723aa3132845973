from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .exports import csv_response
from .filters import EventFilter, PersonalDataAccessFilter
from .models import Role
from .permissions import ALLOCATING_ROLES, can_use_workspace
from .selectors import (
    access_organisation,
    access_person,
    audit_events,
    audit_personal_data_access,
    organisation_members,
)
from .services import PersonalDataError, action_label, reveal_personal_data, state_label


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout answer (429): this account is locked from this address, until when."""
    username = get_client_username(request, credentials) or ""
    last = (AccessAttempt.objects.filter(username=username, ip_address=getattr(request, "axes_ip_address", None))
            .order_by("-attempt_time").values_list("attempt_time", flat=True).first())
    cool_off = get_cool_off(request)
    ends = timezone.localtime((last or timezone.now()) + cool_off) if cool_off else None
    return render(request, "accounts/locked_out.html", {"username": username, "ends": ends}, status=429)


def _workspaces(user):
    roles = list(user.roles())
    if user.is_superuser and Role.SYSTEM_ADMIN not in roles:
        roles.append(Role.SYSTEM_ADMIN)
    return [(role, Role(role).label) for role in roles]


@login_required
def home(request):
    workspaces = _workspaces(request.user)
    if len(workspaces) == 1:
        return redirect("accounts:workspace", role=workspaces[0][0])
    return render(request, "accounts/home.html", {"workspaces": workspaces})


@login_required
def workspace(request, role):
    if role not in Role.values:
        raise Http404("没有这个工作台")
    if not can_use_workspace(request.user, role):
        raise PermissionDenied("您没有该角色，不能进入这个工作台")
    organisations = [m.organisation for m in request.user.memberships() if m.role == role]
    return render(
        request,
        "accounts/workspace.html",
        {"role": role, "role_label": Role(role).label, "organisations": organisations,
         "workspaces": _workspaces(request.user), "allocating_roles": ALLOCATING_ROLES},
    )


@login_required
def organisation_detail(request, pk):
    organisation = access_organisation(request.user, pk)
    return render(
        request,
        "accounts/organisation_detail.html",
        {"organisation": organisation, "members": organisation_members(organisation)},
    )


def _person_page(request, person, *, revealed=False, error="", reason="", status=200):
    return render(request, "accounts/person.html", {
        "person": person, "memberships": person.role_memberships.select_related("organisation").order_by("pk"),
        "revealed": revealed or person.pk == request.user.pk, "error": error, "reason": reason,
        "may_reveal": request.user.has_perm("accounts.reveal_personal_data", person),
    }, status=status)


@login_required
def person_detail(request, pk):
    """A person's page: ID number and phone masked for everyone but the person."""
    return _person_page(request, access_person(request.user, pk))


@never_cache
@login_required
@require_POST
def person_reveal(request, pk):
    """查看完整号码: the access record (who, whose, when, why, from where) is written before showing them."""
    reason = request.POST.get("reason", "")
    try:
        person = reveal_personal_data(actor=request.user, person_id=pk, reason=reason, request=request)
    except PersonalDataError as exc:
        return _person_page(request, access_person(request.user, pk), error=f"查看理由：{exc}", reason=reason,
                            status=400)
    return _person_page(request, person, revealed=True)


# --- the audit pages: read-only, filtered, paginated, exported as CSV (masked) ----------------------

AUDIT_PAGE_SIZE = 50


def _who(user) -> str:
    return "系统" if user is None else f"{user.real_name or user.username}（{user.username}）"


def _audit_page(request, *, make_filter, template: str, export_name: str, header, row):
    if not request.user.has_perm("accounts.read_audit_log"):
        raise PermissionDenied("只有审计员和系统管理员可以查看审计记录")
    filterset = make_filter()
    valid = not filterset.is_bound or filterset.is_valid()
    queryset = filterset.qs if valid else filterset.queryset.none()
    if request.GET.get("format") == "csv" and valid:
        return csv_response(export_name, header, (row(item) for item in queryset.iterator(chunk_size=500)))
    page = Paginator(queryset, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, template, {"filter": filterset, "page": page, "query": query.urlencode(),
                                      "csv_query": (query.urlencode() + "&" if query else "") + "format=csv"},
                  status=200 if valid else 400)


@login_required
@require_GET
def audit_event_log(request):
    """The event log for the auditor: who did what to which object, when and from where."""
    return _audit_page(
        request, make_filter=lambda: EventFilter(request.GET or None, queryset=audit_events(request.user),
                                                 request=request),
        template="accounts/audit_events.html", export_name="events.csv",
        header=["时间", "操作人", "操作", "对象类型", "对象编号", "对象", "原状态", "新状态", "意见", "IP 地址"],
        row=lambda e: [timezone.localtime(e.created_at).strftime("%Y-%m-%d %H:%M:%S"), _who(e.actor),
                       action_label(e.action), e.content_type.name, e.object_id, e.object_repr,
                       state_label(e.from_state, e.content_type), state_label(e.to_state, e.content_type), e.comment,
                       e.ip_address or ""],
    )


@login_required
@require_GET
def audit_personal_data(request):
    """Looks at full personal data: who looked at whose numbers, when, why and from where."""
    return _audit_page(
        request, make_filter=lambda: PersonalDataAccessFilter(request.GET or None, request=request,
                                                              queryset=audit_personal_data_access(request.user)),
        template="accounts/audit_personal_data.html", export_name="personal-data-access.csv",
        header=["时间", "查看人", "被查看人", "查看内容", "查看理由", "IP 地址"],
        row=lambda a: [timezone.localtime(a.created_at).strftime("%Y-%m-%d %H:%M:%S"), _who(a.viewer),
                       _who(a.person), a.fields, a.reason, a.ip_address or ""],
    )


@login_required
def notifications(request):
    """The signed-in user's notifications, newest first; POST marks them read."""
    from .notifications import mark_read

    if request.method == "POST":
        ids = [int(v) for v in request.POST.getlist("notification") if v.isdigit()] or None
        mark_read(user=request.user, notification_ids=ids)
        return redirect("accounts:notifications")
    page = Paginator(request.user.notifications.all(), 50).get_page(request.GET.get("page"))
    return render(request, "accounts/notifications.html", {"page": page})
