"""National rulebook: the active national version plus the document the results' steps rest on
(评审结果公示, 审批 and 备案: ``PROCEDURE_RESULTS``, cited by the flow's ``approve`` and ``overturn``); the
version before is retired (never edited in place). Numbered 0018 for the lead to renumber on merge."""

from django.db import migrations

ORDER_40 = "《职称评审管理暂行规定》（人力资源社会保障部令第40号）"
RESULTS_CITATIONS = {
    "PROCEDURE_RESULTS": f"{ORDER_40} 第四章 组织评审（评审结果公示不少于5个工作日，公示期间对通过人员的异议"
                         "按规定调查核实；公示无异议的，由职称评审委员会组建单位审核确认并备案）",
}


def forwards(apps, schema_editor):
    RulebookVersion = apps.get_model("titles", "RulebookVersion")
    current = (RulebookVersion.objects.filter(region_code="", year=None, status="active").order_by("-version")
               .first())
    if current is None or all(key in (current.citations or {}) for key in RESULTS_CITATIONS):
        return
    RulebookVersion.objects.create(
        name=current.name, region_code="", year=None, version=current.version + 1, status="active",
        eligibility=current.eligibility, calendar=current.calendar, materials=current.materials,
        citations={**(current.citations or {}), **RESULTS_CITATIONS},
        source=f"{current.source}；评审结果公示、审批与备案",
    )
    RulebookVersion.objects.filter(pk=current.pk).update(status="retired")


def backwards(apps, schema_editor):
    RulebookVersion = apps.get_model("titles", "RulebookVersion")
    latest = RulebookVersion.objects.filter(region_code="", year=None).order_by("-version").first()
    if latest is not None and "PROCEDURE_RESULTS" in (latest.citations or {}):
        latest.delete()
        previous = RulebookVersion.objects.filter(region_code="", year=None).order_by("-version").first()
        if previous is not None:
            RulebookVersion.objects.filter(pk=previous.pk).update(status="active")


class Migration(migrations.Migration):
    dependencies = [("titles", "0017_committee_flow_citations")]
    operations = [migrations.RunPython(forwards, backwards)]
