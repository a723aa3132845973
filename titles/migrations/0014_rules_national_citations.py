"""National rulebook version 3: version 2 plus the documents its rules cite (rule code → national
document), so that no page shows an internal code; version 2 is retired (an active version is never
edited in place). The specialties added by a city's notice cite that notice by its number.
"""

from django.db import migrations

ORDER_40 = "《职称评审管理暂行规定》（人力资源社会保障部令第40号）"
REFORM = "《关于深化职称制度改革的意见》（中办发〔2016〕77号）"
CONTINUING = "《专业技术人员继续教育规定》（人力资源社会保障部令第25号）"
STANDARDS = "国家各系列（专业）职称评价基本标准条件"
LOCAL = "各地年度职称评审工作通知（全国默认值）"

CITATIONS = {
    "EXAM_ONLY": f"{REFORM}：以考代评；国家各系列职称制度改革指导意见（初级、中级实行全国统一考试）",
    "IN_SERVICE": f"{ORDER_40} 第三章 申报审核",
    "ONE_PER_YEAR": f"{ORDER_40} 第三章 申报审核",
    "BAN": f"{ORDER_40} 第七章 法律责任",
    "ASSESSMENT_RECENT": f"{ORDER_40} 第三章 申报审核",
    "INITIAL_CUTOFF": LOCAL,
    "EDUCATION": STANDARDS,
    "EXCEPTIONAL_EXCELLENT": f"{REFORM}：破格申报；{STANDARDS}",
    "EXCEPTIONAL_RECOMMENDERS": f"{REFORM}：破格申报；{STANDARDS}",
    "DIRECTED_BASIS": "国家关于县以下基层专业技术人员职称“定向评价、定向使用”的规定",
    "TRANSFER_FIRST": f"{ORDER_40} 第三章 申报审核（转评）",
    "TRANSFER": f"{ORDER_40} 第三章 申报审核（转评）",
    "TENURE": STANDARDS,
    "SPECIALTY_MISMATCH": STANDARDS,
    "TOWNSHIP_SERVICE": f"{REFORM}：向基层一线倾斜",
    "CONTINUING_EDUCATION": f"{CONTINUING} 第八条",
    "PHASE_KIND": f"{ORDER_40} 第三章 申报审核、第四章 组织评审",
    "PHASE_DUPLICATE": f"{ORDER_40} 第三章 申报审核、第四章 组织评审",
    "PHASE_REQUIRED": f"{ORDER_40} 第三章 申报审核、第四章 组织评审",
    "PHASE_DATES": f"{ORDER_40} 第三章 申报审核、第四章 组织评审",
    "PHASE_ORDER": f"{ORDER_40} 第三章 申报审核、第四章 组织评审",
    "SEQUENCE": f"{ORDER_40} 第四章 组织评审",
    "NO_CROSS_YEAR": LOCAL,
    "NOTICE_PERIOD": LOCAL,
    "MEETINGS_END": LOCAL,
    "RESULTS_END": LOCAL,
    "INITIAL_END": LOCAL,
    "PUBLICITY_LENGTH": f"{ORDER_40} 第四章 组织评审",
    "COMMITTEE_FILING": f"{ORDER_40} 第二章 职称评审委员会",
}
SOURCE = "专业技术人员职称评价基本标准（工程系列）；国家默认规则库"


def forwards(apps, schema_editor):
    RulebookVersion = apps.get_model("titles", "RulebookVersion")
    Specialty = apps.get_model("titles", "Specialty")
    Specialty.objects.filter(source__startswith="000 二").update(source="长人社函〔2024〕188号 二")
    current = (RulebookVersion.objects.filter(region_code="", year=None, status="active").order_by("-version")
               .first())
    if current is None or current.citations:
        return
    RulebookVersion.objects.create(
        name=current.name, region_code="", year=None, version=current.version + 1, status="active",
        eligibility=current.eligibility, calendar=current.calendar, materials=current.materials,
        citations=CITATIONS, source=SOURCE,
    )
    RulebookVersion.objects.filter(pk=current.pk).update(status="retired")


def backwards(apps, schema_editor):
    RulebookVersion = apps.get_model("titles", "RulebookVersion")
    latest = RulebookVersion.objects.filter(region_code="", year=None).order_by("-version").first()
    if latest is not None and latest.citations == CITATIONS:
        latest.delete()
        previous = RulebookVersion.objects.filter(region_code="", year=None).order_by("-version").first()
        if previous is not None:
            RulebookVersion.objects.filter(pk=previous.pk).update(status="active")


class Migration(migrations.Migration):
    dependencies = [("titles", "0013_rules_citations")]
    operations = [migrations.RunPython(forwards, backwards)]
