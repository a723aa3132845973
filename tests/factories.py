import factory

from accounts.models import Organisation, OrganisationKind, Role, RoleMembership, Sector, User
from accounts.validators import id_number_check_code


def valid_id_number(n: int) -> str:
    body = f"1404021990{(n % 12) + 1:02d}{(n % 28) + 1:02d}{n % 1000:03d}"
    return body + id_number_check_code(body)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"测试单位{n}")
    kind = OrganisationKind.EMPLOYER
    region_code = "140400"
    sector = Sector.PUBLIC


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    real_name = factory.Sequence(lambda n: f"用户{n}")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    id_number = factory.Sequence(valid_id_number)
    password = factory.django.Password("test-password-1")


class RoleMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleMembership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.APPLICANT


def user_with_role(role, organisation, **kwargs):
    user = UserFactory(**kwargs)
    RoleMembershipFactory(user=user, organisation=organisation, role=role)
    return user


def committee(office, name="工程系列中级评审委员会", series_name="工程", **filing):
    """A committee whose filing covers its series at 中级 from 2024 to 2028 (change any field)."""
    from datetime import date

    from committees.models import Committee
    from titles.models import Series

    series, _ = Series.objects.get_or_create(name=series_name)
    filing = {"levels": ["intermediate"], "filing_number": "晋职改备〔2026〕1号", "filed_from": date(2024, 1, 1),
              "filed_until": date(2028, 12, 31), **filing}
    return Committee.objects.create(name=name, organiser=office, office=office, series=series, **filing)


VALID_2026_PHASES = {
    "declaration": ("2026-08-01", "2026-09-30"),
    "employer_review": ("2026-10-08", "2026-10-20"),
    "department_audit": ("2026-10-21", "2026-10-28"),
    "policy_review": ("2026-10-29", "2026-11-05"),
    "review_meetings": ("2026-11-10", "2026-11-20"),
    "results_publicity": ("2026-11-23", "2026-11-27"),
    "filing": ("2026-12-01", "2026-12-20"),
}


def review_plan(bureau, *, year=2026, issued_on="2026-07-01", phases=None, **changes):
    """A draft plan with the given phases (default: a 2026 plan that breaks no rule)."""
    from datetime import date

    from titles.models import PlanPhase, ReviewPlan

    phases = VALID_2026_PHASES if phases is None else phases
    board = changes.pop("committee", None) or committee(bureau)
    changes = {"name": "工程系列中级职称评审工作方案", "series": board.series, "levels": ["intermediate"], **changes}
    plan = ReviewPlan.objects.create(year=year, organisation=bureau, committee=board,
                                     issued_on=date.fromisoformat(issued_on) if issued_on else None, **changes)
    for kind, (start, end) in phases.items():
        PlanPhase.objects.create(plan=plan, kind=kind, start=date.fromisoformat(start), end=date.fromisoformat(end))
    return plan


def expert(pool, employer, *, level="senior", specialties=(), status="active", suspended_until=None,
           term=("2025-01-01", "2028-12-31"), **user):
    """An expert (a user with the expert role in the pool's office) in ``pool`` since 2025-01-01."""
    from datetime import date

    from committees.models import Expert, PoolMembership

    account = user_with_role(Role.EXPERT, pool.committee.office, **user)
    row = Expert.objects.create(user=account, series=pool.committee.series, level=level, employer=employer,
                                phone=account.phone, term_start=date.fromisoformat(term[0]),
                                term_end=date.fromisoformat(term[1]), status=status, suspended_until=suspended_until)
    row.specialties.set(specialties)
    PoolMembership.objects.create(pool=pool, expert=row, joined_on=date(2025, 1, 1))
    return row
def returned_declarations(plan, employer, n, *, deadline, returned_by, prefix="bulk", email=True):
    """``n`` declarations of ``plan`` waiting for a correction due ``deadline``, built set-based (three
    INSERTs, no services): data for the deadline sweeps' query counts and benchmark."""
    from declarations.models import Declaration
    from reviews.models import CorrectionNotice

    users = User.objects.bulk_create([
        User(username=f"{prefix}{i}", real_name=f"申报人{i}", password="!",
             email=f"{prefix}{i}@example.com" if email else "") for i in range(n)])
    declarations = Declaration.objects.bulk_create([
        Declaration(applicant=user, employer=employer, plan=plan, year=plan.year, series=plan.series,
                    level="intermediate", state="returned", version=1) for user in users])
    CorrectionNotice.objects.bulk_create([
        CorrectionNotice(declaration=d, returned_from="employer_review", number=1, deadline=deadline,
                         items=[{"about": "material:id_card", "problem": "身份证复印件不清晰"}], version_number=1,
                         returned_by=returned_by) for d in declarations])
    return declarations
