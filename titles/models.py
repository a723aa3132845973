from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from .plan_rules import PHASES
from .validators import validate_accepted_date, validate_accepted_year


class Level(models.TextChoices):
    """The five levels; the values are the eligibility contract's enumeration."""

    TECHNICIAN = "technician", "员级"
    ASSISTANT = "assistant", "助理级"
    INTERMEDIATE = "intermediate", "中级"
    ASSOCIATE_SENIOR = "associate_senior", "副高级"
    SENIOR = "senior", "正高级"


LEVEL_ORDER = {value: index for index, value in enumerate(Level.values)}


class Series(models.Model):
    """A title series (职称系列), e.g. 工程."""

    name = models.CharField("系列", max_length=50, unique=True, help_text="简称，如 工程、卫生（申报条件规则使用）")
    full_name = models.CharField("系列全称", max_length=50, blank=True, help_text="如 工程技术人员")
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "职称系列"
        verbose_name_plural = "职称系列"
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class SpecialtyManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().select_related("series")  # __str__ names the series


class Specialty(models.Model):
    series = models.ForeignKey(Series, verbose_name="系列", on_delete=models.PROTECT, related_name="specialties")
    name = models.CharField("专业", max_length=50)
    added_year = models.PositiveSmallIntegerField("增设年度", null=True, blank=True,
                                                  validators=[validate_accepted_year])
    source = models.CharField("依据", max_length=100, blank=True)
    is_active = models.BooleanField("启用", default=True)
    history = HistoricalRecords()

    objects = SpecialtyManager()

    class Meta:
        verbose_name = "专业"
        verbose_name_plural = "专业"
        ordering = ["series", "name"]
        constraints = [models.UniqueConstraint(fields=["series", "name"], name="unique_specialty_per_series")]

    def __str__(self):
        return f"{self.series.name} · {self.name}"


class TitleName(models.Model):
    """The name a series gives a level, e.g. 工程 · 中级 → 工程师; a specialty whose name differs has
    its own row (卫生 · 护理 · 中级 → 主管护师), the row without a specialty serves the others."""

    series = models.ForeignKey(Series, verbose_name="系列", on_delete=models.PROTECT, related_name="title_names")
    specialty = models.ForeignKey("Specialty", verbose_name="专业", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="title_names", help_text="留空表示该系列各专业通用的名称")
    level = models.CharField("层级", max_length=20, choices=Level.choices)
    name = models.CharField("职称名称", max_length=50)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "职称名称"
        verbose_name_plural = "职称名称"
        ordering = ["series", "specialty", "level"]
        constraints = [models.UniqueConstraint(fields=["series", "level", "specialty"], name="unique_title_name",
                                               nulls_distinct=False)]

    def __str__(self):
        return self.name

    def clean(self):
        if self.specialty_id and self.series_id and self.specialty.series_id != self.series_id:
            raise ValidationError({"specialty": "该专业不属于所选系列"})


class RulebookVersion(models.Model):
    """One layer of numbers for the eligibility engine and the plan calendar.

    Layers overlay in this order: national for every year, national for the year, the region for
    every year, the region for the year; in each, the highest active version counts. The national
    layer holds the whole default rulebook (loaded by a migration); the others hold only what differs.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        ACTIVE = "active", "生效"
        RETIRED = "retired", "停用"

    name = models.CharField("名称", max_length=100)
    region_code = models.CharField("行政区划代码", max_length=12, blank=True, help_text="留空表示全国")
    year = models.PositiveSmallIntegerField("适用年度", null=True, blank=True, help_text="留空表示各年度",
                                            validators=[validate_accepted_year])
    version = models.PositiveIntegerField("版本号", default=1)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    eligibility = models.JSONField("申报条件参数", default=dict, blank=True)
    calendar = models.JSONField("评审日历参数", default=dict, blank=True)
    materials = models.JSONField("申报材料目录", default=dict, blank=True,
                                 help_text="按系列列出材料：{\"工程\": {\"代码\": {\"label\": …, \"required\": true}}}")
    source = models.CharField("依据文件", max_length=200, blank=True)
    citations = models.JSONField("规则依据", default=dict, blank=True,
                                 help_text="规则代码 → 该层级据以确定该规则的文件（名称、文号、条款），"
                                           "如 {\"MEETINGS_END\": \"长人社函〔2024〕188号 三、1\"}；未列出的沿用上一层级")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "规则库版本"
        verbose_name_plural = "规则库版本"
        ordering = ["region_code", "year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["region_code", "year", "version"], name="unique_rulebook_version",
                                    nulls_distinct=False),
        ]

    def __str__(self):
        scope = self.region_code or "全国"
        return f"{self.name}（{scope} · {self.year or '各年度'} · 第 {self.version} 版）"

    def clean(self):
        from .documents import validate_citations
        from .eligibility import DEFAULT_RULEBOOK, Rulebook
        from .plan_rules import DEFAULT_PLAN_RULES, PlanRules

        errors = {}
        for field, loader, base in (("eligibility", Rulebook, DEFAULT_RULEBOOK),
                                    ("calendar", PlanRules, DEFAULT_PLAN_RULES)):
            try:
                loader.from_dict(getattr(self, field) or {}, base=base)
            except (ValueError, TypeError, KeyError) as exc:
                errors[field] = str(exc)
        try:
            validate_citations(self.citations or {})
        except ValueError as exc:
            errors["citations"] = str(exc)
        from .material_rules import DEFAULT_MATERIAL_RULES, overlay_material_rules

        try:
            overlay_material_rules(DEFAULT_MATERIAL_RULES, self.materials or {})
        except ValueError as exc:
            errors["materials"] = str(exc)
        if errors:
            raise ValidationError(errors)


class WorkingDaySchedule(models.Model):
    """The bureau's holiday schedule for one year (statutory holidays and 调休 make-up days)."""

    year = models.PositiveSmallIntegerField("年度", unique=True, validators=[validate_accepted_year])
    holidays = models.JSONField("法定节假日", default=list, help_text="日期列表，如 [\"2027-01-01\"]")
    workdays = models.JSONField("调休上班日（周末）", default=list, blank=True)
    source = models.CharField("依据", max_length=200, blank=True, help_text="如 国务院办公厅关于 2027 年部分节假日安排的通知")
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "节假日安排"
        verbose_name_plural = "节假日安排"
        ordering = ["-year"]

    def __str__(self):
        return f"{self.year} 年节假日安排"

    def as_schedule(self):
        from .workdays import parse_schedule

        return parse_schedule(self.year, self.holidays, self.workdays)

    def clean(self):
        from .workdays import ScheduleInvalid

        try:
            schedule = self.as_schedule()
        except ScheduleInvalid as exc:
            raise ValidationError({exc.field if exc.field != "year" else "year": str(exc)}) from exc
        self.holidays = sorted(d.isoformat() for d in schedule.holidays)
        self.workdays = sorted(d.isoformat() for d in schedule.workdays)


class ReviewPlan(models.Model):
    """An annual review plan (年度评审工作方案) for one committee: its phases, drafted then published.

    A published plan changes only through ``services.amend_plan``, which records a ``PlanAmendment``.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"

    year = models.PositiveSmallIntegerField("年度", validators=[validate_accepted_year])
    name = models.CharField("方案名称", max_length=200)
    organisation = models.ForeignKey("accounts.Organisation", verbose_name="发布单位", on_delete=models.PROTECT,
                                     related_name="review_plans")
    committee = models.ForeignKey("committees.Committee", verbose_name="评审委员会", on_delete=models.PROTECT,
                                  related_name="plans")
    series = models.ForeignKey(Series, verbose_name="系列", on_delete=models.PROTECT)
    specialties = models.ManyToManyField(Specialty, verbose_name="专业", blank=True)
    levels = models.JSONField("层级", default=list, help_text="如 [\"intermediate\"]")
    document_number = models.CharField("文号", max_length=100, blank=True)
    issued_on = models.DateField("印发日期", null=True, blank=True, validators=[validate_accepted_date])
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT, editable=False)
    published_at = models.DateTimeField("发布时间", null=True, blank=True, editable=False)
    document = models.FileField("方案文本（PDF）", upload_to="plans/", blank=True, editable=False,
                                help_text="发布或修订后由后台任务生成")
    history = HistoricalRecords(m2m_fields=[specialties])

    class Meta:
        verbose_name = "年度评审工作方案"
        verbose_name_plural = "年度评审工作方案"
        ordering = ["-year", "name"]
        # the list's order (selectors.visible_plans): a page is read from the index, not sorted from every plan
        indexes = [models.Index(fields=["-year", "name", "id"], name="plan_list_order")]

    def __str__(self):
        return f"{self.year} 年 {self.name}"


class PlanPhase(models.Model):
    plan = models.ForeignKey(ReviewPlan, verbose_name="方案", on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField("阶段", max_length=32, choices=PHASES)
    start = models.DateField("开始日期", validators=[validate_accepted_date])
    end = models.DateField("结束日期", validators=[validate_accepted_date])
    history = HistoricalRecords()

    class Meta:
        verbose_name = "方案阶段"
        verbose_name_plural = "方案阶段"
        ordering = ["start", "pk"]
        constraints = [models.UniqueConstraint(fields=["plan", "kind"], name="unique_phase_per_plan")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.start}～{self.end}"


class PlanAmendment(models.Model):
    """A recorded change to a published plan: what it was, what it became, who and why."""

    plan = models.ForeignKey(ReviewPlan, verbose_name="方案", on_delete=models.PROTECT, related_name="amendments")
    number = models.PositiveSmallIntegerField("修订序号")
    reason = models.TextField("修订理由")
    before = models.JSONField("修订前")
    after = models.JSONField("修订后")
    actor = models.ForeignKey("accounts.User", verbose_name="修订人", null=True, on_delete=models.PROTECT,
                              related_name="+")
    created_at = models.DateTimeField("修订时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "方案修订记录"
        verbose_name_plural = "方案修订记录"
        ordering = ["plan", "number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="unique_amendment_number")]

    def __str__(self):
        return f"{self.plan} 第 {self.number} 次修订"
