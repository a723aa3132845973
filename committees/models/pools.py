"""Expert pools (专家库, seed 003 6): the experts, their pool memberships, recorded conflicts and discipline.

An expert signs in as a user with ``Role.EXPERT``; the pool of a committee is filed (备案) like the
committee itself. A barred expert (终身禁入, seed 003 15) is never drawn again, in any pool; a suspended
one is not drawn for a meeting held on or before the end of the suspension.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from accounts.validators import mask_phone, validate_phone
from titles.models import Level
from titles.validators import validate_accepted_date

EXPERT_LEVELS = [(Level.SENIOR.value, Level.SENIOR.label), (Level.ASSOCIATE_SENIOR.value, Level.ASSOCIATE_SENIOR.label)]


class ExpertStatus(models.TextChoices):
    ACTIVE = "active", "正常"
    SUSPENDED = "suspended", "暂停"
    BARRED = "barred", "终身禁入"


class Expert(models.Model):
    """A review expert (评审专家): who they are, what they may review, and whether they may be drawn."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.PROTECT,
                                related_name="expert", help_text="专家以“评审专家”角色登录")
    series = models.ForeignKey("titles.Series", verbose_name="系列", on_delete=models.PROTECT, related_name="experts")
    specialties = models.ManyToManyField("titles.Specialty", verbose_name="专业", blank=True, related_name="experts")
    level = models.CharField("职称层级", max_length=20, choices=EXPERT_LEVELS)
    employer = models.ForeignKey("accounts.Organisation", verbose_name="工作单位", on_delete=models.PROTECT,
                                 related_name="experts")
    phone = models.CharField("联系电话", max_length=11, blank=True, validators=[validate_phone])
    term_start = models.DateField("聘任期自", validators=[validate_accepted_date])
    term_end = models.DateField("聘任期至", validators=[validate_accepted_date])
    status = models.CharField("状态", max_length=10, choices=ExpertStatus.choices, default=ExpertStatus.ACTIVE)
    suspended_until = models.DateField("暂停至", null=True, blank=True, validators=[validate_accepted_date],
                                       help_text="状态为“暂停”时必填：此日期（含）之前举行的评审会议不抽取该专家")
    training_notes = models.TextField("培训记录", blank=True)
    credit_notes = models.TextField("诚信记录摘要", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "评审专家"
        verbose_name_plural = "评审专家"
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(term_start__lte=models.F("term_end")), name="expert_term_order"),
            models.CheckConstraint(
                condition=~Q(status=ExpertStatus.SUSPENDED) | Q(suspended_until__isnull=False),
                name="expert_suspension_has_end"),
        ]

    def __str__(self):
        return str(self.user)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    def clean(self):
        errors = {}
        if self.term_start and self.term_end and self.term_start > self.term_end:
            errors["term_end"] = "聘任期截止日期不得早于起始日期"
        if self.status == ExpertStatus.SUSPENDED and not self.suspended_until:
            errors["suspended_until"] = "暂停的专家须写明暂停至哪一天"
        if errors:
            raise ValidationError(errors)

    def drawable_on(self, day) -> bool:
        """May be drawn for a meeting held on ``day`` (the draw itself decides on its snapshot)."""
        if self.status == ExpertStatus.BARRED:
            return False
        if self.status == ExpertStatus.SUSPENDED and self.suspended_until and day <= self.suspended_until:
            return False
        return self.term_start <= day <= self.term_end


class ExpertPool(models.Model):
    """A committee's expert pool (专家库) and its filing (备案)."""

    committee = models.OneToOneField("committees.Committee", verbose_name="评审委员会", on_delete=models.PROTECT,
                                     related_name="pool")
    name = models.CharField("名称", max_length=200)
    filing_number = models.CharField("备案文号", max_length=100, blank=True)
    filed_on = models.DateField("备案日期", null=True, blank=True, validators=[validate_accepted_date])
    experts = models.ManyToManyField(Expert, verbose_name="专家", through="PoolMembership", related_name="pools")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "专家库"
        verbose_name_plural = "专家库"
        ordering = ["name"]

    def __str__(self):
        return self.name


class PoolMembership(models.Model):
    """An expert in a pool from ``joined_on`` until ``left_on`` (empty: still in it)."""

    pool = models.ForeignKey(ExpertPool, verbose_name="专家库", on_delete=models.CASCADE, related_name="memberships")
    expert = models.ForeignKey(Expert, verbose_name="专家", on_delete=models.PROTECT, related_name="memberships")
    joined_on = models.DateField("入库日期", validators=[validate_accepted_date])
    left_on = models.DateField("出库日期", null=True, blank=True, validators=[validate_accepted_date])

    class Meta:
        verbose_name = "专家库成员"
        verbose_name_plural = "专家库成员"
        ordering = ["pool", "expert"]
        constraints = [
            models.UniqueConstraint(fields=["pool", "expert"], condition=Q(left_on__isnull=True),
                                    name="one_open_pool_membership"),
            models.CheckConstraint(condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                                   name="pool_membership_order"),
        ]

    def __str__(self):
        return f"{self.pool} · {self.expert}"


class ExpertConflict(models.Model):
    """A recorded conflict of interest (回避关系): the expert is never drawn for this applicant, or for any
    applicant of this organisation."""

    expert = models.ForeignKey(Expert, verbose_name="专家", on_delete=models.PROTECT, related_name="conflicts")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申报人", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="expert_conflicts")
    organisation = models.ForeignKey("accounts.Organisation", verbose_name="单位", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="expert_conflicts")
    reason = models.CharField("回避事由", max_length=200)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "回避关系"
        verbose_name_plural = "回避关系"
        ordering = ["expert", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(applicant__isnull=False) | Q(organisation__isnull=False),
                                   name="conflict_names_someone"),
        ]

    def __str__(self):
        return f"{self.expert} ↔ {self.applicant or self.organisation}"


class DisciplineDecision(models.TextChoices):
    PENDING = "pending", "待处理"
    NONE = "none", "不予处理"
    SUSPEND = "suspend", "暂停评审资格"
    BAR = "bar", "终身禁入"


class DisciplineRecord(models.Model):
    """A breach of review discipline (评审纪律) recorded by the committee secretary, and the bureau's decision."""

    expert = models.ForeignKey(Expert, verbose_name="专家", on_delete=models.PROTECT, related_name="discipline_records")
    breach = models.TextField("违纪情形")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)
    decision = models.CharField("处理决定", max_length=10, choices=DisciplineDecision.choices,
                                default=DisciplineDecision.PENDING)
    suspended_until = models.DateField("暂停至", null=True, blank=True, validators=[validate_accepted_date])
    decision_note = models.TextField("处理说明", blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="决定人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)

    class Meta:
        verbose_name = "评审纪律记录"
        verbose_name_plural = "评审纪律记录"
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(decision=DisciplineDecision.SUSPEND) | Q(suspended_until__isnull=False),
                name="discipline_suspension_has_end"),
        ]

    def __str__(self):
        return f"{self.expert} · {self.get_decision_display()}"
