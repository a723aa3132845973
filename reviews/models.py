"""The review chain's records: material verification, post quotas, recommendations with their 公示
and objections, 一次性告知 returns, and every decision with the body and basis it rests on."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from config.choices import choice_display
from declarations.models import ImmutableModel
from titles.models import Level


class MaterialVerification(ImmutableModel):
    """谁审查、谁签字、谁负责 (002 二(二)3): a handler's verdict on one material, signed by the system."""

    _get_FIELD_display = choice_display  # the declaration's page shows each material's verdict (config/choices.py)

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
    """An objection (异议) raised during a 公示: the unit's (recorded and resolved by the employer admin)
    or the results' (filed by anyone on the public page with contact details, resolved by the bureau)."""

    _get_FIELD_display = choice_display  # the declaration's page shows each one's outcome (config/choices.py)

    class Stage(models.TextChoices):
        UNIT = "unit", "单位推荐公示"
        RESULTS = "results", "评审结果公示"

    class Outcome(models.TextChoices):
        OPEN = "open", "待处理"
        DISMISSED = "dismissed", "不成立"
        UPHELD = "upheld", "成立"

    stage = models.CharField("公示阶段", max_length=10, choices=Stage.choices, default=Stage.UNIT)
    recommendation = models.ForeignKey(Recommendation, verbose_name="推荐", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="objections")
    publication = models.ForeignKey("ResultPublication", verbose_name="评审结果公示", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="objections")
    declaration = models.ForeignKey("declarations.Declaration", verbose_name="被反映的申报", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="result_objections")
    text = models.TextField("异议内容", max_length=2000)
    contact_name = models.CharField("反映人姓名", max_length=50, blank=True)
    contact_phone = models.CharField("反映人电话", max_length=20, blank=True)
    contact_email = models.EmailField("反映人电子邮箱", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+",
                                    help_text="评审结果公示的异议由公众在线提交，无登记人")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)
    outcome = models.CharField("处理结果", max_length=12, choices=Outcome.choices, default=Outcome.OPEN)
    reason = models.TextField("处理理由", max_length=2000, blank=True)
    fraud = models.BooleanField("查实弄虚作假", default=False)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="处理人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "公示异议"
        verbose_name_plural = "公示异议"
        ordering = ["recorded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(stage="unit", recommendation__isnull=False)
                           | Q(stage="results", publication__isnull=False, declaration__isnull=False)),
                name="objection_belongs_to_its_publicity"),
        ]

    def __str__(self):
        declaration = self.declaration if self.stage == self.Stage.RESULTS else self.recommendation.declaration
        return f"{declaration} {self.get_stage_display()}异议（{self.get_outcome_display()}）"


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

    # no index of its own: (declaration, created_at) leads with it
    declaration = models.ForeignKey("declarations.Declaration", verbose_name="申报", on_delete=models.PROTECT,
                                    related_name="decisions", db_index=False)
    action = models.CharField("操作", max_length=24)
    # indexed only where given (``decision_actor_given``): the system's decisions (the sweeps') have none
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="办理人", null=True, on_delete=models.PROTECT,
                              related_name="+", db_index=False)
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
        indexes = [models.Index(fields=["declaration", "created_at"]),
                   models.Index(fields=["actor"], name="decision_actor_given", condition=models.Q(actor__isnull=False))]

    def __str__(self):
        return f"{self.declaration} {self.action} {self.from_state}→{self.to_state}"


# --- results: 公示, approval (任职资格), filing (备案) ----------------------------------------------


class ResultPublication(models.Model):
    """评审结果公示 (004 四(五)): the passed applicants of one meeting, published by the bureau on a public
    page for the rulebook's ``publicity_working_days`` working days (``starts_on`` … ``ends_on``)."""

    meeting = models.OneToOneField("committees.Meeting", verbose_name="评审会议", on_delete=models.PROTECT,
                                   related_name="result_publication")
    declarations = models.ManyToManyField("declarations.Declaration", verbose_name="公示的申报",
                                          related_name="result_publications")
    starts_on = models.DateField("公示开始")
    ends_on = models.DateField("公示结束")
    working_days = models.PositiveSmallIntegerField("公示工作日数")
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发布人", on_delete=models.PROTECT,
                                     related_name="+")
    published_at = models.DateTimeField("发布时间", auto_now_add=True)

    class Meta:
        verbose_name = "评审结果公示"
        verbose_name_plural = "评审结果公示"
        ordering = ["-starts_on", "-pk"]

    def __str__(self):
        return f"{self.meeting} 评审结果公示（{self.starts_on:%Y-%m-%d} 至 {self.ends_on:%Y-%m-%d}）"


class ResultApproval(models.Model):
    """The approval document (任职资格 审批): its number and date, which the certificates print, and the
    declarations it approved."""

    publication = models.ForeignKey(ResultPublication, verbose_name="评审结果公示", on_delete=models.PROTECT,
                                    related_name="approvals")
    document_number = models.CharField("审批文号", max_length=100)
    approved_on = models.DateField("审批日期")
    declarations = models.ManyToManyField("declarations.Declaration", verbose_name="审批通过的申报",
                                          related_name="result_approvals")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审批人", on_delete=models.PROTECT,
                                    related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "评审结果审批（任职资格）"
        verbose_name_plural = "评审结果审批（任职资格）"
        ordering = ["-approved_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["publication", "document_number"],
                                               name="one_approval_per_document")]

    def __str__(self):
        return f"{self.document_number}（{self.approved_on:%Y-%m-%d}）"


class ResultFiling(models.Model):
    """备案 (004 三, 000 三4): the approved results filed with the level above, with its number and date."""

    approval = models.OneToOneField(ResultApproval, verbose_name="审批", on_delete=models.PROTECT,
                                    related_name="filing")
    filed_with = models.CharField("备案机关", max_length=200)
    filing_number = models.CharField("备案编号", max_length=100)
    filed_on = models.DateField("备案日期")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                 related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "评审结果备案"
        verbose_name_plural = "评审结果备案"

    def __str__(self):
        return f"{self.approval} 备案 {self.filing_number}"
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
