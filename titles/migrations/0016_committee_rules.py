"""National rulebook version 5: version 4 plus the numbers of review committees at work, from
《职称评审管理暂行规定》（人社部令第40号）, written into the calendar so a bureau sees and may overlay them
(odd size; senior committees by series ≥ 25 experts, by specialty ≥ 11; quorum 2/3; a ballot passes
with 2/3 of the attending experts), each with its citation; version 4 is retired (never edited in place)."""

from django.db import migrations

ORDER_40 = "《职称评审管理暂行规定》（人力资源社会保障部令第40号）"
COMMITTEE_NUMBERS = {
    "committee_size_odd": True,
    "senior_min_members_by_series": 25,
    "senior_min_members_by_specialty": 11,
    "quorum_numerator": 2,
    "quorum_denominator": 3,
    "ballot_pass_numerator": 2,
    "ballot_pass_denominator": 3,
}
COMMITTEE_CITATIONS = {
    "COMMITTEE_SIZE_ODD": f"{ORDER_40} 第二章 职称评审委员会（组成人员应当是单数）",
    "COMMITTEE_MIN_SERIES": f"{ORDER_40} 第二章 职称评审委员会（按照系列组建的高级职称评审委员会评审专家不少于25人）",
    "COMMITTEE_MIN_SPECIALTY": f"{ORDER_40} 第二章 职称评审委员会（按照专业组建的高级职称评审委员会评审专家不少于11人）",
    "MEETING_QUORUM": f"{ORDER_40} 第四章 组织评审（出席评审会议的专家人数不少于职称评审委员会人数的2/3）",
    "BALLOT_PASS": f"{ORDER_40} 第四章 组织评审（无记名投票，同意票数达到出席评审会议的评审专家总数2/3以上的即为评审通过）",
    "EXPERT_DRAW": f"{ORDER_40} 第二章 职称评审委员会（从评审专家库内随机抽取评审专家）；回避制度（与评审对象有利害关系的评审专家应当回避）",
}


def forwards(apps, schema_editor):
    RulebookVersion = apps.get_model("titles", "RulebookVersion")
    current = (RulebookVersion.objects.filter(region_code="", year=None, status="active").order_by("-version")
               .first())
    if current is None or all(key in (current.citations or {}) for key in COMMITTEE_CITATIONS):
        return
    RulebookVersion.objects.create(
        name=current.name, region_code="", year=None, version=current.version + 1, status="active",
        eligibility=current.eligibility, calendar={**(current.calendar or {}), **COMMITTEE_NUMBERS},
        materials=current.materials, citations={**(current.citations or {}), **COMMITTEE_CITATIONS},
        source=f"{current.source}；评审委员会组成与评审会议表决",
    )
    RulebookVersion.objects.filter(pk=current.pk).update(status="retired")


def backwards(apps, schema_editor):
    RulebookVersion = apps.get_model("titles", "RulebookVersion")
    latest = RulebookVersion.objects.filter(region_code="", year=None).order_by("-version").first()
    if latest is not None and "COMMITTEE_SIZE_ODD" in (latest.citations or {}):
        latest.delete()
        previous = RulebookVersion.objects.filter(region_code="", year=None).order_by("-version").first()
        if previous is not None:
            RulebookVersion.objects.filter(pk=previous.pk).update(status="active")


class Migration(migrations.Migration):
    dependencies = [("titles", "0015_flow_citations")]
    operations = [migrations.RunPython(forwards, backwards)]
