"""``declarations.view_declaration``: the plain calls of ``declarations.permissions.may_view`` answer as
django-rules' combination of the same predicates answered, for every kind of viewer and declaration."""

import pytest
import rules
from django.contrib.auth.models import AnonymousUser

from accounts.models import Role
from declarations.models import Declaration
from declarations.permissions import (
    is_applicant,
    is_employer_staff,
    is_submitted,
    is_system_admin,
    may_view,
    oversees_employer,
    runs_its_review_meeting,
)
from tests.factories import UserFactory, user_with_role

from .conftest import in_review

pytestmark = pytest.mark.django_db

COMBINED = rules.is_authenticated & (is_applicant | (is_submitted & (
    is_system_admin | is_employer_staff | oversees_employer | runs_its_review_meeting)))


def test_may_view_answers_as_the_rules_combination_for_every_viewer_and_declaration(
        ready_meeting, declarations, secretary, org_tree, meeting_plan, civil):
    viewers = {
        "anonymous": AnonymousUser(), "nobody": UserFactory(), "superuser": UserFactory(is_superuser=True),
        "secretary": secretary, "other secretary": user_with_role(Role.COMMITTEE_SECRETARY, org_tree["dept"]),
        "system admin": user_with_role(Role.SYSTEM_ADMIN, org_tree["bureau"]),
        **{f"{role} of {where}": user_with_role(role, org_tree[where])
           for role, where in ((Role.EMPLOYER_HANDLER, "employer_a"), (Role.EMPLOYER_ADMIN, "employer_b"),
                               (Role.DEPT_REVIEWER, "dept"), (Role.BUREAU_REVIEWER, "bureau"),
                               (Role.BUREAU_REVIEWER, "other_bureau"), (Role.EMPLOYER_HANDLER, "other_employer"))},
    }
    outside = in_review(meeting_plan, org_tree["employer_b"], specialty=civil)  # in review, in no meeting
    drafter = user_with_role(Role.APPLICANT, org_tree["employer_a"])
    draft = Declaration.objects.create(applicant=drafter, employer=org_tree["employer_a"],
                                       plan=meeting_plan, year=meeting_plan.year, series=meeting_plan.series,
                                       level="intermediate", state="draft")
    viewers["applicant"], viewers["drafter"] = declarations[0].applicant, drafter
    seen = {}
    for name, viewer in viewers.items():
        for declaration in (*declarations, outside, draft, None):
            expected = bool(COMBINED.test(viewer, declaration))
            assert may_view(viewer, declaration) is expected, (name, declaration)
            if declaration is not None:
                assert viewer.has_perm("declarations.view_declaration", declaration) is (
                    expected or viewer.is_superuser), (name, declaration)
                seen[(name, declaration.pk)] = expected
    assert seen[("secretary", declarations[1].pk)] and not seen[("secretary", outside.pk)]
    assert seen[("drafter", draft.pk)] and not seen[("employer_handler of employer_a", draft.pk)]
    assert seen[("applicant", declarations[0].pk)] and not seen[("applicant", declarations[1].pk)]
    assert seen[("bureau_reviewer of bureau", outside.pk)] and not seen[("bureau_reviewer of other_bureau", outside.pk)]
    assert not any(seen[("nobody", d.pk)] for d in (*declarations, outside, draft))
