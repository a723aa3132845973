"""National rulebook version 2: version 1 plus the exam-only (以考代评) series and levels.

Seed 003 2: 经济、会计、统计、审计、卫生、出版、翻译 titles at 员级、助理级、中级 come from the national
exam, not from review (ELIGIBILITY.md, rule EXAM_ONLY). An active version is never edited in place:
version 2 is a copy of version 1 with the new table, and version 1 is retired.
"""

from django.db import migrations

EXAM_ONLY = {
    series: ["technician", "assistant", "intermediate"]
    for series in ("经济", "会计", "统计", "审计", "卫生", "出版", "翻译")
}


def forwards(apps, schema_editor):
    RulebookVersion = apps.get_model("titles", "RulebookVersion")
    v1 = RulebookVersion.objects.filter(region_code="", year=None, version=1).first()
    if v1 is None or RulebookVersion.objects.filter(region_code="", year=None, version=2).exists():
        return
    eligibility = {**v1.eligibility, "exam_only": EXAM_ONLY}
    RulebookVersion.objects.create(
        name=v1.name, region_code="", year=None, version=2, status="active", eligibility=eligibility,
        calendar=v1.calendar, source=f"{v1.source}；以考代评：河北省《关于进一步做好职称评审工作的实施意见》（促进职称与专业技术类职业资格有机衔接）",
    )
    RulebookVersion.objects.filter(pk=v1.pk).update(status="retired")


def backwards(apps, schema_editor):
    RulebookVersion = apps.get_model("titles", "RulebookVersion")
    RulebookVersion.objects.filter(region_code="", year=None, version=2).delete()
    RulebookVersion.objects.filter(region_code="", year=None, version=1).update(status="active")


class Migration(migrations.Migration):
    dependencies = [("titles", "0006_amendment_history")]
    operations = [migrations.RunPython(forwards, backwards)]
