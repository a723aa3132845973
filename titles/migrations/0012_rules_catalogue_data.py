"""The national catalogue: the 27 title series with their official names, the title names of their
levels, the specialties whose title names differ (卫生's 医/药/护/技 lines, 农业's 农艺/畜牧/兽医, 新闻's
记者/编辑 …), and 工艺美术 as a series of its own (its committee is formed under the 工艺美术 association,
not under 工程). Short names stay those the eligibility rules use (工程, 卫生, 农业, 经济, 会计 …).
Existing rows are completed, never overwritten: what a bureau edited in the admin stays.
"""

from django.db import migrations

LEVELS = ("technician", "assistant", "intermediate", "associate_senior", "senior")

# short name → (official name, title names for 员级, 助理级, 中级, 副高级, 正高级; None: no such level)
SERIES = {
    "高校教师": ("高等学校教师", (None, "助教", "讲师", "副教授", "教授")),
    "哲学社会科学研究": ("哲学社会科学研究人员", (None, "研究实习员", "助理研究员", "副研究员", "研究员")),
    "自然科学研究": ("自然科学研究人员", (None, "研究实习员", "助理研究员", "副研究员", "研究员")),
    "卫生": ("卫生技术人员", ("医士", "医师", "主治医师", "副主任医师", "主任医师")),
    "工程": ("工程技术人员", ("技术员", "助理工程师", "工程师", "高级工程师", "正高级工程师")),
    "农业": ("农业技术人员", ("农业技术员", "助理农艺师", "农艺师", "高级农艺师", "正高级农艺师")),
    "新闻": ("新闻专业人员", (None, "助理记者", "记者", "主任记者", "高级记者")),
    "出版": ("出版专业人员", ("技术设计员", "助理编辑", "编辑", "副编审", "编审")),
    "图书资料": ("图书资料专业人员", ("管理员", "助理馆员", "馆员", "副研究馆员", "研究馆员")),
    "文物博物": ("文物博物专业人员", (None, "助理馆员", "馆员", "副研究馆员", "研究馆员")),
    "档案": ("档案专业人员", ("管理员", "助理馆员", "馆员", "副研究馆员", "研究馆员")),
    "工艺美术": ("工艺美术专业人员", ("工艺美术员", "助理工艺美术师", "工艺美术师", "高级工艺美术师", "正高级工艺美术师")),
    "技工院校教师": ("技工院校教师", (None, "助理讲师", "讲师", "高级讲师", "正高级讲师")),
    "体育": ("体育专业人员", ("三级教练", "二级教练", "一级教练", "高级教练", "国家级教练")),
    "翻译": ("翻译专业人员", (None, "三级翻译", "二级翻译", "一级翻译", "译审")),
    "播音主持": ("播音主持专业人员", (None, "三级播音员（主持人）", "二级播音员（主持人）", "一级播音员（主持人）", "播音指导")),
    "艺术": ("艺术专业人员", (None, "四级演员", "三级演员", "二级演员", "一级演员")),
    "公证员": ("公证员", (None, "四级公证员", "三级公证员", "二级公证员", "一级公证员")),
    "律师": ("律师", (None, "四级律师", "三级律师", "二级律师", "一级律师")),
    "船舶": ("船舶专业技术人员", ("驾驶员", "助理船长", "船长", "高级船长", "正高级船长")),
    "飞行": ("民用航空飞行技术人员", (None, "三级飞行员", "二级飞行员", "一级飞行员", "正高级飞行员")),
    "经济": ("经济专业人员", (None, "助理经济师", "经济师", "高级经济师", "正高级经济师")),
    "会计": ("会计人员", (None, "助理会计师", "会计师", "高级会计师", "正高级会计师")),
    "统计": ("统计专业人员", (None, "助理统计师", "统计师", "高级统计师", "正高级统计师")),
    "审计": ("审计专业人员", (None, "助理审计师", "审计师", "高级审计师", "正高级审计师")),
    "中小学教师": ("中小学教师", ("三级教师", "二级教师", "一级教师", "高级教师", "正高级教师")),
    "实验技术": ("实验技术人才", ("实验员", "助理实验师", "实验师", "高级实验师", "正高级实验师")),
}

# short name → specialties: name → its own title names (None: the series' names serve it)
SPECIALTIES = {
    "卫生": {
        "临床医学": None, "中医": None, "公共卫生": None,
        "药学": ("药士", "药师", "主管药师", "副主任药师", "主任药师"),
        "中药学": ("药士", "药师", "主管药师", "副主任药师", "主任药师"),
        "护理": ("护士", "护师", "主管护师", "副主任护师", "主任护师"),
        "医学技术": ("技士", "技师", "主管技师", "副主任技师", "主任技师"),
    },
    "农业": {
        "农学": None,
        "畜牧": ("农业技术员", "助理畜牧师", "畜牧师", "高级畜牧师", "正高级畜牧师"),
        "兽医": ("农业技术员", "助理兽医师", "兽医师", "高级兽医师", "正高级兽医师"),
        "农业经济": ("农业技术员", "助理农业经济师", "农业经济师", "高级农业经济师", "正高级农业经济师"),
    },
    "新闻": {
        "记者": None,
        "编辑": (None, "助理编辑", "编辑", "主任编辑", "高级编辑"),
    },
    "出版": {
        "编辑": None,
        "技术编辑": ("技术设计员", "助理技术编辑", "技术编辑", "副编审", "编审"),
        "校对": ("三级校对", "二级校对", "一级校对", "副编审", "编审"),
    },
    "技工院校教师": {
        "文化技术理论课": None,
        "生产实习指导": ("三级实习指导教师", "二级实习指导教师", "一级实习指导教师", "高级实习指导教师",
                         "正高级实习指导教师"),
    },
    "艺术": {
        "表演": None,
        "演奏": (None, "四级演奏员", "三级演奏员", "二级演奏员", "一级演奏员"),
        "美术": (None, "四级美术师", "三级美术师", "二级美术师", "一级美术师"),
        "编剧": (None, "四级编剧", "三级编剧", "二级编剧", "一级编剧"),
        "导演": (None, "四级导演", "三级导演", "二级导演", "一级导演"),
    },
    "船舶": {
        "驾驶": None,
        "轮机": ("轮机员", "助理轮机长", "轮机长", "高级轮机长", "正高级轮机长"),
    },
    "体育": {
        "教练员": None,
        "运动防护师": (None, "助理运动防护师", "运动防护师", "副高级运动防护师", "正高级运动防护师"),
    },
    "翻译": {"英语": None, "俄语": None, "日语": None, "法语": None, "德语": None, "阿拉伯语": None},
    "工艺美术": {"工艺美术设计": None, "工艺美术制作": None},
    "统计": {"统计": None},
    "审计": {"审计": None},
    "经济": {"工商管理": None, "人力资源管理": None, "金融": None, "财政税收": None, "知识产权": None,
             "农业经济": None, "运输经济": None, "建筑与房地产经济": None},
    "实验技术": {"实验技术": None},
}

# Specialties that were filed under the wrong series: they live on as their own series now.
RETIRED = {("工程", "工艺美术"), ("新闻", "播音主持"), ("农业", "畜牧兽医")}


def load(apps, schema_editor):
    Series = apps.get_model("titles", "Series")
    TitleName = apps.get_model("titles", "TitleName")
    Specialty = apps.get_model("titles", "Specialty")
    for order, (name, (full_name, titles)) in enumerate(SERIES.items(), start=1):
        series, created = Series.objects.get_or_create(name=name, defaults={"sort_order": order,
                                                                             "full_name": full_name})
        if not created:
            Series.objects.filter(pk=series.pk).update(sort_order=order, full_name=series.full_name or full_name)
        for level, title in zip(LEVELS, titles, strict=True):
            if title:
                TitleName.objects.get_or_create(series=series, level=level, specialty=None, defaults={"name": title})
        for specialty_name, own_titles in SPECIALTIES.get(name, {}).items():
            specialty, _ = Specialty.objects.get_or_create(series=series, name=specialty_name)
            for level, title in zip(LEVELS, own_titles or (None,) * len(LEVELS), strict=True):
                if title:
                    TitleName.objects.get_or_create(series=series, level=level, specialty=specialty,
                                                    defaults={"name": title})
    for series_name, specialty_name in RETIRED:
        Specialty.objects.filter(series__name=series_name, name=specialty_name).update(is_active=False)


class Migration(migrations.Migration):
    dependencies = [("titles", "0011_rules_catalogue")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
