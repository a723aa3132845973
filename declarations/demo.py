"""Demo data for the applicant's side: the demo applicant's profile and a draft for the 2026 plan.

The demo plan's declaration window is 2026-08-01 … 2026-09-30; ``make demo`` sets ``ZC_TODAY`` to a
day inside it so the draft can be submitted (config/clock.py).
"""

from datetime import date

from accounts.models import User
from accounts.services import record_event
from titles.models import ReviewPlan, Series

from .flow import State
from .models import Assessment, ContinuingEducation, Declaration, Education, HeldTitle, Profile, WorkPeriod


def load(organisations) -> None:
    applicant = User.objects.filter(username="applicant").first()
    plan = ReviewPlan.objects.filter(year=2026, status=ReviewPlan.Status.PUBLISHED).order_by("pk").first()
    if applicant is None or plan is None:
        return
    profile, created = Profile.objects.get_or_create(
        user=applicant,
        defaults={"in_service": True, "career_start": date(2015, 7, 1), "post_series": plan.series,
                  "post_name": "结构设计师", "post_since": date(2015, 7, 1)},
    )
    if created:
        engineering = Series.objects.get(pk=plan.series_id)
        Education.objects.create(profile=profile, degree="bachelor", school="太原理工大学", major="土木工程",
                                 obtained=date(2015, 6, 30), full_time=True, related_to_specialty=True)
        WorkPeriod.objects.create(profile=profile, employer_name=organisations["employer_a"].name,
                                  post="结构设计师", start=date(2015, 7, 1))
        HeldTitle.objects.create(profile=profile, series=engineering, specialty="土木工程", level="assistant",
                                 obtained=date(2018, 12, 20), committee="长治市工程系列初级职称评审委员会")
        for year, rating in ((2023, "qualified"), (2024, "excellent"), (2025, "qualified")):
            Assessment.objects.create(profile=profile, year=year, rating=rating)
        for year, total, professional in ((2023, 96, 70), (2024, 90, 60), (2025, 92, 64)):
            ContinuingEducation.objects.create(profile=profile, year=year, total=total, professional=professional)
    if Declaration.objects.filter(applicant=applicant, year=plan.year).exists():
        return
    declaration = Declaration.objects.create(
        applicant=applicant, employer=organisations["employer_a"], plan=plan, year=plan.year, series=plan.series,
        specialty=plan.specialties.filter(name="土木工程").first(), level="intermediate", route="regular")
    record_event(actor=applicant, action="create_declaration", obj=declaration, to_state=State.DRAFT,
                 comment="演示数据")
