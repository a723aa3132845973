"""Account allocation pages (seed 002 二(三)3): create an account, grant and revoke a role, reset a
password. Every write goes through accounts.services; who may do what is accounts.permissions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from .models import Role, User
from .permissions import TWO_FACTOR_ROLES
from .selectors import (
    access_managed_user,
    access_membership,
    access_organisation,
    allocation_targets,
)
from .services import create_account, grant_role, reset_password, reset_two_factor, revoke_role

ACCOUNT_FIELDS = ("username", "real_name", "phone", "id_number")


def _labelled(errors: dict[str, list[str]]) -> list[tuple[str, str]]:
    """Each error with the Chinese name of its field."""
    labels = {"role": "角色", "__all__": "账号"}
    labels |= {field: str(User._meta.get_field(field).verbose_name) for field in ACCOUNT_FIELDS}
    return [(labels.get(field, field), message) for field, messages in errors.items() for message in messages]


def _manage_page(request, *, errors=None, status=200):
    targets = [
        {"organisation": organisation, "roles": [(role, Role(role).label) for role in roles],
         "members": organisation.member_list}
        for organisation, roles in allocation_targets(request.user)
    ]
    return render(request, "accounts/manage.html", {
        "targets": targets, "errors": _labelled(errors or {}), "two_factor_roles": TWO_FACTOR_ROLES,
    }, status=status)


@login_required
@require_GET
def manage(request):
    return _manage_page(request)


def _where_and_role(request, organisation_pk):
    """The organisation (through its gate) and the posted role, with the role's error if any."""
    organisation = access_organisation(request.user, organisation_pk)
    role = request.POST.get("role", "")
    errors = {} if role in Role.values else {"role": ["请选择角色"]}
    return organisation, role, errors


@login_required
@require_POST
def create(request, organisation_pk):
    organisation, role, errors = _where_and_role(request, organisation_pk)
    if not request.POST.get("username", "").strip():
        errors["username"] = ["请填写用户名"]
    if not request.POST.get("real_name", "").strip():
        errors["real_name"] = ["请填写姓名"]
    if not errors:
        try:
            user, password = create_account(actor=request.user, organisation=organisation, role=role,
                                            request=request,
                                            **{field: request.POST.get(field, "") for field in ACCOUNT_FIELDS})
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            return render(request, "accounts/temporary_password.html", {
                "account": user, "password": password, "created": True,
                "what": f"已在“{organisation}”新建{Role(role).label}账号",
            })
    return _manage_page(request, errors=errors, status=400)


@login_required
@require_POST
def grant(request, organisation_pk):
    organisation, role, errors = _where_and_role(request, organisation_pk)
    username = request.POST.get("username", "").strip()
    user = User.objects.filter(username=username).first() if username else None
    if user is None:
        errors["username"] = [f"没有用户名为“{username}”的账号" if username else "请填写用户名"]
    if errors:
        return _manage_page(request, errors=errors, status=400)
    grant_role(actor=request.user, user=user, organisation=organisation, role=role, request=request)
    return redirect("accounts:manage")


@login_required
@require_POST
def revoke(request, pk):
    membership = access_membership(request.user, pk)
    revoke_role(actor=request.user, membership=membership, request=request)
    return redirect("accounts:manage")


@login_required
@require_POST
def reset(request, pk):
    user = access_managed_user(request.user, pk)
    password = reset_password(actor=request.user, user=user, request=request)
    return render(request, "accounts/temporary_password.html", {
        "account": user, "password": password, "what": f"已重置“{user}”的密码",
    })


@login_required
@require_POST
def reset_second_factor(request, pk):
    user = access_managed_user(request.user, pk)
    reset_two_factor(actor=request.user, user=user, request=request)
    messages.success(request, f"已重置“{user}”的动态验证：其下次登录时须重新绑定身份验证器。")
    return redirect("accounts:manage")
