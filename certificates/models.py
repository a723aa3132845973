"""Electronic title certificates (职称电子证书) and their gap-free numbering.

A certificate is numbered ``<year>-<region>-<committee code>-<sequence>``, e.g. ``2026-140400-0007-000123``:
the review year of the declaration, the 行政区划代码 of the HR bureau that issued the plan, the committee
code (the committee's id on this platform, zero-padded to 4 digits: stable, unique, needs no new field on
the committee's filing) and a sequence per (year, region, committee) taken from ``CertificateCounter``
under a row lock in the transaction that creates the certificate, so numbers have no gap and no twin.
Paper-era certificates imported from a CSV (``import_certificates``) keep their own numbers.
"""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from titles.models import Level

# Unambiguous characters only (no 0/O, 1/I/L): read off paper and typed by hand.
VERIFICATION_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
VERIFICATION_CODE_LENGTH = 8


def certificate_path(instance, filename):
    return f"certificates/{instance.year}/{instance.number}.pdf"


class CertificateCounter(models.Model):
    """The last sequence number issued per (year, region, committee); locked while a number is taken."""

    year = models.PositiveSmallIntegerField("年度")
    region_code = models.CharField("行政区划代码", max_length=12)
    committee_code = models.CharField("评委会代码", max_length=12)
    last = models.PositiveIntegerField("已用至", default=0)

    class Meta:
        verbose_name = "证书编号计数器"
        verbose_name_plural = "证书编号计数器"
        constraints = [models.UniqueConstraint(fields=["year", "region_code", "committee_code"],
                                               name="unique_certificate_counter")]

    def __str__(self):
        return f"{self.year}-{self.region_code}-{self.committee_code}：{self.last}"


class Certificate(models.Model):
    class Status(models.TextChoices):
        VALID = "valid", "有效"
        REVOKED = "revoked", "已撤销"

    class Origin(models.TextChoices):
        ISSUED = "issued", "本平台核发"
        HISTORICAL = "historical", "历史证书（纸质证书电子化）"

    class RevocationReason(models.TextChoices):
        FRAUD = "fraud", "弄虚作假、学术不端取得"
        INELIGIBLE = "ineligible", "不符合申报条件"
        PROCEDURE = "procedure", "评审程序违规"
        OTHER = "other", "其他"

    number = models.CharField("证书编号", max_length=40, unique=True)
    verification_code = models.CharField("验证码", max_length=16)
    origin = models.CharField("来源", max_length=16, choices=Origin.choices, default=Origin.ISSUED)
    declaration = models.OneToOneField("declarations.Declaration", verbose_name="申报", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="certificate")
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="持证人账号", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="certificates")
    employer = models.ForeignKey("accounts.Organisation", verbose_name="申报单位", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="certificates")
    # the holder and the title as issued (a snapshot: later changes of the profile do not alter it)
    holder_name = models.CharField("持证人姓名", max_length=50)
    holder_id_masked = models.CharField("身份证号码（脱敏）", max_length=18, blank=True)
    series_name = models.CharField("系列", max_length=50)
    specialty_name = models.CharField("专业", max_length=50, blank=True)
    level = models.CharField("层级", max_length=20, choices=Level.choices)
    title_name = models.CharField("职称名称", max_length=50)
    committee = models.ForeignKey("committees.Committee", verbose_name="评审委员会", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="certificates")
    committee_name = models.CharField("评审委员会名称", max_length=200)
    approval_document = models.CharField("审批文号", max_length=100)
    approved_on = models.DateField("审批日期")
    scope = models.CharField("适用范围", max_length=300, blank=True,
                             help_text="定向评价、定向使用或基层副高级职称：证书有效的范围")
    year = models.PositiveSmallIntegerField("年度")
    region_code = models.CharField("行政区划代码", max_length=12)
    committee_code = models.CharField("评委会代码", max_length=12, blank=True)
    sequence = models.PositiveIntegerField("序号", null=True, blank=True)
    issued_at = models.DateTimeField("发证时间")
    pdf = models.FileField("证书文件", upload_to=certificate_path, max_length=200, blank=True)
    sha256 = models.CharField("文件 SHA-256", max_length=64, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.VALID)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revocation_reason = models.CharField("撤销原因类别", max_length=16, choices=RevocationReason.choices,
                                         blank=True)
    revocation_text = models.TextField("撤销说明", blank=True)
    revocation_basis = models.CharField("撤销依据", max_length=300, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="撤销人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "职称电子证书"
        verbose_name_plural = "职称电子证书"
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["year", "region_code", "committee_code", "sequence"],
                                    condition=models.Q(origin="issued"), name="unique_certificate_sequence"),
        ]
        indexes = [models.Index(fields=["holder", "status"]), models.Index(fields=["employer", "status"]),
                   models.Index(fields=["region_code", "status"])]

    def __str__(self):
        return f"{self.number} {self.holder_name} {self.title_name}"

    @property
    def is_valid(self) -> bool:
        return self.status == self.Status.VALID
