"""Helpers for declaration tests (the fixtures in_window, plan and applicant are in tests/conftest.py)."""

from datetime import date


def fill_profile(user, *, series):
    """The p01 case's facts: eligible for 工程 intermediate in 2026."""
    from declarations.models import Assessment, ContinuingEducation, Education, HeldTitle, Profile

    profile, _ = Profile.objects.get_or_create(user=user)
    profile.career_start = date(2015, 7, 1)
    profile.post_series = series
    profile.post_since = date(2015, 7, 1)
    profile.save()
    Education.objects.create(profile=profile, degree="bachelor", obtained=date(2015, 6, 30))
    HeldTitle.objects.create(profile=profile, series=series, level="assistant", obtained=date(2018, 12, 20))
    for year, rating in ((2023, "qualified"), (2024, "excellent"), (2025, "qualified")):
        Assessment.objects.create(profile=profile, year=year, rating=rating)
    for year, total, professional in ((2023, 96, 70), (2024, 90, 60), (2025, 92, 64)):
        ContinuingEducation.objects.create(profile=profile, year=year, total=total, professional=professional)
    return profile


def attach_required_materials(declaration, actor):
    """Rows for every required kind, as the upload service stores them (content checks are tested apart)."""
    from django.core.files.base import ContentFile

    from declarations.models import Material
    from declarations.selectors import kinds_for

    for kind in kinds_for(declaration):
        if kind.required:
            material = Material(declaration=declaration, kind=kind.code, display_name=f"{kind.label}.pdf",
                                content_type="application/pdf", size=10, sha256=f"{kind.code:0<64}"[:64],
                                uploaded_by=actor)
            material.file.save("x.pdf", ContentFile(b"%PDF-1.4 x"), save=False)
            material.save()


def ready_draft(org_tree, plan, username):
    """An applicant of employer_a with a filled profile and a draft in ``plan`` with every required material:
    ready to submit. Answers (applicant, declaration)."""
    from accounts.models import Role
    from declarations.services import start_declaration
    from tests.factories import user_with_role

    applicant = user_with_role(Role.APPLICANT, org_tree["employer_a"], username=username)
    fill_profile(applicant, series=plan.series)
    declaration = start_declaration(actor=applicant, plan_id=plan.pk, level="intermediate")
    attach_required_materials(declaration, applicant)
    return applicant, declaration
