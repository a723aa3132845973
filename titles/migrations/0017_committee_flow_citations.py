"""National rulebook version 6: version 5 plus the document the committee's verdict rests on (the
``pass_review`` and ``fail_review`` steps of ``declarations.flow``: the secret ballot of the review
committee, 人社部令第40号); version 5 is retired (never edited in place)."""

from django.db import migrations

ORDER_40 = "《职称评审管理暂行规定》（人力资源社会保障部令第40号）"
COMMITTEE_FLOW_CITATIONS = {
    "PROCEDURE_COMMITTEE": f"{ORDER_40} 第四章 组织评审（评审会议实行无记名投票表决，同意票数达到出席评审会议的评审专家总数"
                           "2/3以上的即为评审通过）",
}


def forwards(apps, schema_editor):
    RulebookVersion = apps.get_model("titles", "RulebookVersion")
    current = (RulebookVersion.objects.filter(region_code="", year=None, status="active").order_by("-version")
               .first())
    if current is None or all(key in (current.citations or {}) for key in COMMITTEE_FLOW_CITATIONS):
        return
    RulebookVersion.objects.create(
        name=current.name, region_code="", year=None, version=current.version + 1, status="active",
        eligibility=current.eligibility, calendar=current.calendar, materials=current.materials,
        citations={**(current.citations or {}), **COMMITTEE_FLOW_CITATIONS},
        source=f"{current.source}；评审委员会表决结果",
    )
    RulebookVersion.objects.filter(pk=current.pk).update(status="retired")


def backwards(apps, schema_editor):
    RulebookVersion = apps.get_model("titles", "RulebookVersion")
    latest = RulebookVersion.objects.filter(region_code="", year=None).order_by("-version").first()
    if latest is not None and "PROCEDURE_COMMITTEE" in (latest.citations or {}):
        latest.delete()
        previous = RulebookVersion.objects.filter(region_code="", year=None).order_by("-version").first()
        if previous is not None:
            RulebookVersion.objects.filter(pk=previous.pk).update(status="active")


class Migration(migrations.Migration):
    dependencies = [("titles", "0016_committee_rules")]
    operations = [migrations.RunPython(forwards, backwards)]
