from datetime import date

import pytest

from accounts.models import OrganisationKind, Role
from tests.factories import OrganisationFactory, committee, expert, review_plan, user_with_role

MEETING_DAY = date(2026, 11, 12)


@pytest.fixture
def office(org_tree):
    return OrganisationFactory(name="市工程系列评委会办公室", kind=OrganisationKind.COMMITTEE_OFFICE,
                               parent=org_tree["bureau"])


@pytest.fixture
def board(office):
    return committee(office)


@pytest.fixture
def civil(board):
    from titles.models import Specialty

    return Specialty.objects.get_or_create(series=board.series, name="土木工程")[0]


@pytest.fixture
def meeting_plan(org_tree, board, civil):
    from titles.models import ReviewPlan

    plan = review_plan(org_tree["bureau"], committee=board)
    plan.status = ReviewPlan.Status.PUBLISHED
    plan.save(update_fields=["status"])
    plan.specialties.set([civil])
    return plan


@pytest.fixture
def secretary(office):
    return user_with_role(Role.COMMITTEE_SECRETARY, office, real_name="杨秘书")


@pytest.fixture
def bureau_reviewer(org_tree):
    return user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])


@pytest.fixture
def pool(board):
    from committees.models import ExpertPool

    return ExpertPool.objects.create(committee=board, name="工程系列评审专家库", filing_number="长人社专备〔2026〕3号",
                                     filed_on=date(2026, 9, 1))


@pytest.fixture
def expert_employers(org_tree):
    return [OrganisationFactory(name=f"专家单位{n}", parent=org_tree["bureau"]) for n in range(4)]


@pytest.fixture
def experts(pool, expert_employers, civil):
    """Nine 土木工程 experts from four other employers (senior and associate senior)."""
    return [expert(pool, expert_employers[n % 4], level="senior" if n % 2 else "associate_senior",
                   specialties=[civil]) for n in range(9)]


def in_review(plan, employer, *, route="regular", specialty=None, **user):
    """A declaration standing in ``committee_review`` (the chain that brings it there is tested in tests/reviews)."""
    from declarations.models import Declaration

    applicant = user_with_role(Role.APPLICANT, employer, **user)
    return Declaration.objects.create(applicant=applicant, employer=employer, plan=plan, year=plan.year,
                                      series=plan.series, level="intermediate", route=route, specialty=specialty,
                                      state="committee_review")


@pytest.fixture
def declarations(meeting_plan, org_tree, civil):
    return [in_review(meeting_plan, org_tree["employer_a"], specialty=civil),
            in_review(meeting_plan, org_tree["employer_b"], specialty=civil)]


@pytest.fixture
def meeting(meeting_plan, secretary, in_window):
    from committees.services import create_meeting

    return create_meeting(actor=secretary, plan_id=meeting_plan.pk, name="2026 年度第一次评审会议", held_on=MEETING_DAY,
                          place="市人社局评审室", methods=["expert_review", "defence"])


@pytest.fixture
def ready_meeting(meeting, secretary, declarations, civil, experts):
    """A planned meeting with one 土木工程 group of five and both declarations assigned."""
    from committees.services import add_group, assign_declarations

    group = add_group(actor=secretary, meeting_id=meeting.pk, name="土木工程组", level="intermediate", size=5,
                      specialty_id=civil.pk)
    assign_declarations(actor=secretary, meeting_id=meeting.pk, group_id=group.pk,
                        declaration_ids=[d.pk for d in declarations])
    return meeting


from .scoring_fixtures import drawn, menu, opened  # noqa: E402,F401  (scoring and voting)
