"""National rulebook: the active national version plus the numbers and documents of the deadline sweeps
(reviews/deadlines): the day unfinished declarations of the previous year are terminated, how many
working days before a deadline the people who still have to act are reminded, and the documents the
sweeps' records cite. The version before is retired (never edited in place)."""

from django.db import migrations

ORDER_40 = "《职称评审管理暂行规定》（人力资源社会保障部令第40号）"
DEADLINE_CALENDAR = {"terminate_unfinished_on": [7, 31], "reminder_working_days": 3}
DEADLINE_CITATIONS = {
    "TERMINATE_UNFINISHED": "凯里市人社局 2023 年职称评审工作有关问题通知 五(三)（上一年度未完成的申报于次年 7 月 31 日终止，"
                            "8 月 1 日起开始新年度申报）",
    "PUSH_DEADLINE": "凯里市人社局 2023 年职称评审工作有关问题通知 二(二)4（未在规定时间内推送的材料滞留在本环节，"
                     "责任由该环节单位承担）",
    "DECLARATION_EXPIRED": f"{ORDER_40} 第三章 申报审核（在规定时间内申报）；年度评审工作方案的个人申报时间",
    "DEADLINE_REMINDER": "本平台到期提醒：截止日前若干个工作日提醒尚未办理的申报人、经办人和审核人（天数见规则库）",
}


def forwards(apps, schema_editor):
    RulebookVersion = apps.get_model("titles", "RulebookVersion")
    current = (RulebookVersion.objects.filter(region_code="", year=None, status="active").order_by("-version")
               .first())
    if current is None or all(key in (current.citations or {}) for key in DEADLINE_CITATIONS):
        return
    RulebookVersion.objects.create(
        name=current.name, region_code="", year=None, version=current.version + 1, status="active",
        eligibility=current.eligibility, calendar={**(current.calendar or {}), **DEADLINE_CALENDAR},
        materials=current.materials, citations={**(current.citations or {}), **DEADLINE_CITATIONS},
        source=f"{current.source}；到期处理与提醒的规则和依据",
    )
    RulebookVersion.objects.filter(pk=current.pk).update(status="retired")


def backwards(apps, schema_editor):
    RulebookVersion = apps.get_model("titles", "RulebookVersion")
    latest = RulebookVersion.objects.filter(region_code="", year=None).order_by("-version").first()
    if latest is not None and "TERMINATE_UNFINISHED" in (latest.citations or {}):
        latest.delete()
        previous = RulebookVersion.objects.filter(region_code="", year=None).order_by("-version").first()
        if previous is not None:
            RulebookVersion.objects.filter(pk=previous.pk).update(status="active")


class Migration(migrations.Migration):
    dependencies = [("titles", "0019_certificate_rules")]
    operations = [migrations.RunPython(forwards, backwards)]
