"""National rulebook: the active national version plus the certificates' and credit records' rules: how long a
credit record (诚信档案) stays on record (``calendar.credit_record_years``, 3 years) and the documents
behind e-certificates, their scope, revocation and credit records; the version before is retired (never edited
in place)."""

from django.db import migrations

ORDER_40 = "《职称评审管理暂行规定》（人力资源社会保障部令第40号）"
CALENDAR = {"credit_record_years": 3}
CERTIFICATE_CITATIONS = {
    "CERT_EQUAL_TO_PAPER": f"{ORDER_40} 第五章 评审服务（职称证书）；各地全面推行职称电子证书，电子证书与纸质证书具有同等效力",
    "CERT_DIRECT_APPOINTMENT": "黔东南人社局通〔2017〕180号：直接聘任到初级专业技术职务的，不发放专业技术职务任职资格证书"
                               "（凯里市人社局 2023 年职称评审工作有关问题通知 一（六）1）",
    "CERT_DIRECTED_SCOPE": "国家关于县以下基层专业技术人员职称“定向评价、定向使用”的规定：基层有效的任职资格证书",
    "CERT_GRASSROOTS_SCOPE": "基层事业单位副高级职称评审认定的规定：只在基层事业单位有效，不作为晋升正高级职称的依据",
    "CERT_REVOCATION": f"{ORDER_40} 第七章 法律责任（通过弄虚作假等不正当手段取得职称的，撤销其职称）",
    "CREDIT_RECORD": f"{ORDER_40} 第七章 法律责任（记入职称评审诚信档案库，记录期限为3年）",
}


def forwards(apps, schema_editor):
    RulebookVersion = apps.get_model("titles", "RulebookVersion")
    current = (RulebookVersion.objects.filter(region_code="", year=None, status="active").order_by("-version")
               .first())
    if current is None or all(key in (current.citations or {}) for key in CERTIFICATE_CITATIONS):
        return
    RulebookVersion.objects.create(
        name=current.name, region_code="", year=None, version=current.version + 1, status="active",
        eligibility=current.eligibility, calendar={**(current.calendar or {}), **CALENDAR},
        materials=current.materials, citations={**(current.citations or {}), **CERTIFICATE_CITATIONS},
        source=f"{current.source}；电子证书与诚信档案的依据"[:200],
    )
    RulebookVersion.objects.filter(pk=current.pk).update(status="retired")


def backwards(apps, schema_editor):
    RulebookVersion = apps.get_model("titles", "RulebookVersion")
    latest = RulebookVersion.objects.filter(region_code="", year=None).order_by("-version").first()
    if latest is not None and "CREDIT_RECORD" in (latest.citations or {}):
        latest.delete()
        previous = RulebookVersion.objects.filter(region_code="", year=None).order_by("-version").first()
        if previous is not None:
            RulebookVersion.objects.filter(pk=previous.pk).update(status="active")


class Migration(migrations.Migration):
    dependencies = [("titles", "0018_results_citations")]
    operations = [migrations.RunPython(forwards, backwards)]
