from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from .models import Role
from .permissions import can_use_workspace
from .selectors import access_organisation, organisation_members


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
         "workspaces": _workspaces(request.user)},
    )


@login_required
def organisation_detail(request, pk):
    organisation = access_organisation(request.user, pk)
    return render(
        request,
        "accounts/organisation_detail.html",
        {"organisation": organisation, "members": organisation_members(organisation)},
    )
