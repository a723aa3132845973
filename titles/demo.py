"""Demo data for titles: the 2026 engineering committee and its published annual plan."""

from datetime import date

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from accounts.models import Role, RoleMembership
from committees.models import Committee

from .models import PlanPhase, ReviewPlan, RulebookVersion, Series, Specialty
from .services import publish_plan

DEMO_PHASES = {
    "declaration": (date(2026, 8, 1), date(2026, 9, 30)),
    "employer_review": (date(2026, 10, 8), date(2026, 10, 20)),
    "department_audit": (date(2026, 10, 21), date(2026, 10, 28)),
    "policy_review": (date(2026, 10, 29), date(2026, 11, 5)),
    "correction": (date(2026, 11, 2), date(2026, 11, 6)),
    "review_meetings": (date(2026, 11, 10), date(2026, 11, 20)),
    "results_publicity": (date(2026, 11, 23), date(2026, 11, 27)),
    "filing": (date(2026, 12, 1), date(2026, 12, 20)),
}


BUREAU_ADMIN_GROUP = "人社部门管理后台"

# What 长治's own notice decides (三、1: plan a month ahead, meetings by the end of November, review,
# 公示 and announcement by the end of December, no review across the year): its layer cites it there.
CHANGZHI_NOTICE = "长治市人力资源和社会保障局《关于做好2024年度全市职称评审工作的通知》（长人社函〔2024〕188号）三、1"
CHANGZHI_CITATIONS = {rule: CHANGZHI_NOTICE for rule in ("NOTICE_PERIOD", "MEETINGS_END", "RESULTS_END",
                                                          "NO_CROSS_YEAR")}


def bureau_admin_group():
    """Model permissions for the bureau's admin console: catalogue, rulebooks, holidays, plans, committees."""
    group, _ = Group.objects.get_or_create(name=BUREAU_ADMIN_GROUP)
    group.permissions.set(Permission.objects.filter(
        Q(content_type__app_label__in=["titles", "committees"])
        | Q(codename__in=["view_declaration", "view_resultpublication"]))
        .exclude(codename__startswith="delete_"))
    return group


def load(organisations) -> None:
    group = bureau_admin_group()
    for membership in RoleMembership.objects.filter(role=Role.BUREAU_REVIEWER).select_related("user"):
        membership.user.groups.add(group)

    bureau, office = organisations["bureau"], organisations["office"]
    RulebookVersion.objects.update_or_create(
        region_code=bureau.region_code, year=None, version=1,
        defaults={"name": "长治市职称评审规则", "status": RulebookVersion.Status.ACTIVE,
                  "citations": CHANGZHI_CITATIONS, "source": "长人社函〔2024〕188号"},
    )
    series, _ = Series.objects.get_or_create(name="工程")  # the catalogue migration made it; tests may flush it
    committee, _ = Committee.objects.update_or_create(
        name="长治市工程系列中级职称评审委员会",
        defaults={"organiser": bureau, "office": office, "series": series, "levels": ["intermediate"],
                  "scope": "长治市所属单位工程系列中级职称", "filing_number": "晋职改备〔2024〕12号",
                  "filed_from": date(2024, 9, 1), "filed_until": date(2027, 12, 31),
                  "conditions": "山西省工程系列中级职称评价标准条件（长治市修订稿）",
                  "regulations": "评审委员会章程、评审专家库管理办法、评审工作纪律"},
    )
    plan, created = ReviewPlan.objects.get_or_create(
        year=2026, committee=committee,
        defaults={"name": "工程系列中级职称评审工作方案", "organisation": bureau, "series": series,
                  "levels": ["intermediate"], "document_number": "长人社函〔2026〕88号",
                  "issued_on": date(2026, 7, 1)},
    )
    if not created:
        return
    plan.specialties.set(Specialty.objects.filter(series=series, name__in=["土木工程", "建筑工程", "快递"]))
    for kind, (start, end) in DEMO_PHASES.items():
        PlanPhase.objects.create(plan=plan, kind=kind, start=start, end=end)
    reviewer = RoleMembership.objects.filter(organisation=bureau, role=Role.BUREAU_REVIEWER).first().user
    publish_plan(actor=reviewer, plan_id=plan.pk)
