"""Writes that mean something in accounts: the event log, accounts, roles, passwords and second factors."""

import secrets
import string

from axes.utils import reset as axes_reset
from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .eventchain import GENESIS, chain_hash
from .models import Event, OrganisationKind, Role, RoleMembership, User
from .permissions import may_grant, may_manage_account


def client_ip(request) -> str | None:
    if request is None:
        return None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    return (forwarded.split(",")[0].strip() or request.META.get("REMOTE_ADDR")) or None


# The key of the PostgreSQL advisory lock that serialises appends to the event chain.
EVENT_CHAIN_LOCK = 0x7A68_6576_656E_7473  # "zhevents"


@transaction.atomic
def record_event(*, actor, action: str, obj, from_state: str = "", to_state: str = "", comment: str = "",
                 request=None) -> Event:
    """Append one entry to the immutable event log. Call it inside the transition's transaction.

    The entry is chained to the one before it (accounts/eventchain.py). On PostgreSQL a transaction
    lock serialises writers until commit, so two transactions never chain to the same predecessor.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [EVENT_CHAIN_LOCK])
    prev_hash = Event.objects.order_by("-pk").values_list("hash", flat=True).first() or GENESIS
    event = Event(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        ip_address=client_ip(request),
        created_at=timezone.now(),
        prev_hash=prev_hash,
    )
    event.hash = chain_hash(prev_hash, event.chain_content())
    event.save(force_insert=True)
    return event


TOTP_DEVICE_NAME = "身份验证器"
RECOVERY_CODE_COUNT = 10  # one-time codes handed out when a staff member enrols a TOTP device


@transaction.atomic
def grant_role(*, actor, user, organisation, role: str, request=None) -> RoleMembership:
    if not may_grant(actor, role, organisation):
        raise PermissionDenied(f"您无权在“{organisation}”授予“{Role(role).label}”角色")
    membership, created = RoleMembership.objects.get_or_create(user=user, organisation=organisation, role=role)
    if created:
        record_event(actor=actor, action="grant_role", obj=user, to_state=role,
                     comment=f"{organisation} · {Role(role).label}", request=request)
    return membership


@transaction.atomic
def revoke_role(*, actor, membership: RoleMembership, request=None) -> None:
    membership = RoleMembership.objects.select_for_update().select_related("user", "organisation").get(
        pk=membership.pk)
    if membership.user_id == actor.pk:
        raise PermissionDenied("不能撤销自己的角色，请联系分配该账号的单位")
    if not may_grant(actor, membership.role, membership.organisation):
        raise PermissionDenied(f"您无权撤销“{membership.organisation}”的“{membership.get_role_display()}”角色")
    record_event(actor=actor, action="revoke_role", obj=membership.user, from_state=membership.role,
                 comment=f"{membership.organisation} · {membership.get_role_display()}", request=request)
    membership.delete()


def password_problems(password: str, user) -> list[str]:
    """What AUTH_PASSWORD_VALIDATORS find wrong with ``password`` for ``user`` (empty: acceptable)."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return exc.messages
    return []


def temporary_password() -> str:
    """A random password of all four character classes, shown once to the person who allocated it."""
    alphabet = string.ascii_letters + string.digits
    body = "".join(secrets.choice(alphabet) for _ in range(10))
    return f"{secrets.choice(string.ascii_uppercase)}{secrets.choice(string.ascii_lowercase)}{body}-" \
           f"{secrets.choice(string.digits)}"


@transaction.atomic
def create_account(*, actor, organisation, role: str, username: str, real_name: str, phone: str = "",
                   id_number: str = "", request=None) -> tuple[User, str]:
    """A new account with one role and a temporary password that must be changed at first sign-in."""
    if not may_grant(actor, role, organisation):
        raise PermissionDenied(f"您无权在“{organisation}”分配“{Role(role).label}”账号")
    password = temporary_password()
    user = User(username=username.strip(), real_name=real_name.strip(), phone=phone.strip(),
                id_number=id_number.strip().upper(), must_change_password=True)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    RoleMembership.objects.create(user=user, organisation=organisation, role=role)
    record_event(actor=actor, action="create_account", obj=user, to_state=role,
                 comment=f"{organisation} · {Role(role).label}", request=request)
    return user, password


@transaction.atomic
def register_individual(*, bureau, username: str, real_name: str, id_number: str, phone: str, password: str,
                        request=None) -> User:
    """An individual served directly by the HR bureau (兜底: no employer to allocate the account) registers
    and becomes an applicant attached to that bureau (seed 002 二(三)3)."""
    if bureau.kind != OrganisationKind.HR_BUREAU or not bureau.is_active:
        raise ValidationError({"bureau": ["请选择受理个人申报的人社部门"]})
    user = User(username=username.strip(), real_name=real_name.strip(), phone=phone.strip(),
                id_number=id_number.strip().upper())
    errors = {}
    for field, label in (("real_name", "姓名"), ("id_number", "身份证号码"), ("phone", "手机号码")):
        if not getattr(user, field):
            errors[field] = [f"请填写{label}"]
    try:
        user.full_clean(exclude=["password", *errors])
    except ValidationError as exc:
        errors |= exc.message_dict
    if problems := password_problems(password, user):
        errors["password"] = problems
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    user.save()
    RoleMembership.objects.create(user=user, organisation=bureau, role=Role.APPLICANT)
    record_event(actor=user, action="register_individual", obj=user, to_state=Role.APPLICANT,
                 comment=f"{bureau} · 个人申报", request=request)
    return user


@transaction.atomic
def reset_password(*, actor, user, request=None) -> str:
    """A temporary password for ``user`` (who must change it at next sign-in); lifts a lockout."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not may_manage_account(actor, user):
        raise PermissionDenied(f"您无权重置“{user}”的密码")
    password = temporary_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    record_event(actor=actor, action="reset_password", obj=user, comment="已设置临时密码，下次登录须修改",
                 request=request)
    username = user.username
    transaction.on_commit(lambda: axes_reset(username=username))
    return password


@transaction.atomic
def reset_two_factor(*, actor, user, request=None) -> None:
    """Remove the user's authenticator and recovery codes (a lost phone): the next sign-in enrols anew."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not may_manage_account(actor, user):
        raise PermissionDenied(f"您无权重置“{user}”的动态验证")
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    record_event(actor=actor, action="reset_two_factor", obj=user, comment="已清除身份验证器和恢复码，下次登录须重新绑定",
                 request=request)


@transaction.atomic
def change_own_password(*, actor, old_password: str, new_password: str, request=None) -> None:
    """The signed-in user sets a new password (validated by AUTH_PASSWORD_VALIDATORS)."""
    user = User.objects.select_for_update().get(pk=actor.pk)
    errors = {}
    if not user.check_password(old_password):
        errors["old_password"] = ["原密码不正确"]
    elif old_password == new_password:
        errors["new_password"] = ["新密码不能与原密码相同"]
    elif problems := password_problems(new_password, user):
        errors["new_password"] = problems
    if errors:
        raise ValidationError(errors)
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    record_event(actor=actor, action="change_password", obj=user, request=request)
    actor.password, actor.must_change_password = user.password, False


@transaction.atomic
def enroll_two_factor(*, actor, device, token: str, request=None) -> list[str]:
    """Confirm the actor's new TOTP device with a code from it; returns ten one-time recovery codes."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=actor)
    if device.confirmed:
        raise ValidationError({"token": ["该身份验证器已启用"]})
    if not device.verify_token(token):
        raise ValidationError({"token": ["动态验证码不正确或已过期，请输入身份验证器上当前显示的 6 位数字"]})
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    recovery, _ = StaticDevice.objects.get_or_create(user=actor, name="恢复码")
    recovery.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=recovery, token=code) for code in codes])
    record_event(actor=actor, action="enroll_two_factor", obj=actor, request=request)
    return codes

