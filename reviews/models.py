"""The review chain's records: material verification, post quotas, recommendations with their 公示
and objections, 一次性告知 returns, and every decision with the body and basis it rests on."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from declarations.models import ImmutableModel
from titles.models import Level


class MaterialVerification(ImmutableModel):
    """谁审查、谁签字、谁负责 (002 二(二)3): a handler's verdict on one material, signed by the system."""

    class Verdict(models.TextChoices):
        TRUE = "true", "属实"
        MATCHES_ORIGINAL = "matches_original", "与原件相符"
        WRONG = "wrong", "有误"

    material = models.ForeignKey("declarations.Material", verbose_name="材料", on_delete=models.PROTECT,
                                 related_name="verifications")
    verdict = models.CharField("审查结论", max_length=20, choices=Verdict.choices)
    comment = models.CharField("意见", max_length=500, blank=True)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审查人", on_delete=models.PROTECT,
                               related_name="+")
    signer_name = models.CharField("审查人签名", max_length=50)
    organisation = models.ForeignKey("accounts.Organisation", verbose_name="审查单位", on_delete=models.PROTECT,
                                     related_name="+")
    signed_at = models.DateTimeField("审查时间", auto_now_add=True)

    class Meta:
        verbose_name = "材料审查记录"
        verbose_name_plural = "材料审查记录"
        ordering = ["material", "-signed_at", "-pk"]

    def __str__(self):
        return f"{self.material} · {self.get_verdict_display()} · {self.signer_name}"


class PostQuota(models.Model):
    """岗位核定 (002 二(二)2, 004 五): places per plan, employer and level; directed (双定向) apart."""

    plan = models.ForeignKey("titles.ReviewPlan", verbose_name="评审方案", on_delete=models.PROTECT,
                             related_name="quotas")
    employer = models.ForeignKey("accounts.Organisation", verbose_name="单位", on_delete=models.PROTECT,
                                 related_name="quotas")
    level = models.CharField("层级", max_length=20, choices=Level.choices)
    directed = models.BooleanField("双定向名额", default=False)
    places = models.PositiveIntegerField("推荐名额", validators=[MaxValueValidator(100000)])
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="核定人", on_delete=models.PROTECT,
                               related_name="+")
    updated_at = models.DateTimeField("核定时间", auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "岗位核定（推荐名额）"
        verbose_name_plural = "岗位核定（推荐名额）"
        constraints = [models.UniqueConstraint(fields=["plan", "employer", "level", "directed"],
                                               name="unique_post_quota")]

    def __str__(self):
        kind = "双定向" if self.directed else ""
        return f"{self.employer} {self.get_level_display()}{kind}推荐名额 {self.places}"


class Recommendation(models.Model):
    """The unit's 民主评议 and recommendation, the place it takes, and its 公示 (004 四(二))."""

    declaration = models.OneToOneField("declarations.Declaration", verbose_name="申报", on_delete=models.PROTECT,
                                       related_name="recommendation")
    quota = models.ForeignKey(PostQuota, verbose_name="占用名额", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="recommendations")
    holds_place = models.BooleanField("占用名额", default=True)
    members = models.PositiveSmallIntegerField("评议人数", validators=[MinValueValidator(1)])
    votes_for = models.PositiveSmallIntegerField("赞成")
    votes_against = models.PositiveSmallIntegerField("反对")
    abstentions = models.PositiveSmallIntegerField("弃权")
    publicity_start = models.DateField("公示开始")
    publicity_end = models.DateField("公示结束")
    # set by the deadline sweep when the 公示 is over without an open objection: the employer admin
    # may forward it (可推送); forwarding stays a human action
    ready_on = models.DateField("公示期满可推送（日期）", null=True, blank=True)
    recommended_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="推荐人", on_delete=models.PROTECT,
                                       related_name="+")
    recommended_at = models.DateTimeField("推荐时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "单位推荐"
        verbose_name_plural = "单位推荐"

    def __str__(self):
        return f"{self.declaration} 推荐（公示至 {self.publicity_end}）"


class Objection(models.Model):
    """An objection raised during the unit's 公示, recorded and resolved by the employer admin."""

    class Outcome(models.TextChoices):
        OPEN = "open", "待处理"
        DISMISSED = "dismissed", "不成立"
        UPHELD = "upheld", "成立"

    recommendation = models.ForeignKey(Recommendation, verbose_name="推荐", on_delete=models.PROTECT,
                                       related_name="objections")
    text = models.TextField("异议内容", max_length=2000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)
    outcome = models.CharField("处理结果", max_length=12, choices=Outcome.choices, default=Outcome.OPEN)
    reason = models.TextField("处理理由", max_length=2000, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="处理人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "公示异议"
        verbose_name_plural = "公示异议"
        ordering = ["recorded_at", "pk"]

    def __str__(self):
        return f"{self.recommendation.declaration} 异议（{self.get_outcome_display()}）"


class CorrectionNotice(models.Model):
    """一次性告知 (004 四(三)): every item to correct at once, with a deadline in working days."""

    declaration = models.ForeignKey("declarations.Declaration", verbose_name="申报", on_delete=models.PROTECT,
                                    related_name="corrections")
    returned_from = models.CharField("退回环节", max_length=24)
    number = models.PositiveSmallIntegerField("本环节第几次退回")
    items = models.JSONField("补正事项")
    deadline = models.DateField("补正期限")
    comment = models.TextField("说明", blank=True)
    version_number = models.PositiveIntegerField("退回时的版本")
    returned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="退回人", on_delete=models.PROTECT,
                                    related_name="+")
    returned_at = models.DateTimeField("退回时间", auto_now_add=True)
    override_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="人社部门准许", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+",
                                    help_text="再次退回提出了与补正无关的事项时，须人社部门准许")
    resubmitted_at = models.DateTimeField("补正提交时间", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "退回补正（一次性告知）"
        verbose_name_plural = "退回补正（一次性告知）"
        ordering = ["declaration", "returned_at", "pk"]

    def __str__(self):
        return f"{self.declaration} 第 {self.number} 次退回（{self.returned_from}）"


class Decision(ImmutableModel):
    """Every step taken on a declaration: who, for which body, on which basis, from and to, why."""

    declaration = models.ForeignKey("declarations.Declaration", verbose_name="申报", on_delete=models.PROTECT,
                                    related_name="decisions")
    action = models.CharField("操作", max_length=24)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="办理人", null=True, on_delete=models.PROTECT,
                              related_name="+")
    body = models.ForeignKey("accounts.Organisation", verbose_name="作出决定的单位", null=True,
                             on_delete=models.PROTECT, related_name="+")
    basis = models.CharField("依据", max_length=300)
    from_state = models.CharField("原状态", max_length=24)
    to_state = models.CharField("新状态", max_length=24)
    comment = models.TextField("意见", blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "办理决定"
        verbose_name_plural = "办理决定"
        ordering = ["declaration", "created_at", "pk"]
        indexes = [models.Index(fields=["declaration", "created_at"])]

    def __str__(self):
        return f"{self.declaration} {self.action} {self.from_state}→{self.to_state}"


class LateStep(models.Model):
    """A step not done by its phase's end (002 二(二)4): the declaration stays behind at that step,
    and this row names the organisation whose step missed the deadline. Written once per
    declaration, step and phase by the deadline sweep; never changed."""

    declaration = models.ForeignKey("declarations.Declaration", verbose_name="申报", on_delete=models.PROTECT,
                                    related_name="late_steps")
    plan = models.ForeignKey("titles.ReviewPlan", verbose_name="评审方案", on_delete=models.PROTECT,
                             related_name="late_steps")
    organisation = models.ForeignKey("accounts.Organisation", verbose_name="未按期办理的单位",
                                     on_delete=models.PROTECT, related_name="late_steps")
    state = models.CharField("滞留环节", max_length=24)
    phase = models.CharField("方案阶段", max_length=32)
    deadline = models.DateField("截止日期")
    recorded_on = models.DateField("记录日期")

    class Meta:
        verbose_name = "逾期未推送记录"
        verbose_name_plural = "逾期未推送记录"
        ordering = ["plan", "organisation", "declaration"]
        constraints = [models.UniqueConstraint(fields=["declaration", "phase"], name="unique_late_step")]
        indexes = [models.Index(fields=["plan", "organisation"])]

    def __str__(self):
        return f"{self.organisation} 未按期推送 {self.declaration}（{self.phase} 截至 {self.deadline}）"
