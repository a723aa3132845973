"""National rulebook version 4: version 3 plus the documents the declaration flow's steps rest on
(``declarations.flow``: each transition's basis), so a decision cites the rulebook in force for its
plan's region instead of another city's notice; version 3 is retired (never edited in place)."""

from django.db import migrations

ORDER_40 = "《职称评审管理暂行规定》（人力资源社会保障部令第40号）"
FLOW_CITATIONS = {
    "PROCEDURE_DECLARATION": f"{ORDER_40} 第三章 申报审核（个人申报、诚信承诺）",
    "PROCEDURE_RECOMMENDATION": f"{ORDER_40} 第三章 申报审核（用人单位审核、推荐与公示）",
    "PROCEDURE_AUDIT": f"{ORDER_40} 第三章 申报审核（逐级审核）",
    "PROCEDURE_POLICY_REVIEW": f"{ORDER_40} 第三章 申报审核（人力资源社会保障部门审核）",
    "PROCEDURE_CORRECTION": f"{ORDER_40} 第三章 申报审核（一次性告知补正，逾期视为放弃申报）",
}


def forwards(apps, schema_editor):
    RulebookVersion = apps.get_model("titles", "RulebookVersion")
    current = (RulebookVersion.objects.filter(region_code="", year=None, status="active").order_by("-version")
               .first())
    if current is None or all(key in (current.citations or {}) for key in FLOW_CITATIONS):
        return
    RulebookVersion.objects.create(
        name=current.name, region_code="", year=None, version=current.version + 1, status="active",
        eligibility=current.eligibility, calendar=current.calendar, materials=current.materials,
        citations={**(current.citations or {}), **FLOW_CITATIONS},
        source=f"{current.source}；申报流程各环节的依据",
    )
    RulebookVersion.objects.filter(pk=current.pk).update(status="retired")


def backwards(apps, schema_editor):
    RulebookVersion = apps.get_model("titles", "RulebookVersion")
    latest = RulebookVersion.objects.filter(region_code="", year=None).order_by("-version").first()
    if latest is not None and "PROCEDURE_DECLARATION" in (latest.citations or {}):
        latest.delete()
        previous = RulebookVersion.objects.filter(region_code="", year=None).order_by("-version").first()
        if previous is not None:
            RulebookVersion.objects.filter(pk=previous.pk).update(status="active")


class Migration(migrations.Migration):
    dependencies = [("titles", "0014_rules_national_citations")]
    operations = [migrations.RunPython(forwards, backwards)]
