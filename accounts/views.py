from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render

from .models import Role
from .permissions import ALLOCATING_ROLES, can_use_workspace
from .selectors import access_organisation, organisation_members


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


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
