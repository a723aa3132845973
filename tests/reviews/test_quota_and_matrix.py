"""Recommendations never exceed the post quota under concurrency; the permission matrix follows the
transition table for every role, action and organisation, and a refusal changes nothing."""

import threading

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404

from accounts.models import Event, Role
from declarations.flow import TRANSITIONS, Actor
from declarations.models import Declaration, DeclarationVersion
from declarations.services import DeclarationError, InvalidInput, take_action
from reviews.models import MaterialVerification, Recommendation
from reviews.services import set_quota
from tests.factories import user_with_role

EVALUATION = {"members": 5, "for": 5, "against": 0, "abstain": 0}


@pytest.mark.skipif("postgresql" not in settings.DATABASES["default"]["ENGINE"],
                    reason="concurrent writers need PostgreSQL (SQLite locks the whole database)")
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_recommendations_take_exactly_ten_places(in_window, plan, org_tree):
    from declarations.models import Material

    employer = org_tree["employer_a"]
    admin = user_with_role(Role.EMPLOYER_ADMIN, employer)
    dept = user_with_role(Role.DEPT_REVIEWER, org_tree["dept"])
    set_quota(actor=dept, plan_id=plan.pk, employer_id=employer.pk, level="intermediate", places=10)
    ids = []
    for _ in range(50):
        applicant = user_with_role(Role.APPLICANT, employer)
        declaration = Declaration.objects.create(applicant=applicant, employer=employer, plan=plan, year=2026,
                                                 series=plan.series, level="intermediate", state="employer_review")
        material = Material.objects.create(declaration=declaration, kind="id_card", file="materials/x.pdf",
                                           display_name="x.pdf", content_type="application/pdf", size=1,
                                           sha256="0" * 64, uploaded_by=applicant)
        MaterialVerification.objects.create(material=material, verdict="true", signer=admin, signer_name="管理员",
                                            organisation=employer)
        ids.append(declaration.pk)
    results, barrier = [], threading.Barrier(50)

    def recommend(pk):
        try:
            barrier.wait()
            take_action(actor=admin, declaration_id=pk, action="recommend", payload={"evaluation": EVALUATION})
            results.append("ok")
        except DeclarationError as exc:
            results.append(exc.rule)
        finally:
            connection.close()

    threads = [threading.Thread(target=recommend, args=(pk,)) for pk in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("ok") == 10 and results.count("QUOTA") == 40, results
    assert Declaration.objects.filter(state="unit_publicity").count() == 10
    assert Recommendation.objects.filter(holds_place=True).count() == 10


# --- the permission matrix ---------------------------------------------------------------------

ROLES = {
    # name: (role, organisation key of org_tree)
    "handler": (Role.EMPLOYER_HANDLER, "employer_a"),
    "admin": (Role.EMPLOYER_ADMIN, "employer_a"),
    "dept": (Role.DEPT_REVIEWER, "dept"),
    "bureau": (Role.BUREAU_REVIEWER, "bureau"),
    "other_handler": (Role.EMPLOYER_HANDLER, "employer_b"),
    "other_admin": (Role.EMPLOYER_ADMIN, "employer_b"),
    "other_city_bureau": (Role.BUREAU_REVIEWER, "other_bureau"),
    "auditor": (Role.AUDITOR, "bureau"),
}
# who the table names, for a declaration of employer_a (under the department, under the bureau)
ENTITLED = {Actor.APPLICANT: {"applicant"}, Actor.EMPLOYER_STAFF: {"handler", "admin"},
            Actor.EMPLOYER_ADMIN: {"admin"}, Actor.DEPARTMENT: {"dept"}, Actor.BUREAU: {"bureau"},
            # nobody here: the committee's verdict comes only from closing its meeting (tests/committees/test_voting.py)
            Actor.COMMITTEE_SECRETARY: set(),
            Actor.SYSTEM: set()}  # the deadline sweeps' rows: refused to every user


@pytest.mark.django_db
@pytest.mark.parametrize("row", list(TRANSITIONS.values()), ids=lambda t: f"{t.source}-{t.action}")
def test_every_role_gets_what_the_table_says(in_window, plan, org_tree, applicant, row):
    users = {name: user_with_role(role, org_tree[key]) for name, (role, key) in ROLES.items()}
    users["applicant"] = applicant
    users["other_applicant"] = user_with_role(Role.APPLICANT, org_tree["employer_a"])
    declaration = Declaration.objects.create(applicant=applicant, employer=org_tree["employer_a"], plan=plan,
                                             year=2026, series=plan.series, level="intermediate", state=row.source)
    for name, user in users.items():
        events, versions = Event.objects.count(), DeclarationVersion.objects.count()
        try:
            take_action(actor=user, declaration_id=declaration.pk, action=row.action, payload={})
            outcome = "done"
        except (PermissionDenied, Http404):
            outcome = "refused"
        except (DeclarationError, InvalidInput):
            outcome = "rule"  # the right actor, stopped by the action's own rules or its body
        if name in ENTITLED[row.actor]:
            assert outcome != "refused", (name, row)
        else:
            assert outcome == "refused", (name, row, outcome)
        if outcome != "done":
            assert Declaration.objects.get(pk=declaration.pk).state == row.source
            assert (Event.objects.count(), DeclarationVersion.objects.count()) == (events, versions)
        else:
            Declaration.objects.filter(pk=declaration.pk).update(state=row.source)
