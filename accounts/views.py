from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .models import Role
from .permissions import can_use_workspace
from .selectors import access_organisation, access_person, organisation_members
from .services import PersonalDataError, reveal_personal_data


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
