from django.db import models
from simple_history.models import HistoricalRecords

from titles.validators import validate_accepted_date


class Committee(models.Model):
    """A review committee (评审委员会), filed (核准备案) with the HR department (001 二, 003 6).

    Expert pools, meetings and scoring join it in later issues (../shared/ROADMAP.md).
    """

    name = models.CharField("名称", max_length=200)
    organiser = models.ForeignKey("accounts.Organisation", verbose_name="组建单位", on_delete=models.PROTECT,
                                  related_name="organised_committees")
    office = models.ForeignKey("accounts.Organisation", verbose_name="办事机构", on_delete=models.PROTECT,
                               related_name="committees")
    series = models.ForeignKey("titles.Series", verbose_name="系列", on_delete=models.PROTECT)
    levels = models.JSONField("评审层级", default=list, help_text="如 [\"intermediate\"]")
    scope = models.CharField("评审范围", max_length=200, blank=True)
    filing_number = models.CharField("核准备案文号", max_length=100, blank=True)
    filed_until = models.DateField("备案有效期至", null=True, blank=True, validators=[validate_accepted_date])
    is_active = models.BooleanField("启用", default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "评审委员会"
        verbose_name_plural = "评审委员会"
        ordering = ["name"]

    def __str__(self):
        return self.name
