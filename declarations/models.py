"""The applicant's side: a profile kept across years, declarations, materials, pledges and versions.

Writes go through ``declarations/services.py``; reads through ``declarations/selectors.py``.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from accounts.models import AppendOnlyQuerySet
from config.choices import choice_display
from titles.models import Level

from .flow import State

DEGREES = [("secondary", "中专/高中"), ("associate", "专科"), ("bachelor", "本科"), ("master", "硕士研究生"),
           ("doctor", "博士研究生")]
RATINGS = [("excellent", "优秀"), ("qualified", "合格"), ("basically_qualified", "基本合格"),
           ("unqualified", "不合格"), ("undetermined", "不确定等次")]
ROUTES = [("regular", "正常申报"), ("exceptional", "破格申报"), ("green_channel", "绿色通道"),
          ("directed", "双定向"), ("transfer", "转评"), ("initial", "初定")]
SANCTIONS = [("fraud", "弄虚作假/学术不端"), ("party_warning", "党内警告"), ("party_serious_warning", "党内严重警告"),
             ("party_removal_from_post", "撤销党内职务"), ("party_probation", "留党察看"),
             ("party_expulsion", "开除党籍"), ("gov_demerit", "记过"), ("gov_major_demerit", "记大过"),
             ("gov_demotion_or_dismissal", "降级、撤职"), ("gov_expulsion", "开除")]
YEAR_VALIDATORS = [MinValueValidator(1950), MaxValueValidator(2100)]


class Profile(models.Model):
    """The applicant's facts, kept across years; each declaration snapshots them when submitted."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name="申报人", on_delete=models.CASCADE,
                                related_name="profile")
    in_service = models.BooleanField("在职在岗", default=True)
    career_start = models.DateField("参加工作时间", null=True, blank=True)
    post_series = models.ForeignKey("titles.Series", verbose_name="现岗位系列", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    post_name = models.CharField("现任岗位", max_length=100, blank=True)
    post_since = models.DateField("现岗位起始时间", null=True, blank=True)
    grassroots_since = models.DateField("在基层工作起始时间", null=True, blank=True,
                                        help_text="长期在县以下基层一线工作的，填写起始时间")
    county_health_edu_agri = models.BooleanField("县级及以下卫生、教育、农业单位", default=False)
    township_service_years = models.DecimalField("乡镇（基层）服务年限", max_digits=4, decimal_places=1, default=0,
                                                 validators=[MinValueValidator(0), MaxValueValidator(60)])
    updated_at = models.DateTimeField("最后保存", auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "申报人档案"
        verbose_name_plural = "申报人档案"

    def __str__(self):
        return f"{self.user} 的档案"


class Education(models.Model):
    profile = models.ForeignKey(Profile, verbose_name="档案", on_delete=models.CASCADE, related_name="education")
    degree = models.CharField("学历", max_length=16, choices=DEGREES)
    school = models.CharField("毕业院校", max_length=100, blank=True)
    major = models.CharField("所学专业", max_length=100, blank=True)
    obtained = models.DateField("毕业时间")
    full_time = models.BooleanField("全日制", default=True)
    related_to_specialty = models.BooleanField("与申报专业相关", default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "学历"
        verbose_name_plural = "学历"
        ordering = ["obtained", "pk"]

    def __str__(self):
        return f"{self.get_degree_display()} {self.school} {self.major}".strip()


class WorkPeriod(models.Model):
    profile = models.ForeignKey(Profile, verbose_name="档案", on_delete=models.CASCADE, related_name="work_history")
    employer_name = models.CharField("工作单位", max_length=200)
    post = models.CharField("岗位/职务", max_length=100, blank=True)
    start = models.DateField("起始时间")
    end = models.DateField("结束时间", null=True, blank=True, help_text="至今留空")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "工作经历"
        verbose_name_plural = "工作经历"
        ordering = ["start", "pk"]

    def __str__(self):
        return f"{self.employer_name} {self.post}".strip()


class HeldTitle(models.Model):
    profile = models.ForeignKey(Profile, verbose_name="档案", on_delete=models.CASCADE, related_name="titles")
    series = models.ForeignKey("titles.Series", verbose_name="系列", on_delete=models.PROTECT, related_name="+")
    specialty = models.CharField("专业", max_length=50, blank=True)
    level = models.CharField("层级", max_length=20, choices=Level.choices)
    obtained = models.DateField("取得时间")
    committee = models.CharField("评审（认定）机构", max_length=200, blank=True)
    directed = models.BooleanField("双定向职称", default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "已取得职称"
        verbose_name_plural = "已取得职称"
        ordering = ["obtained", "pk"]

    def __str__(self):
        return f"{self.series} {self.get_level_display()}（{self.obtained}）"


class Qualification(models.Model):
    profile = models.ForeignKey(Profile, verbose_name="档案", on_delete=models.CASCADE,
                                related_name="qualifications")
    name = models.CharField("职业资格", max_length=100, help_text="如 一级注册建造师")
    obtained = models.DateField("取得时间")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "职业资格"
        verbose_name_plural = "职业资格"
        ordering = ["obtained", "pk"]

    def __str__(self):
        return f"{self.name}（{self.obtained}）"


class Assessment(models.Model):
    profile = models.ForeignKey(Profile, verbose_name="档案", on_delete=models.CASCADE, related_name="assessments")
    year = models.PositiveSmallIntegerField("年度", validators=YEAR_VALIDATORS)
    rating = models.CharField("考核等次", max_length=24, choices=RATINGS)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "年度考核"
        verbose_name_plural = "年度考核"
        ordering = ["year"]
        constraints = [models.UniqueConstraint(fields=["profile", "year"], name="unique_assessment_year")]

    def __str__(self):
        return f"{self.year} 年 {self.get_rating_display()}"


class ContinuingEducation(models.Model):
    profile = models.ForeignKey(Profile, verbose_name="档案", on_delete=models.CASCADE,
                                related_name="continuing_education")
    year = models.PositiveSmallIntegerField("年度", validators=YEAR_VALIDATORS)
    total = models.PositiveSmallIntegerField("总学时", validators=[MaxValueValidator(2000)])
    professional = models.PositiveSmallIntegerField("专业科目学时", validators=[MaxValueValidator(2000)])
    history = HistoricalRecords()

    class Meta:
        verbose_name = "继续教育学时"
        verbose_name_plural = "继续教育学时"
        ordering = ["year"]
        constraints = [models.UniqueConstraint(fields=["profile", "year"], name="unique_ce_year")]

    def __str__(self):
        return f"{self.year} 年 {self.total} 学时（专业 {self.professional}）"


class Achievement(models.Model):
    class Kind(models.TextChoices):
        PAPER = "paper", "论文"
        PATENT = "patent", "专利"
        PROJECT = "project", "项目"
        STANDARD = "standard", "标准"
        REPORT = "report", "报告"
        WORK = "work", "著作/作品"
        AWARD = "award", "奖项"

    profile = models.ForeignKey(Profile, verbose_name="档案", on_delete=models.CASCADE, related_name="achievements")
    kind = models.CharField("类别", max_length=16, choices=Kind.choices)
    title = models.CharField("名称", max_length=300)
    date = models.DateField("时间")
    description = models.CharField("说明（本人角色、级别等）", max_length=500, blank=True)
    representative = models.BooleanField("代表作", default=False, help_text="代表性成果排在最前")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "业绩成果"
        verbose_name_plural = "业绩成果"
        ordering = ["-representative", "-date", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.title}"


class Sanction(models.Model):
    """A sanction or credit record, entered by staff, never by the applicant (002 三(三))."""

    profile = models.ForeignKey(Profile, verbose_name="档案", on_delete=models.CASCADE, related_name="sanctions")
    kind = models.CharField("处分类别", max_length=32, choices=SANCTIONS)
    date = models.DateField("处分时间")
    document = models.CharField("处分文件", max_length=200, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT,
                                   related_name="+")
    entered_at = models.DateTimeField("录入时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "处分及诚信记录"
        verbose_name_plural = "处分及诚信记录"
        ordering = ["date", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()}（{self.date}）"


class Declaration(models.Model):
    """One applicant's declaration for one published plan (FLOW.md); one per applicant per year."""

    _get_FIELD_display = choice_display  # its page shows its state, level and route (config/choices.py)

    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申报人", on_delete=models.PROTECT,
                                  related_name="declarations")
    # employer and plan: no index of their own, the indexes (employer, state) and (plan, state) lead with them
    employer = models.ForeignKey("accounts.Organisation", verbose_name="申报单位", on_delete=models.PROTECT,
                                 related_name="declarations", db_index=False)
    plan = models.ForeignKey("titles.ReviewPlan", verbose_name="评审方案", on_delete=models.PROTECT,
                             related_name="declarations", db_index=False)
    year = models.PositiveSmallIntegerField("年度")
    # series and specialty: no index (issue 20). Nothing looks declarations up by them alone: the queues filter
    # within an employer's or a plan's rows in the order of their own indexes. Each index cost every transition
    # an entry (the state is indexed, so no UPDATE is HOT): ≈ 1 s of the 07-31 sweep's 5 over 95,008 rows. A
    # catalogue entry is deleted seldom, and only when no declaration uses it (PROTECT): that check reads the table
    series = models.ForeignKey("titles.Series", verbose_name="系列", on_delete=models.PROTECT, related_name="+",
                               db_index=False)
    specialty = models.ForeignKey("titles.Specialty", verbose_name="专业", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+", db_index=False)
    level = models.CharField("申报层级", max_length=20, choices=Level.choices)
    route = models.CharField("申报渠道", max_length=16, choices=ROUTES, default="regular")
    green_channel_reference = models.CharField(
        "一事一议批准文号", max_length=200, blank=True, help_text="绿色通道须填写一事一议的批准文号")
    state = models.CharField("状态", max_length=24, choices=State.choices, default=State.DRAFT, editable=False)
    version = models.PositiveIntegerField("版本", default=0, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("最后保存", auto_now=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True, editable=False)
    # set by the deadline sweep once the plan's declaration window closed on a draft (已过申报期):
    # the draft stays a draft (submitting is refused by the window), it is only marked
    expired_on = models.DateField("已过申报期（日期）", null=True, blank=True, editable=False)
    # the history is read by the declaration's id only (the admin's history pages): its copies of the
    # foreign keys carry no index, which every write of a declaration would otherwise update
    history = HistoricalRecords(no_db_index=["applicant", "employer", "plan", "series", "specialty"])

    class Meta:
        verbose_name = "职称申报"
        verbose_name_plural = "职称申报"
        ordering = ["-year", "-pk"]
        constraints = [
            # one per applicant per year across series, withdrawn ones aside (001 三(五), 002 五(三))
            models.UniqueConstraint(fields=["applicant", "year"], condition=~Q(state="withdrawn"),
                                    name="one_declaration_per_applicant_per_year"),
        ]
        indexes = [
            models.Index(fields=["employer", "state"]), models.Index(fields=["plan", "state"]),
            # the reviewers' queue (declarations.selectors.review_queue): the latest submission first
            models.Index(fields=["-submitted_at", "-id"], name="declaration_queue",
                         condition=Q(submitted_at__isnull=False)),
            models.Index(fields=["employer", "-submitted_at", "-id"], name="declaration_employer_queue",
                         condition=Q(submitted_at__isnull=False)),
        ]

    def __str__(self):
        return f"{self.year} 年 {self.applicant} {self.series} {self.get_level_display()}"


class QueueCount(models.Model):
    """How many submitted declarations (``submitted_at`` set) an employer has in each state: the review
    queue's counts (``selectors.queue_counts``). Kept by the database itself: triggers on the declarations'
    table (migration 0006) add and subtract in the same transaction as every insert, update and delete,
    whoever writes (a transition, a sweep's set-based UPDATE, the admin, a bulk load), so a count is never
    stale and never ahead of what its reader may see. Never written by the application."""

    employer = models.ForeignKey("accounts.Organisation", verbose_name="申报单位", on_delete=models.DO_NOTHING,
                                 db_constraint=False, db_index=False, related_name="+")  # the unique key leads with it
    state = models.CharField("状态", max_length=24, choices=State.choices)
    n = models.IntegerField("已提交的申报数")

    class Meta:
        verbose_name = "审核队列计数"
        verbose_name_plural = "审核队列计数"
        constraints = [models.UniqueConstraint(fields=["employer", "state"], name="queue_count_per_employer_state")]

    def __str__(self):
        return f"{self.employer_id} {self.state} {self.n}"


class QueueTotal(models.Model):
    """How many submitted declarations the whole site has in each state: ``QueueCount`` summed over every
    employer, kept by the same triggers (migration 0008) in the same statement. The counts of a reviewer who
    sees every organisation (a province's bureau, the system admin) are these few rows, not the sum of one row
    per employer and state (``selectors.queue_counts``). Never written by the application."""

    state = models.CharField("状态", max_length=24, choices=State.choices, unique=True)
    n = models.IntegerField("已提交的申报数")

    class Meta:
        verbose_name = "审核队列总数"
        verbose_name_plural = "审核队列总数"

    def __str__(self):
        return f"{self.state} {self.n}"


class ExceptionalRecommender(models.Model):
    declaration = models.ForeignKey(Declaration, verbose_name="申报", on_delete=models.CASCADE,
                                    related_name="recommenders")
    name = models.CharField("推荐专家", max_length=50)
    level = models.CharField("推荐专家职称层级", max_length=20, choices=Level.choices)

    class Meta:
        verbose_name = "破格推荐专家"
        verbose_name_plural = "破格推荐专家"

    def __str__(self):
        return f"{self.name}（{self.get_level_display()}）"


def material_path(instance, filename):
    """Stored under a generated name; the original name is kept only as a cleaned display name."""
    extension = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    return f"materials/{instance.declaration_id}/{uuid.uuid4().hex}.{extension}"


class Material(models.Model):
    declaration = models.ForeignKey(Declaration, verbose_name="申报", on_delete=models.CASCADE,
                                    related_name="materials")
    kind = models.CharField("材料类别", max_length=40)
    file = models.FileField("文件", upload_to=material_path, max_length=200)
    display_name = models.CharField("文件名", max_length=120)
    content_type = models.CharField("文件类型", max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "申报材料"
        verbose_name_plural = "申报材料"
        ordering = ["declaration", "kind", "pk"]

    def __str__(self):
        return self.display_name


class ImmutableQuerySet(AppendOnlyQuerySet):
    log_name = "已提交的记录"


class ImmutableModel(models.Model):
    """Written once, never changed: the same protection as the event log (a trigger on PostgreSQL)."""

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("已提交的版本和承诺不可修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("已提交的版本和承诺不可删除")


class DeclarationVersion(ImmutableModel):
    """What was submitted: profile, declaration, materials' checksums, the verdict and its rulebook."""

    declaration = models.ForeignKey(Declaration, verbose_name="申报", on_delete=models.PROTECT,
                                    related_name="versions")
    number = models.PositiveIntegerField("版本号")
    action = models.CharField("操作", max_length=24)
    snapshot = models.JSONField("提交内容")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提交人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("提交时间", auto_now_add=True)

    class Meta:
        verbose_name = "申报版本"
        verbose_name_plural = "申报版本"
        ordering = ["declaration", "number"]
        constraints = [models.UniqueConstraint(fields=["declaration", "number"], name="unique_version_number")]

    def __str__(self):
        return f"{self.declaration} 第 {self.number} 版"


class Pledge(ImmutableModel):
    """诚信承诺 signed at submission (003 15): the text (versioned), who, when, from which address."""

    declaration = models.ForeignKey(Declaration, verbose_name="申报", on_delete=models.PROTECT,
                                    related_name="pledges")
    version_number = models.PositiveIntegerField("申报版本号")
    text_version = models.CharField("承诺书版本", max_length=20)
    text = models.TextField("承诺内容")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="承诺人", on_delete=models.PROTECT,
                                  related_name="+")
    signed_at = models.DateTimeField("承诺时间", auto_now_add=True)
    ip_address = models.GenericIPAddressField("IP 地址", null=True, blank=True)

    class Meta:
        verbose_name = "诚信承诺"
        verbose_name_plural = "诚信承诺"
        ordering = ["declaration", "signed_at"]

    def __str__(self):
        return f"{self.declaration} 诚信承诺（{self.text_version}）"
