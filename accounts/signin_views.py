"""Signing in beyond the password: the TOTP code (or a recovery code) of a two-factor role, enrolling
an authenticator the first time, replacing a temporary password; and self-registration (兜底)."""

import django_otp
import segno
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from .middleware import pending_sign_in_step
from .models import Organisation, OrganisationKind
from .permissions import requires_two_factor
from .services import TOTP_DEVICE_NAME, change_own_password, enroll_two_factor, register_individual


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return "/"


def _continue(request):
    """After one step: the next step the user owes, or where they were going."""
    step = pending_sign_in_step(request.user)
    if step is not None:
        return redirect(f"{reverse(step)}?{urlencode({'next': _next_url(request)})}")
    return redirect(_next_url(request))


def _device_accepting(user, token: str):
    """The user's confirmed device (authenticator or recovery codes) that accepts ``token``, each
    verified on its own so that django-otp's throttling and replay protection apply."""
    for device in devices_for_user(user, confirmed=True):
        verified = django_otp.verify_token(user, device.persistent_id, token)
        if verified is not None:
            return verified
    return None


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request):
    user = request.user
    if not requires_two_factor(user) or user.is_verified():
        return _continue(request)
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect(f"{reverse('accounts:otp_setup')}?{urlencode({'next': _next_url(request)})}")
    error = ""
    if request.method == "POST":
        token = request.POST.get("token", "").strip().replace(" ", "")
        device = _device_accepting(user, token) if token else None
        if device is not None:
            django_otp.login(request, device)
            return _continue(request)
        error = "动态验证码不正确或已过期（连续输错后须稍候再试）；也可输入一个恢复码"
    return render(request, "accounts/otp_verify.html", {"error": error, "next": _next_url(request)})


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request):
    user = request.user
    if not requires_two_factor(user) or TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return _continue(request)
    device, _ = TOTPDevice.objects.get_or_create(user=user, name=TOTP_DEVICE_NAME, defaults={"confirmed": False})
    error = ""
    if request.method == "POST":
        try:
            codes = enroll_two_factor(actor=user, device=device, token=request.POST.get("token", "").strip(),
                                      request=request)
        except ValidationError as exc:
            error = " ".join(exc.message_dict["token"])
        else:
            device.refresh_from_db()
            django_otp.login(request, device)
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": _next_url(request)})
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4, omitsize=False)
    return render(request, "accounts/otp_setup.html", {
        "config_url": device.config_url, "qr_svg": mark_safe(qr_svg),  # noqa: S308 (segno's own SVG)
        "error": error, "next": _next_url(request),
    })


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    errors = {}
    if request.method == "POST":
        new_password = request.POST.get("new_password", "")
        if new_password != request.POST.get("new_password_again", ""):
            errors = {"new_password_again": ["两次输入的新密码不一致"]}
        else:
            try:
                change_own_password(actor=request.user, old_password=request.POST.get("old_password", ""),
                                    new_password=new_password, request=request)
            except ValidationError as exc:
                errors = exc.message_dict
            else:
                update_session_auth_hash(request, request.user)
                messages.success(request, "密码已修改。")
                return _continue(request)
    return render(request, "accounts/password_change.html", {
        "errors": errors, "next": _next_url(request), "forced": request.user.must_change_password,
        "help_texts": password_validators_help_texts(),
    })


REGISTRATION_FIELDS = {"bureau": "受理的人社部门", "username": "用户名", "real_name": "姓名", "id_number": "身份证号码",
                       "phone": "手机号码", "password": "密码", "password_again": "再次输入密码", "__all__": "注册"}


@require_http_methods(["GET", "POST"])
def register(request):
    """Self-registration of individuals served directly by an HR bureau (兜底), who have no employer."""
    if request.user.is_authenticated:
        return redirect("accounts:home")
    bureaus = Organisation.objects.filter(kind=OrganisationKind.HR_BUREAU, is_active=True).order_by("region_code")
    errors = {}
    if request.method == "POST":
        bureau_pk = request.POST.get("bureau", "")
        bureau = bureaus.filter(pk=bureau_pk).first() if bureau_pk.isdigit() else None
        if bureau is None:
            errors["bureau"] = ["请选择受理个人申报的人社部门"]
        if request.POST.get("password", "") != request.POST.get("password_again", ""):
            errors["password_again"] = ["两次输入的密码不一致"]
        if not request.POST.get("username", "").strip():
            errors["username"] = ["请填写用户名"]
        if not errors:
            try:
                user = register_individual(
                    bureau=bureau, request=request,
                    **{f: request.POST.get(f, "") for f in ("username", "real_name", "id_number", "phone", "password")})
            except ValidationError as exc:
                errors = exc.message_dict
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, f"注册成功，您的申报由{bureau}受理。")
                return redirect("accounts:home")
    labelled = [(REGISTRATION_FIELDS.get(f, f), m) for f, ms in errors.items() for m in ms]
    return render(request, "accounts/register.html", {
        "bureaus": bureaus, "errors": labelled, "posted": request.POST,
        "help_texts": password_validators_help_texts(),
    }, status=400 if errors else 200)
