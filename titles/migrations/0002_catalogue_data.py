"""The title catalogue: series, their title names per level, and specialties (editable in the admin)."""

from django.db import migrations

LEVELS = ("technician", "assistant", "intermediate", "associate_senior", "senior")

# series → title names for 员级, 助理级, 中级, 副高级, 正高级 (None: the series has no such level)
SERIES = {
    "工程": ("技术员", "助理工程师", "工程师", "高级工程师", "正高级工程师"),
    "中小学教师": ("三级教师", "二级教师", "一级教师", "高级教师", "正高级教师"),
    "高校教师": (None, "助教", "讲师", "副教授", "教授"),
    "卫生": ("医士", "医师", "主治医师", "副主任医师", "主任医师"),
    "农业": ("农业技术员", "助理农艺师", "农艺师", "高级农艺师", "正高级农艺师"),
    "经济": (None, "助理经济师", "经济师", "高级经济师", "正高级经济师"),
    "会计": (None, "助理会计师", "会计师", "高级会计师", "正高级会计师"),
    "工艺美术": ("工艺美术员", "助理工艺美术师", "工艺美术师", "高级工艺美术师", "正高级工艺美术师"),
    "新闻": (None, "助理记者", "记者", "主任记者", "高级记者"),
    "翻译": (None, "三级翻译", "二级翻译", "一级翻译", "译审"),
}

# series → specialties: (name, year added, source)
SPECIALTIES = {
    "工程": [("土木工程", None, ""), ("建筑工程", None, ""), ("机械工程", None, ""), ("电气工程", None, ""),
             ("电子与信息", None, ""), ("交通运输", None, ""), ("水利水电", None, ""), ("化工", None, ""),
             ("矿业工程", None, ""), ("环境保护", None, ""),
             ("快递", 2024, "000 二（长人社函〔2024〕188号）"), ("工艺美术", 2024, "000 二（长人社函〔2024〕188号）")],
    "中小学教师": [("小学", None, ""), ("初中", None, ""), ("高中", None, "")],
    "高校教师": [("教学为主型", None, ""), ("教学科研型", None, "")],
    "卫生": [("临床医学", None, ""), ("护理", None, ""), ("药学", None, ""), ("医学技术", None, ""),
             ("公共卫生", None, "")],
    "农业": [("农学", None, ""), ("畜牧兽医", None, ""), ("农业经济", None, "")],
    "经济": [("工商管理", None, ""), ("人力资源管理", None, ""), ("金融", None, ""), ("财政税收", None, "")],
    "会计": [("会计", None, "")],
    "工艺美术": [("工艺美术设计", None, ""), ("工艺美术制作", None, "")],
    "新闻": [("记者", None, ""), ("编辑", None, ""), ("播音主持", None, "")],
    "翻译": [("英语", None, ""), ("俄语", None, ""), ("日语", None, "")],
}


def load(apps, schema_editor):
    Series = apps.get_model("titles", "Series")
    TitleName = apps.get_model("titles", "TitleName")
    Specialty = apps.get_model("titles", "Specialty")
    for order, (name, titles) in enumerate(SERIES.items(), start=1):
        series, _ = Series.objects.get_or_create(name=name, defaults={"sort_order": order})
        for level, title in zip(LEVELS, titles, strict=True):
            if title:
                TitleName.objects.get_or_create(series=series, level=level, defaults={"name": title})
        for specialty, year, source in SPECIALTIES.get(name, []):
            Specialty.objects.get_or_create(series=series, name=specialty,
                                            defaults={"added_year": year, "source": source})


class Migration(migrations.Migration):
    dependencies = [("titles", "0001_catalogue")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
