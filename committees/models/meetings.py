"""Review meetings (评审会议): groups, the declarations assigned to them, the recorded draws of experts,
the drawn members and their recusals (回避).

A meeting moves planned → drawn → open → voting → closed. This part sets ``planned`` and ``drawn``
(``committees.services``); opening, voting and closing are services of the scoring and voting part.
A ``Draw`` is written once and never changed: its seed, algorithm and the pool as it stood let
``manage.py replay_draw`` recompute it.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from accounts.models import AppendOnlyQuerySet
from titles.models import Level
from titles.validators import validate_accepted_date


class MeetingMethod(models.TextChoices):
    """评审方式 (seed 004 四(四))."""

    EXPERT_REVIEW = "expert_review", "专家评审"
    DEFENCE = "defence", "面试答辩"
    PRACTICAL = "practical", "实践操作"
    SHOWCASE = "showcase", "成果展示"
    REPORT = "report", "个人述职"


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", "已安排"
    DRAWN = "drawn", "已抽取专家"
    OPEN = "open", "评审中"
    VOTING = "voting", "投票中"
    CLOSED = "closed", "已结束"


class Meeting(models.Model):
    plan = models.ForeignKey("titles.ReviewPlan", verbose_name="评审方案", on_delete=models.PROTECT,
                             related_name="meetings")
    committee = models.ForeignKey("committees.Committee", verbose_name="评审委员会", on_delete=models.PROTECT,
                                  related_name="meetings")
    name = models.CharField("会议名称", max_length=200)
    held_on = models.DateField("会议日期", validators=[validate_accepted_date])
    place = models.CharField("会议地点", max_length=200, blank=True)
    online = models.BooleanField("网络评审", default=False)
    methods = models.JSONField("评审方式", default=list, help_text="可多选：专家评审、面试答辩、实践操作、成果展示、个人述职")
    status = models.CharField("状态", max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED,
                              editable=False)
    opened_at = models.DateTimeField("开始时间", null=True, blank=True, editable=False)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "评审会议"
        verbose_name_plural = "评审会议"
        ordering = ["-held_on", "-pk"]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if not isinstance(self.methods, list) or not self.methods or any(
                m not in MeetingMethod.values for m in self.methods):
            errors["methods"] = f"请选择评审方式（{'、'.join(MeetingMethod.labels)}）"
        if not self.online and not self.place.strip():
            errors["place"] = "现场评审须填写会议地点"
        if errors:
            raise ValidationError(errors)

    def method_labels(self) -> list[str]:
        return [MeetingMethod(m).label for m in self.methods if m in MeetingMethod.values]


class MeetingGroup(models.Model):
    """A review group (评审组): small peers by specialty (seed 003 6) or a directed (双定向) group with its own
    pass rate (seed 003 8). ``size`` experts are drawn for it; ``level`` is the title level it reviews."""

    meeting = models.ForeignKey(Meeting, verbose_name="评审会议", on_delete=models.CASCADE, related_name="groups")
    name = models.CharField("组名", max_length=100)
    specialty = models.ForeignKey("titles.Specialty", verbose_name="专业", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+", help_text="留空表示按系列抽取")
    level = models.CharField("评审层级", max_length=20, choices=Level.choices)
    directed = models.BooleanField("双定向评审组", default=False, help_text="定向评审、定向使用：单独设组、单独设立通过率")
    pass_rate_percent = models.PositiveSmallIntegerField("通过率上限（%）", null=True, blank=True,
                                                         help_text="双定向评审组单独设立的通过率")
    size = models.PositiveSmallIntegerField("抽取专家人数")

    class Meta:
        verbose_name = "评审组"
        verbose_name_plural = "评审组"
        ordering = ["meeting", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "name"], name="unique_group_name"),
            models.CheckConstraint(condition=Q(pass_rate_percent__isnull=True) | Q(pass_rate_percent__lte=100),
                                   name="group_pass_rate_percent"),
        ]

    def __str__(self):
        return f"{self.meeting} · {self.name}"


class Assignment(models.Model):
    """A declaration in ``committee_review`` assigned to one group of one meeting (in at most one meeting
    that is not closed: ``committees.services.assign_declarations`` checks it under the declaration's lock)."""

    meeting = models.ForeignKey(Meeting, verbose_name="评审会议", on_delete=models.CASCADE, related_name="assignments")
    group = models.ForeignKey(MeetingGroup, verbose_name="评审组", on_delete=models.CASCADE,
                              related_name="assignments")
    declaration = models.ForeignKey("declarations.Declaration", verbose_name="申报", on_delete=models.PROTECT,
                                    related_name="assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="分配人", on_delete=models.PROTECT,
                                    related_name="+")
    assigned_at = models.DateTimeField("分配时间", auto_now_add=True)

    class Meta:
        verbose_name = "评审分配"
        verbose_name_plural = "评审分配"
        ordering = ["group", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "declaration"], name="one_assignment_per_meeting"),
        ]

    def __str__(self):
        return f"{self.group} · {self.declaration_id}"


class DrawQuerySet(AppendOnlyQuerySet):
    log_name = "抽取记录"


class Draw(models.Model):
    """One recorded draw of experts for a group: everything needed to recompute it.

    ``snapshot`` holds the inputs the algorithm read, as they stood: the candidates (ids with every
    attribute the draw looks at), the group's need, the applicants and their employers, the recorded
    conflicts and the meeting date; ``result`` the chosen expert ids in the order drawn.
    """

    meeting = models.ForeignKey(Meeting, verbose_name="评审会议", on_delete=models.PROTECT, related_name="draws")
    group = models.ForeignKey(MeetingGroup, verbose_name="评审组", on_delete=models.PROTECT, related_name="draws")
    seed = models.CharField("随机种子", max_length=64)
    algorithm = models.CharField("抽取算法", max_length=50)
    algorithm_version = models.CharField("算法版本", max_length=20)
    snapshot = models.JSONField("抽取时的专家库快照")
    result = models.JSONField("抽取结果", help_text="按抽取顺序排列的专家编号")
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="抽取人", on_delete=models.PROTECT,
                                 related_name="+")
    drawn_at = models.DateTimeField("抽取时间", auto_now_add=True)

    objects = DrawQuerySet.as_manager()

    class Meta:
        verbose_name = "专家抽取记录"
        verbose_name_plural = "专家抽取记录"
        ordering = ["meeting", "group", "pk"]

    def __str__(self):
        return f"{self.group} · {self.drawn_at:%Y-%m-%d %H:%M}" if self.drawn_at else str(self.group)

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("抽取记录不可修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("抽取记录不可删除")


class MeetingMember(models.Model):
    """An expert drawn into a group of a meeting (from which draw)."""

    meeting = models.ForeignKey(Meeting, verbose_name="评审会议", on_delete=models.PROTECT, related_name="members")
    group = models.ForeignKey(MeetingGroup, verbose_name="评审组", on_delete=models.PROTECT, related_name="members")
    expert = models.ForeignKey("committees.Expert", verbose_name="专家", on_delete=models.PROTECT,
                               related_name="meeting_memberships")
    draw = models.ForeignKey(Draw, verbose_name="抽取记录", on_delete=models.PROTECT, related_name="members")
    position = models.PositiveSmallIntegerField("抽取顺序")

    class Meta:
        verbose_name = "评审会议专家"
        verbose_name_plural = "评审会议专家"
        ordering = ["group", "position"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "expert"], name="one_membership_per_meeting"),
        ]

    def __str__(self):
        return f"{self.group} · {self.expert}"


class Recusal(models.Model):
    """回避: a drawn expert declares a conflict with one declaration after the draw and before seeing any
    score; they neither score nor vote on it (the scoring and voting part reads ``recused``)."""

    member = models.ForeignKey(MeetingMember, verbose_name="评审专家", on_delete=models.PROTECT,
                               related_name="recusals")
    declaration = models.ForeignKey("declarations.Declaration", verbose_name="申报", on_delete=models.PROTECT,
                                    related_name="recusals")
    reason = models.CharField("回避事由", max_length=200)
    declared_at = models.DateTimeField("声明时间", auto_now_add=True)

    class Meta:
        verbose_name = "回避声明"
        verbose_name_plural = "回避声明"
        ordering = ["member", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["member", "declaration"], name="one_recusal_per_declaration"),
        ]

    def __str__(self):
        return f"{self.member} 回避 {self.declaration_id}"

