from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from titles.validators import validate_accepted_date


class Committee(models.Model):
    """A review committee (评审委员会) as its filing (核准备案) records it: 组建单位, name, series and
    specialties, levels, scope, conditions, rules and office, with the filing's number and validity.

    Plans are published only for a committee whose filing is in force and covers them (``filing.py``).
    Expert pools, meetings and scoring join it in later issues (../shared/ROADMAP.md).
    """

    name = models.CharField("名称", max_length=200)
    organiser = models.ForeignKey("accounts.Organisation", verbose_name="组建单位", on_delete=models.PROTECT,
                                  related_name="organised_committees")
    office = models.ForeignKey("accounts.Organisation", verbose_name="办事机构", on_delete=models.PROTECT,
                               related_name="committees")
    series = models.ForeignKey("titles.Series", verbose_name="系列", on_delete=models.PROTECT,
                               help_text="评审委员会按系列组建，不得跨系列组建综合性评审委员会")
    specialties = models.ManyToManyField("titles.Specialty", verbose_name="评审专业", blank=True,
                                         help_text="留空表示该系列的全部专业")
    levels = models.JSONField("评审层级", default=list, help_text="可多选")
    scope = models.CharField("评审范围", max_length=200, blank=True)
    conditions = models.TextField("评审条件", blank=True, help_text="所执行的评价标准条件（文件名称、文号）")
    regulations = models.TextField("规章制度", blank=True)
    filing_number = models.CharField("核准备案文号", max_length=100, blank=True)
    filed_from = models.DateField("备案有效期自", null=True, blank=True, validators=[validate_accepted_date])
    filed_until = models.DateField("备案有效期至", null=True, blank=True, validators=[validate_accepted_date])
    is_active = models.BooleanField("启用", default=True)
    history = HistoricalRecords(m2m_fields=[specialties])

    class Meta:
        verbose_name = "评审委员会"
        verbose_name_plural = "评审委员会"
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        from titles.models import Level

        errors = {}
        if not isinstance(self.levels, list) or not self.levels or any(v not in Level.values for v in self.levels):
            errors["levels"] = f"请选择评审层级（{'、'.join(Level.labels)}）"
        if self.filed_from and self.filed_until and self.filed_from > self.filed_until:
            errors["filed_until"] = "备案有效期截止日期不得早于起始日期"
        if errors:
            raise ValidationError(errors)

    def filing(self):
        """The filing as the pure rule reads it (one query for the specialties unless prefetched)."""
        from ..filing import CommitteeFiling

        return CommitteeFiling(
            name=self.name, number=self.filing_number.strip(), valid_from=self.filed_from,
            valid_until=self.filed_until, series=self.series.name, active=self.is_active,
            specialties=frozenset(s.name for s in self.specialties.all()), levels=frozenset(self.levels or ()),
        )
