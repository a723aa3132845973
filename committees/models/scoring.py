"""The indicator menu (菜单式评价指标, seed 003 3), the experts' scores against it and the 答辩 sessions.

A menu belongs to one series and level; its dimensions carry weights (summing to 100) and maximum
points, and a flag that representative works weigh over counts there (seed 003 4), shown to experts.
A ``Score`` is one member's points on one declaration (a review score or a 答辩 score): saved as the
expert types, submitted once and then locked (``committees.scoring`` refuses changes; the model too).
"""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from titles.models import Level


class Dimension(models.TextChoices):
    """The dimensions of seed 003 3."""

    MORALITY = "morality", "思想品德"
    ETHICS = "ethics", "职业道德"
    ABILITY = "ability", "专业能力"
    SKILL = "skill", "技术水平"
    INFLUENCE = "influence", "学术影响力"
    INNOVATION = "innovation", "创新成效"
    ADVISORY = "advisory", "决策咨询"
    MENTORING = "mentoring", "人才培养"
    PUBLIC_SERVICE = "public_service", "公共服务"


class IndicatorMenu(models.Model):
    """The menu of indicators for one series and level, edited by the bureau (with history)."""

    series = models.ForeignKey("titles.Series", verbose_name="系列", on_delete=models.PROTECT,
                               related_name="indicator_menus")
    level = models.CharField("层级", max_length=20, choices=Level.choices)
    name = models.CharField("名称", max_length=200)
    note = models.TextField("说明", blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="修改人", on_delete=models.PROTECT,
                                   related_name="+", null=True, blank=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "评价指标菜单"
        verbose_name_plural = "评价指标菜单"
        ordering = ["series", "level"]
        constraints = [models.UniqueConstraint(fields=["series", "level"], name="one_menu_per_series_level")]

    def __str__(self):
        return self.name


class IndicatorDimension(models.Model):
    menu = models.ForeignKey(IndicatorMenu, verbose_name="指标菜单", on_delete=models.CASCADE,
                             related_name="dimensions")
    dimension = models.CharField("评价维度", max_length=20, choices=Dimension.choices)
    weight = models.PositiveSmallIntegerField("权重（%）")
    max_points = models.PositiveSmallIntegerField("满分")
    works_over_counts = models.BooleanField(
        "重代表作、轻数量", default=False,
        help_text="推行代表作制度，注重原创性贡献和实际贡献，淡化论文和成果数量（河北省实施意见 4）")
    guidance = models.CharField("评分要点", max_length=500, blank=True)
    position = models.PositiveSmallIntegerField("顺序", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "评价维度"
        verbose_name_plural = "评价维度"
        ordering = ["menu", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["menu", "dimension"], name="one_row_per_dimension"),
            models.CheckConstraint(condition=models.Q(weight__lte=100), name="dimension_weight_percent"),
            models.CheckConstraint(condition=models.Q(max_points__gt=0), name="dimension_max_points_positive"),
        ]

    def __str__(self):
        return f"{self.get_dimension_display()}（{self.weight}%）"


class ScoreKind(models.TextChoices):
    REVIEW = "review", "专家评审"
    DEFENCE = "defence", "面试答辩"


class Score(models.Model):
    """One member's score of one declaration against the menu: ``points`` and ``comments`` keyed by the
    dimension code. A draft until ``submitted_at``; then locked for good."""

    member = models.ForeignKey("committees.MeetingMember", verbose_name="评审专家", on_delete=models.PROTECT,
                               related_name="scores")
    declaration = models.ForeignKey("declarations.Declaration", verbose_name="申报", on_delete=models.PROTECT,
                                    related_name="scores")
    kind = models.CharField("评分类别", max_length=10, choices=ScoreKind.choices, default=ScoreKind.REVIEW)
    menu = models.ForeignKey(IndicatorMenu, verbose_name="指标菜单", on_delete=models.PROTECT, related_name="+")
    points = models.JSONField("各维度得分", default=dict)
    comments = models.JSONField("各维度评语", default=dict)
    comment = models.TextField("总体评语", blank=True)
    updated_at = models.DateTimeField("保存时间", auto_now=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)

    class Meta:
        verbose_name = "专家评分"
        verbose_name_plural = "专家评分"
        ordering = ["declaration", "member", "kind"]
        constraints = [models.UniqueConstraint(fields=["member", "declaration", "kind"], name="one_score_per_kind")]

    def __str__(self):
        return f"{self.member} · {self.declaration_id} · {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None and type(self).objects.filter(pk=self.pk, submitted_at__isnull=False).exists():
            raise PermissionError("评分已提交，不可修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("评分不可删除")

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None


class DefenceSession(models.Model):
    """A 答辩 session of one declaration at a meeting: when, where, and whether the applicant attended."""

    meeting = models.ForeignKey("committees.Meeting", verbose_name="评审会议", on_delete=models.PROTECT,
                                related_name="defences")
    declaration = models.ForeignKey("declarations.Declaration", verbose_name="申报", on_delete=models.PROTECT,
                                    related_name="defences")
    starts_at = models.DateTimeField("答辩时间")
    place = models.CharField("答辩地点", max_length=200)
    attended = models.BooleanField("申报人到场", null=True, blank=True)
    scheduled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="安排人", on_delete=models.PROTECT,
                                     related_name="+")

    class Meta:
        verbose_name = "答辩安排"
        verbose_name_plural = "答辩安排"
        ordering = ["meeting", "starts_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["meeting", "declaration"], name="one_defence_per_meeting")]

    def __str__(self):
        return f"{self.meeting} · {self.declaration_id} · {self.starts_at:%Y-%m-%d %H:%M}"
