import functools

from django.conf import settings
from django.contrib.auth import load_backend
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from config.prepared import PreparedObjects

from .eventchain import event_content
from .validators import mask_id_number, mask_phone, validate_id_number, validate_phone


class Role(models.TextChoices):
    APPLICANT = "applicant", "申报人"
    EMPLOYER_HANDLER = "employer_handler", "单位经办人"
    EMPLOYER_ADMIN = "employer_admin", "单位管理员"
    DEPT_REVIEWER = "dept_reviewer", "主管部门审核人"
    BUREAU_REVIEWER = "bureau_reviewer", "人社部门审核人"
    COMMITTEE_SECRETARY = "committee_secretary", "评委会秘书"
    EXPERT = "expert", "评审专家"
    SYSTEM_ADMIN = "system_admin", "系统管理员"
    AUDITOR = "auditor", "审计员"


class OrganisationKind(models.TextChoices):
    EMPLOYER = "employer", "用人单位"
    COMPETENT_DEPARTMENT = "competent_department", "主管部门"
    HR_BUREAU = "hr_bureau", "人社部门"
    COMMITTEE_OFFICE = "committee_office", "评委会办事机构"
    TALENT_AGENCY = "talent_agency", "公共就业和人才服务机构"


class Sector(models.TextChoices):
    PUBLIC = "public", "机关事业单位、国有企业"
    NON_PUBLIC = "non_public", "非公有制单位"


class Organisation(models.Model):
    name = models.CharField("名称", max_length=200)
    kind = models.CharField("类型", max_length=32, choices=OrganisationKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级单位", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    region_code = models.CharField("行政区划代码", max_length=12, help_text="如 140400（长治市）")
    sector = models.CharField("单位性质", max_length=16, choices=Sector.choices, default=Sector.PUBLIC)
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["region_code", "name"]

    def __str__(self):
        return self.name

    def nearest_above(self, kind: str) -> "Organisation | None":
        """The first organisation of ``kind`` above this one (this one not counted), or None."""
        node, seen = self.parent, {self.pk}
        while node is not None and node.pk not in seen:
            if node.kind == kind:
                return node
            seen.add(node.pk)
            node = node.parent
        return None

    def ancestor_ids(self) -> list[int]:
        """Ids of this organisation and every organisation above it, nearest first."""
        ids, node, seen = [], self, set()
        while node is not None and node.pk not in seen:
            ids.append(node.pk)
            seen.add(node.pk)
            node = node.parent
        return ids


@functools.cache
def _permission_backends(paths: tuple[str, ...]) -> tuple:
    """The authentication backends of ``paths`` that answer ``has_perm``, made once (a test that overrides
    ``AUTHENTICATION_BACKENDS`` gets its own)."""
    backends = (load_backend(path) for path in paths)
    return tuple(backend for backend in backends if hasattr(backend, "has_perm"))


class User(AbstractUser):
    real_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("手机号码", max_length=11, blank=True, validators=[validate_phone])
    id_number = models.CharField(
        "身份证号码", max_length=18, blank=True, validators=[validate_id_number], help_text="18 位居民身份证号码"
    )
    must_change_password = models.BooleanField(
        "须修改密码", default=False, help_text="密码由他人设置或重置后，下次登录须先修改密码"
    )
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self):
        return self.real_name or self.username

    def has_perm(self, perm, obj=None) -> bool:
        """Django's ``has_perm`` (an active superuser may do anything; else the first backend that allows it, and
        none once one refuses with ``PermissionDenied``) over backends made once per process: Django imports and
        makes every backend anew at each call, ≈ 5 % of a kept declaration page (README.md, 速度)."""
        if self.is_active and self.is_superuser:
            return True
        for backend in _permission_backends(tuple(settings.AUTHENTICATION_BACKENDS)):
            try:
                if backend.has_perm(self, perm, obj):
                    return True
            except PermissionDenied:
                return False
        return False

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    def memberships(self) -> list["RoleMembership"]:
        """The user's role memberships with their organisations, loaded once per request (from the shared
        cache when it holds them for the current roles version: ``accounts/request_cache.py``)."""
        cached = getattr(self, "_memberships_cache", None)
        if cached is None:
            from .request_cache import memberships

            cached = memberships(self, self._read_memberships)
            for membership in cached:  # their user is this one, as the related manager gives them
                membership._state.fields_cache["user"] = self
            self._memberships_cache = cached
        return cached

    def _read_memberships(self) -> list["RoleMembership"]:
        """``role_memberships.select_related("organisation").order_by("pk")``, its SQL compiled once per process
        (read on every request whose user's roles are not in the shared cache: ≈ 0.5 ms of the ORM's CPU). Kept in
        the shared cache without their user (``memberships`` sets it): a second copy of the user in every entry
        was three quarters of its size and half the time a request took to read it."""
        return _MEMBERSHIPS.objects(self.pk)

    def roles(self) -> list[str]:
        seen = []
        for membership in self.memberships():
            if membership.role not in seen:
                seen.append(membership.role)
        return seen


class RoleMembership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="role_memberships"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name="单位", on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField("角色", max_length=32, choices=Role.choices)
    granted_at = models.DateTimeField("授予时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "角色授权"
        verbose_name_plural = "角色授权"
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="unique_role_membership")
        ]
        # the members of one role in an organisation (a transition tells the next step's handlers): without it
        # PostgreSQL read every membership of the employer, its hundreds of applicants, to find two handlers
        indexes = [models.Index(fields=["organisation", "role"], name="membership_org_role")]

    def __str__(self):
        return f"{self.user} · {self.organisation} · {self.get_role_display()}"


class AppendOnlyQuerySet(models.QuerySet):
    """Logs (events, looks at personal data, sign-ins): appended, never changed or removed."""

    log_name = "该记录"

    def update(self, **kwargs):
        raise PermissionError(f"{self.log_name}不可修改")

    def delete(self):
        raise PermissionError(f"{self.log_name}不可删除")


class EventQuerySet(AppendOnlyQuerySet):
    log_name = "事件日志"


class Event(models.Model):
    """The immutable event log: who did what to which object, from which state to which, and why."""

    # indexed only where given (``event_actor_given``): the system's events (the sweeps': 100,000 at once) have none
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", db_index=False,
    )
    action = models.CharField("操作", max_length=64)
    # no index of its own: (content_type, object_id, created_at) leads with it
    content_type = models.ForeignKey(ContentType, verbose_name="对象类型", on_delete=models.PROTECT, db_index=False)
    object_id = models.CharField("对象编号", max_length=64)
    object_repr = models.CharField("对象", max_length=200)
    from_state = models.CharField("原状态", max_length=64, blank=True)
    to_state = models.CharField("新状态", max_length=64, blank=True)
    comment = models.TextField("意见", blank=True)
    ip_address = models.GenericIPAddressField("IP 地址", null=True, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    prev_hash = models.CharField("前一事件哈希", max_length=64, editable=False)
    hash = models.CharField("哈希", max_length=64, editable=False, help_text="SHA-256（前一事件哈希 + 本事件内容）")

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = "事件日志"
        verbose_name_plural = "事件日志"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"]),
                   models.Index(fields=["actor"], name="event_actor_given", condition=models.Q(actor__isnull=False))]

    def __str__(self):
        return f"{timezone.localtime(self.created_at):%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("事件日志不可修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("事件日志不可删除")

    def chain_content(self) -> dict:
        """What this event's hash covers (accounts/eventchain.py)."""
        return event_content(
            actor_id=self.actor_id, action=self.action,
            content_type=f"{self.content_type.app_label}.{self.content_type.model}", object_id=self.object_id,
            object_repr=self.object_repr, from_state=self.from_state, to_state=self.to_state, comment=self.comment,
            ip_address=self.ip_address, created_at=self.created_at,
        )


class PersonalDataAccess(models.Model):
    """One look at a person's full ID number and phone by someone other than that person: who, whose,
    when, why and from where. Written before the numbers are shown."""

    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="查看人", on_delete=models.PROTECT,
                               related_name="+")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="被查看人", on_delete=models.PROTECT,
                               related_name="+")
    fields = models.CharField("查看内容", max_length=100, default="身份证号码、手机号码")
    reason = models.TextField("查看理由")
    ip_address = models.GenericIPAddressField("IP 地址", null=True, blank=True)
    created_at = models.DateTimeField("查看时间", auto_now_add=True, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "个人信息查看记录"
        verbose_name_plural = "个人信息查看记录"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.viewer} 查看 {self.person}"


class SignInRecord(models.Model):
    """One sign-in attempt, successful or not (its own log: sign-ins are not history of the user)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    username = models.CharField("输入的用户名", max_length=150)
    succeeded = models.BooleanField("是否成功")
    ip_address = models.GenericIPAddressField("IP 地址", null=True, blank=True)
    user_agent = models.CharField("浏览器标识", max_length=255, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "登录记录"
        verbose_name_plural = "登录记录"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.username} {'登录成功' if self.succeeded else '登录失败'}"


class Notification(models.Model):
    """A message to one person who must act next (or should know), in the app and by e-mail.

    ``key`` makes each notice at most once per person and occasion; the e-mail goes out from the
    outbox after commit, and ``emailed_at`` keeps it to one.
    """

    # no index of its own: (recipient, key) and (recipient, read_at) lead with it
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="收件人", on_delete=models.CASCADE,
                                  related_name="notifications", db_index=False)
    key = models.CharField("去重键", max_length=120)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    link = models.CharField("链接", max_length=200, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    emailed_at = models.DateTimeField("邮件发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="unique_notification_key")]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self):
        return f"{self.recipient}：{self.title}"


class CreditRecordQuerySet(models.QuerySet):
    def in_force(self, on):
        """Records in force on ``on``: they expire on their own (no sweep), ``expires_on`` excluded."""
        return self.filter(starts_on__lte=on, expires_on__gt=on)


class CreditRecord(models.Model):
    """An entry of the credit archive (职称评审诚信档案, 001 四(四)): a breach by an applicant, an expert
    or a staff member, on record from ``starts_on`` for the rulebook's ``credit_record_years``.

    Written by ``accounts.services.record_credit`` only; never edited (history keeps any correction).
    """

    class Kind(models.TextChoices):
        APPLICANT = "applicant", "申报人"
        EXPERT = "expert", "评审专家"
        STAFF = "staff", "工作人员"

    subject = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="记录对象", on_delete=models.PROTECT,
                                related_name="credit_records")
    kind = models.CharField("对象类别", max_length=16, choices=Kind.choices)
    reason = models.TextField("失信行为")
    basis = models.CharField("依据", max_length=300)
    starts_on = models.DateField("记入日期")
    expires_on = models.DateField("期满日期", help_text="记入日期加规则库的记录年限（credit_record_years）")
    source = models.CharField("来源", max_length=200, blank=True, help_text="如：撤销证书 2026-140400-001-000001")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="记录人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)
    history = HistoricalRecords()

    objects = CreditRecordQuerySet.as_manager()

    class Meta:
        verbose_name = "诚信档案记录"
        verbose_name_plural = "诚信档案记录"
        ordering = ["-starts_on", "-pk"]
        indexes = [models.Index(fields=["subject", "expires_on"])]
        constraints = [models.CheckConstraint(condition=models.Q(expires_on__gt=models.F("starts_on")),
                                              name="credit_record_expires_after_start")]

    def __str__(self):
        return f"诚信档案 #{self.pk} {self.subject}（{self.get_kind_display()}，{self.starts_on} 至 {self.expires_on}）"

    def description(self) -> str:
        """How the eligibility check and pages cite this record."""
        return f"职称评审诚信档案第 {self.pk} 号：{self.reason}（依据：{self.basis}）"


def _user_memberships(user_id):
    return RoleMembership.objects.filter(user_id=user_id).select_related("organisation").order_by("pk")


_MEMBERSHIPS = PreparedObjects(_user_memberships)
