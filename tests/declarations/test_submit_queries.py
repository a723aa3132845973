"""What a submit costs (issue 20, the rush): a fixed number of queries, with few declarations or many,
and the eligibility input built once (for the verdict and for the version)."""

import pytest
from django.conf import settings

from accounts.models import Role
from declarations.models import Declaration
from tests.declarations.conftest import attach_required_materials, fill_profile
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db

# measured 42 (36 in bench/rush): user, roles, the locked row, profile and its rows, the credit records in
# force (the BAN rule), rulebook once, writes, decision, notifications, event; one more for the session on
# the database when REDIS_URL is unset
MOST = 42 + (0 if settings.SESSION_ENGINE.endswith("cached_db") else 1)


def _others(plan, employer, n):
    from accounts.models import RoleMembership, User

    users = User.objects.bulk_create([User(username=f"other{len(plan.name)}-{i}-{n}") for i in range(n)])
    RoleMembership.objects.bulk_create([RoleMembership(user=u, organisation=employer, role=Role.APPLICANT)
                                        for u in users])
    Declaration.objects.bulk_create([Declaration(applicant=u, employer=employer, plan=plan, year=plan.year,
                                                 series=plan.series, level="intermediate", state="employer_review")
                                     for u in users])


def _draft(org_tree, plan, name):
    from declarations.services import start_declaration

    applicant = user_with_role(Role.APPLICANT, org_tree["employer_a"], username=name)
    fill_profile(applicant, series=plan.series)
    declaration = start_declaration(actor=applicant, plan_id=plan.pk, level="intermediate")
    attach_required_materials(declaration, applicant)
    return applicant, declaration


@pytest.mark.parametrize("others", [1, 60])
def test_a_submit_costs_the_same_with_few_or_many_declarations(client, in_window, plan, org_tree, others,
                                                               django_assert_max_num_queries):
    _others(plan, org_tree["employer_a"], others)
    user_with_role(Role.EMPLOYER_HANDLER, org_tree["employer_a"])
    applicant, declaration = _draft(org_tree, plan, f"submitter{others}")
    client.force_login(applicant)
    with django_assert_max_num_queries(MOST) as queries:
        response = client.post(f"/api/v1/declarations/{declaration.pk}/actions/submit/", {"pledge": True},
                               content_type="application/json")
    assert response.status_code == 200 and response.json()["state"] == "employer_review"
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum("titles_rulebookversion" in q for q in sql) == 1  # one rulebook read for the whole action
    assert sum('FROM "declarations_education"' in q for q in sql) == 1  # the eligibility input, built once
