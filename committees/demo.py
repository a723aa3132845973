"""Demo data for committees at work: the demo committee's filed expert pool (25 experts and more), a
review meeting for the 2026 plan with the demo declarations in ``committee_review`` assigned to its
土木工程 group, and the recorded draw, so that the drawn experts can score once the meeting opens.

The pool is built so the draw shows its recusal: of the seven 土木工程 experts, one works at the
applicants' employer and one is barred for life, so the group of five draws exactly the other five,
the demo expert 赵敏 among them; everyone else is a 建筑工程 expert.
"""

from datetime import date

from accounts.models import Organisation, OrganisationKind, Role, RoleMembership, User
from accounts.validators import id_number_check_code
from config.clock import frozen
from declarations.flow import State
from declarations.models import Declaration
from titles.models import ReviewPlan

from .models import Expert, ExpertPool, ExpertStatus, MeetingMethod, PoolMembership

DEMO_DAY = date(2026, 9, 22)
MEETING_DAY = date(2026, 11, 12)
EXPERT_EMPLOYERS = ["长治学院", "长治市规划设计研究院", "山西潞安建设工程有限公司", "长治市市政工程设计院"]
SURNAMES = "钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"


def _expert_user(n: int, office) -> User:
    from accounts.demo import DEMO_PASSWORD

    username = f"expert{n:02d}"
    id_body = f"1404021970{(n % 12) + 1:02d}{(n % 27) + 1:02d}{n:03d}"
    user, created = User.objects.get_or_create(
        username=username, defaults={"real_name": f"{SURNAMES[n % len(SURNAMES)]}专家{n:02d}",
                                     "phone": f"139000000{n:02d}", "id_number": id_body + id_number_check_code(id_body)})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    RoleMembership.objects.get_or_create(user=user, organisation=office, role=Role.EXPERT)
    return user


def load(organisations) -> None:
    from .services import add_group, assign_declarations, create_meeting, draw_experts

    office, bureau = organisations["office"], organisations["bureau"]
    plan = (ReviewPlan.objects.filter(year=2026, status=ReviewPlan.Status.PUBLISHED, committee__office=office)
            .select_related("committee").order_by("pk").first())
    secretary = RoleMembership.objects.filter(role=Role.COMMITTEE_SECRETARY, organisation=office).first()
    if plan is None or secretary is None or ExpertPool.objects.filter(committee=plan.committee).exists():
        return
    secretary = secretary.user
    committee = plan.committee
    civil = committee.series.specialties.filter(name="土木工程").first()
    building = committee.series.specialties.filter(name="建筑工程").first()
    employers = [Organisation.objects.get_or_create(
        name=name, defaults={"kind": OrganisationKind.EMPLOYER, "parent": bureau, "region_code": bureau.region_code})[0]
        for name in EXPERT_EMPLOYERS]
    pool = ExpertPool.objects.create(committee=committee, name=f"{committee.name}评审专家库",
                                     filing_number="长人社专备〔2026〕3号", filed_on=date(2026, 9, 1))
    demo_expert = User.objects.filter(username="expert").first()
    users = ([demo_expert] if demo_expert else []) + [_expert_user(n, office) for n in range(1, 27)]
    for n, user in enumerate(users):
        civil_engineer = n < 7
        expert = Expert.objects.create(
            user=user, series=committee.series, level="senior" if n % 3 == 0 else "associate_senior",
            employer=organisations["employer_a"] if n == 5 else employers[n % len(employers)],
            phone=user.phone, term_start=date(2025, 1, 1), term_end=date(2027, 12, 31),
            status=ExpertStatus.BARRED if n == 6 else ExpertStatus.ACTIVE,
            training_notes="2025 年度评审专家岗前培训（合格）",
            credit_notes="终身禁入：2025 年评审中泄露评审信息（演示）" if n == 6 else "")
        specialty = civil if civil_engineer else building
        if specialty is not None:
            expert.specialties.add(specialty)
        PoolMembership.objects.create(pool=pool, expert=expert, joined_on=date(2025, 1, 1))
    ready = list(Declaration.objects.filter(plan=plan, state=State.COMMITTEE_REVIEW).order_by("pk"))
    if not ready:
        return
    with frozen(DEMO_DAY):
        meeting = create_meeting(actor=secretary, plan_id=plan.pk, name="2026 年度工程系列中级职称评审会议（第一次）",
                                 held_on=MEETING_DAY, place="长治市人力资源和社会保障局三楼评审室",
                                 methods=[MeetingMethod.EXPERT_REVIEW, MeetingMethod.DEFENCE])
        group = add_group(actor=secretary, meeting_id=meeting.pk, name="土木工程组", level="intermediate", size=5,
                          specialty_id=civil.pk if civil and all(d.specialty_id == civil.pk for d in ready) else None)
        assign_declarations(actor=secretary, meeting_id=meeting.pk, group_id=group.pk,
                            declaration_ids=[d.pk for d in ready])
        draw_experts(actor=secretary, meeting_id=meeting.pk)
