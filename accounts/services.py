"""Writes that mean something in accounts: the event log, accounts, roles, passwords, second factors
and admin-console writes."""

import functools
import secrets
import string

import rules
from axes.utils import reset as axes_reset
from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.prepared import default_db, execute_together

from . import request_cache
from .client_ip import client_ip
from .errors import DomainError
from .eventchain import GENESIS, PREV_SLOT, chain_hash, event_content, payload_template
from .models import (
    CreditRecord,
    Event,
    OrganisationKind,
    PersonalDataAccess,
    Role,
    RoleMembership,
    SignInRecord,
    User,
)
from .permissions import may_grant, may_manage_account

# Chinese names of the event log's actions, for the audit pages and exports. Each app adds its own in
# its AppConfig.ready() (as DEMO_LOADERS); an action missing here is shown by its code.
ACTION_LABELS: dict[str, str] = {
    "grant_role": "授予角色", "admin_add": "管理后台新增", "admin_change": "管理后台修改",
    "revoke_role": "撤销角色", "create_account": "分配账号", "register_individual": "个人注册",
    "reset_password": "重置密码", "change_password": "修改密码", "enroll_two_factor": "启用双因素登录",
    "reset_two_factor": "重置动态验证", "record_credit": "记入诚信档案",
}


def action_label(code: str) -> str:
    return ACTION_LABELS.get(code, code)


@functools.cache
def _state_names(model) -> dict[str, str]:
    """The Chinese names of a model's states: the choices of its ``state`` or ``status`` field ({} when none)."""
    from django.core.exceptions import FieldDoesNotExist

    for name in ("state", "status"):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if field.choices:
            return {str(code): str(label) for code, label in field.flatchoices}
    return {}


def state_label(code: str, content_type) -> str:
    """An event's state (``from_state``, ``to_state``) in Chinese, by the choices of its object's model (a count
    or a state no longer among the choices as it is)."""
    model = content_type.model_class() if code and content_type is not None else None
    return _state_names(model).get(code, code) if model is not None else code


# The key of the PostgreSQL advisory lock that serialises appends to the event chain.
EVENT_CHAIN_LOCK = 0x7A68_6576_656E_7473  # "zhevents"


def _lock_event_chain() -> str:
    """Serialise appends to the chain until commit (PostgreSQL) and answer the last event's hash."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [EVENT_CHAIN_LOCK])
    return Event.objects.order_by("-pk").values_list("hash", flat=True).first() or GENESIS


def _chain(events: list[Event], prev_hash: str) -> None:
    for event in events:
        event.prev_hash = prev_hash
        event.hash = prev_hash = chain_hash(prev_hash, event.chain_content())


@transaction.atomic(savepoint=False)  # inside the transition's transaction: no savepoint (two round trips)
def record_event(*, actor, action: str, obj, from_state: str = "", to_state: str = "", comment: str = "",
                 request=None, before: tuple[str, list] | None = None) -> Event:
    """Append one entry to the immutable event log. Call it inside the transition's transaction.

    The entry is chained to the one before it (accounts/eventchain.py). On PostgreSQL a transaction
    lock serialises writers until commit, so two transactions never chain to the same predecessor.
    ``before``: a statement of the change, (SQL, parameters), sent in the same round trip ahead of the chain's
    lock (a transition's new state: ``declarations.bulk.save_with_history(…, defer=True)``); elsewhere than
    PostgreSQL it is run on its own first.
    """
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
    )
    if default_db().vendor == "postgresql":
        _append_in_postgresql(event, before)
    else:
        if before is not None:
            with connection.cursor() as cursor:
                cursor.execute(*before)
        _chain([event], _lock_event_chain())
        event.save(force_insert=True)
    return event


def _append_in_postgresql(event: Event, before: tuple[str, list] | None = None) -> None:
    """Write ``event`` at the end of the chain in two statements sent in one round trip (after ``before``, when
    given): the chain's lock, then one INSERT that reads the last hash and hashes the payload in PostgreSQL. The
    payload is ``chain_payload``'s, cut around the previous hash (``payload_template``: the text before it and
    after it, the rest of the content known here) and hashed by ``accounts_event_chain_step`` (migration 0008,
    the batch's function) as ``chain_hash`` hashes it. The INSERT's snapshot is taken after the lock is held, so
    it reads the hash of the last event committed (in one statement with the lock it could read an older one):
    statements sent together, as one query (the simple protocol, which psycopg's client-side binding uses) or as
    prepared statements in a pipeline (``config.prepared.execute_together`` in a transition), each take their own
    snapshot (tests/accounts/test_event_chain.py holds another writer on the lock, both ways)."""
    db = default_db()
    (head, rest), _ = payload_template(event.chain_content(), ())
    fields, sql = _event_insert()
    statements = [("SELECT pg_advisory_xact_lock(%s)", [EVENT_CHAIN_LOCK], True),
                  (sql, [*(f.get_db_prep_save(getattr(event, f.attname), db) for f in fields), head, rest,
                         GENESIS], True)]
    if before is not None:
        statements.insert(0, (*before, True))
    with db.cursor() as cursor:  # prepared in a transition's transaction (config.prepared.retrying_stale)
        event.pk, event.prev_hash, event.hash = execute_together(db, cursor, statements)[-1][0]
    event._state.adding, event._state.db = False, db.alias


@functools.cache
def _event_insert() -> tuple[list, str]:
    """The fields an event's INSERT sets itself and its statement (``_append_in_postgresql``)."""
    fields = [f for f in Event._meta.concrete_fields if f.attname not in ("id", "prev_hash", "hash")]
    return fields, f"""
        INSERT INTO {Event._meta.db_table} ({', '.join(f.column for f in fields)}, prev_hash, hash)
        SELECT {', '.join(['%s'] * len(fields))}, last.hash, accounts_event_chain_step(last.hash, NULL, %s, %s)
        FROM (SELECT coalesce((SELECT hash FROM {Event._meta.db_table} ORDER BY id DESC LIMIT 1), %s) AS hash) last
        RETURNING id, prev_hash, hash
    """


@transaction.atomic
def record_events(*, action: str, model, entries: list[dict]) -> int:
    """The set-based twin of ``record_event`` for system actions (no actor, no request): one event per
    entry (``object_id``, ``object_repr``, ``from_state``, ``to_state``, ``comment``), chained in
    order under the same lock and written in one INSERT. Returns how many were written."""
    if not entries:
        return 0
    prev_hash = _lock_event_chain()
    content_type, now = ContentType.objects.get_for_model(model), timezone.now()
    events = [Event(actor=None, action=action, content_type=content_type, object_id=str(e["object_id"]),
                    object_repr=str(e.get("object_repr", ""))[:200], from_state=e.get("from_state", ""),
                    to_state=e.get("to_state", ""), comment=e.get("comment", ""), ip_address=None, created_at=now)
              for e in entries]
    _chain(events, prev_hash)
    Event.objects.bulk_create(events)
    return len(events)


# what differs from event to event in a batch written by record_events_sql (the rest is the batch's own)
BATCH_SLOTS = ("object_id", "object_repr", "from_state", "to_state", "comment")


def record_events_sql(*, action: str, model, entries_sql: str, params: dict) -> int:
    """``record_events`` for entries PostgreSQL makes itself (a sweep over 1,000,000 declarations): one
    event per row of the SELECT ``entries_sql`` (columns ``ord``, ``object_id``, ``object_repr``,
    ``from_state``, ``to_state``, ``comment``; named parameters ``params``), chained in ``ord`` order under
    the same lock and written in one INSERT … SELECT. The hashes are the ones ``chain_hash`` gives (the
    format of accounts/eventchain.py, unchanged): the payload is cut around what differs
    (``eventchain.payload_template``) and PostgreSQL's aggregate ``accounts_event_chain`` (migration 0008)
    hashes the pieces row after row. Call it inside the change's transaction. Returns how many were written."""
    if not connection.in_atomic_block:
        raise RuntimeError("record_events_sql 必须在业务操作的事务中调用")
    prev_hash = _lock_event_chain()
    content_type, now = ContentType.objects.get_for_model(model), timezone.now()
    content = event_content(actor_id=None, action=action, content_type=f"{content_type.app_label}.{content_type.model}",
                            object_id="", object_repr="", from_state="", to_state="", comment="", ip_address=None,
                            created_at=now)
    pieces, order = payload_template(content, BATCH_SLOTS)
    if order[0] != PREV_SLOT:
        raise ValueError("哈希内容须以前一事件哈希开头")
    rest = " || ".join(f"%(ev_piece{i})s || to_json(e.{name})::text" for i, name in enumerate(order[1:], start=1))
    sql = f"""
        INSERT INTO {Event._meta.db_table} (action, actor_id, content_type_id, object_id, object_repr, from_state,
                                            to_state, comment, ip_address, created_at, prev_hash, hash)
        SELECT %(ev_action)s, NULL, %(ev_content_type)s, c.object_id, c.object_repr, c.from_state, c.to_state,
               c.comment, NULL, %(ev_now)s, coalesce(lag(c.hash) OVER (ORDER BY c.ord), %(ev_start)s), c.hash
        FROM (
            SELECT e.*, accounts_event_chain(%(ev_start)s, %(ev_piece0)s, {rest} || %(ev_last)s)
                        OVER (ORDER BY e.ord ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS hash
            FROM (SELECT x.ord, x.object_id::text AS object_id, left(x.object_repr::text, 200) AS object_repr,
                         x.from_state::text AS from_state, x.to_state::text AS to_state, x.comment::text AS comment
                  FROM ({entries_sql}) x) e
        ) c
        ORDER BY c.ord
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {**params, "ev_action": action, "ev_content_type": content_type.pk, "ev_now": now,
                             "ev_start": prev_hash, "ev_last": pieces[-1],
                             **{f"ev_piece{i}": piece for i, piece in enumerate(pieces[:-1])}})
        return cursor.rowcount


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


@transaction.atomic
def save_with_event(*, actor, obj, permission: str, fields=(), request=None):
    """An admin-console write of a domain object: the actor must hold ``permission`` (a django-rules
    permission, tested without the superuser shortcut) on the stored row, locked, and on the new
    values; the object is saved with its history and one event names the fields changed."""
    model = type(obj)
    adding = obj._state.adding
    if not adding:
        stored = model._default_manager.select_for_update().get(pk=obj.pk)
        if not rules.has_perm(permission, actor, stored):
            raise PermissionDenied(f"您无权修改“{stored}”")
    if not rules.has_perm(permission, actor, obj):
        raise PermissionDenied(f"您无权保存“{obj}”")
    obj._change_reason = "管理后台" + ("新增" if adding else "修改")
    obj.save()
    labels = [str(model._meta.get_field(f).verbose_name) if f in {x.name for x in model._meta.get_fields()} else f
              for f in fields]
    record_event(actor=actor, action="admin_add" if adding else "admin_change", obj=obj,
                 comment=("修改：" + "、".join(labels)) if labels else "", request=request)
    return obj


# --- personal data and sign-ins ------------------------------------------------------------------


class PersonalDataError(Exception):
    """A request to see full personal data refused, with the form field it concerns."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


@transaction.atomic
def reveal_personal_data(*, actor, person_id, reason: str, request=None) -> User:
    """Record that ``actor`` looks at a person's full ID number and phone, and why; returns the person.
    The record is written first: nothing is shown when it cannot be written."""
    from .selectors import access_person

    person = access_person(actor, person_id)
    if not actor.has_perm("accounts.reveal_personal_data", person):
        raise PermissionDenied("您无权查看该人员的完整号码")
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise PersonalDataError("reason", "请填写查看完整号码的理由（至少 4 个字），该理由将被记录并供审计")
    PersonalDataAccess.objects.create(viewer=actor, person=person, reason=reason[:500], ip_address=client_ip(request))
    return person


def record_sign_in(*, user=None, username: str, succeeded: bool, request=None) -> SignInRecord:
    """Append one sign-in attempt to the sign-in log; a success also sets ``last_login`` without a
    history row (a sign-in is not a change of the user)."""
    if succeeded and user is not None:
        User.objects.filter(pk=user.pk).update(last_login=timezone.now())
        request_cache.bump(request_cache.user_version(user.pk))  # the cached row has the old last_login
    agent = request.META.get("HTTP_USER_AGENT", "")[:255] if request is not None else ""
    return SignInRecord.objects.create(user=user if succeeded else None, username=(username or "")[:150],
                                       succeeded=succeeded, ip_address=client_ip(request), user_agent=agent)


@transaction.atomic
def record_credit(*, actor, subject, kind: str, reason: str, basis: str = "", starts_on=None, source: str = "",
                  region_code: str | None = None, request=None) -> CreditRecord:
    """Record a breach in the credit archive (001 四(四)). It expires on its own after the rulebook's
    ``credit_record_years`` (PlanRules, region of ``region_code``, default the subject's) from ``starts_on``
    (default today); ``basis`` defaults to the rulebook's CREDIT_RECORD document. Shared by certificate
    revocation (applicants), the committees (experts) and the bureau (staff)."""
    from config.clock import today
    from titles.documents import citation
    from titles.eligibility.counting import add_months
    from titles.selectors import effective_citations, effective_plan_rules, region_of

    if actor is not None and not actor.has_perm("accounts.record_credit"):
        raise PermissionDenied("您无权记入诚信档案")
    if kind not in CreditRecord.Kind.values:
        raise DomainError(f"对象类别无效：{kind}；可选：{'、'.join(CreditRecord.Kind.labels)}",
                          code="credit_record_invalid", errors={"kind": ["对象类别无效"]})
    if not (reason or "").strip():
        raise DomainError("请填写失信行为", code="credit_record_invalid", errors={"reason": ["请填写失信行为"]})
    starts_on = starts_on or today()
    region = region_of(subject) if region_code is None else region_code
    years = effective_plan_rules(region_code=region, year=starts_on.year).credit_record_years
    record = CreditRecord.objects.create(
        subject=subject, kind=kind, reason=reason.strip(), starts_on=starts_on,
        expires_on=add_months(starts_on, 12 * years), source=source[:200],
        basis=(basis or citation(effective_citations(region_code=region, year=starts_on.year), "CREDIT_RECORD"))[:300],
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    record_event(actor=actor, action="record_credit", obj=record, comment=f"{record.reason}（{record.basis}）",
                 request=request)
    return record
