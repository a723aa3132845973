"""What a submit costs (issue 20, the rush): a fixed number of queries, with few declarations or many,
and the eligibility input built once (for the verdict and for the version)."""

import pytest
from django.conf import settings
from django.db import connection

from accounts.models import Role
from declarations.models import Declaration
from tests.declarations.conftest import ready_draft
from tests.factories import user_with_role

# what a submit costs on PostgreSQL, the production database: the lists are one query there (elsewhere one a list,
# which the tests below compare with the one-query rows on PostgreSQL itself)
pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="the submit's queries on PostgreSQL")]

# measured 10 (6 in bench/rush, whose employers have no handlers; 11 before the handlers were read in the round trip
# of the version, the pledge and the decision, 13 before those three were one INSERT, 14 before the event's last hash
# was read by its INSERT, 15 before the declaration's history row was written with its UPDATE, 21 before the
# savepoints of the view, the notice and the event went, 23 and 19 before the profile and the rulebook's layers joined
# the lists' query, 42 before issue 20's second pass): user, the test's own savepoint and its release, the locked row
# with its plan's issuing bureau, the profile with every list of the profile and the declaration (education … credit
# records in force, other declarations, materials, the plan's declaration phase) and which rulebook layers are in
# force (parsed once per process) in one query, the version, the pledge and the decision (one statement) with the
# handlers (a second statement in the same round trip), their notices (one INSERT), the declaration with its history
# row, the chain's lock and the event's INSERT (one round trip); one more for the session on the database when
# REDIS_URL is unset
MOST = 10 + (0 if settings.SESSION_ENGINE.endswith("cached_db") else 1)


def _others(plan, employer, n):
    from accounts.models import RoleMembership, User

    users = User.objects.bulk_create([User(username=f"other{len(plan.name)}-{i}-{n}") for i in range(n)])
    RoleMembership.objects.bulk_create([RoleMembership(user=u, organisation=employer, role=Role.APPLICANT)
                                        for u in users])
    Declaration.objects.bulk_create([Declaration(applicant=u, employer=employer, plan=plan, year=plan.year,
                                                 series=plan.series, level="intermediate", state="employer_review")
                                     for u in users])



@pytest.mark.parametrize("others", [1, 60])
def test_a_submit_costs_the_same_with_few_or_many_declarations(client, in_window, plan, org_tree, others,
                                                               django_assert_max_num_queries):
    _others(plan, org_tree["employer_a"], others)
    user_with_role(Role.EMPLOYER_HANDLER, org_tree["employer_a"])
    applicant, declaration = ready_draft(org_tree, plan, f"submitter{others}")
    client.force_login(applicant)
    with django_assert_max_num_queries(MOST) as queries:
        response = client.post(f"/api/v1/declarations/{declaration.pk}/actions/submit/", {"pledge": True},
                               content_type="application/json")
    assert response.status_code == 200 and response.json()["state"] == "employer_review"
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum("titles_rulebookversion" in q for q in sql) == 1  # one rulebook read for the whole action ...
    assert sum('FROM "declarations_education"' in q for q in sql) == 1  # the eligibility input, built once
    lists = next(q for q in sql if 'FROM "declarations_education"' in q)  # the profile's lists: one round trip
    assert all(table in lists for table in ('"declarations_heldtitle"', '"declarations_workperiod"',
                                            '"accounts_creditrecord"', '"declarations_material"',
                                            '"titles_rulebookversion"'))  # ... with the lists


def test_the_one_query_rows_are_the_rows_of_each_list(in_window, plan, org_tree, monkeypatch):
    """``applicant_rows`` reads every list in one query on PostgreSQL; elsewhere one query a list. Both give
    the same rows, in the same order, dates as ISO strings (what the eligibility input and the version use)."""
    from datetime import date

    from django.db import connection

    from accounts.models import CreditRecord
    from declarations.models import Achievement, Sanction, WorkPeriod
    from declarations.selectors import applicant_rows, profile_of

    applicant, declaration = ready_draft(org_tree, plan, "rows")
    profile = profile_of(applicant)
    WorkPeriod.objects.create(profile=profile, employer_name="甲单位", post="技术员", start=date(2015, 7, 1))
    Achievement.objects.create(profile=profile, kind="paper", title="论文", date=date(2020, 5, 1), representative=True)
    Sanction.objects.create(profile=profile, kind="gov_demerit", date=date(2019, 3, 1), entered_by=applicant)
    CreditRecord.objects.create(subject=applicant, kind=CreditRecord.Kind.APPLICANT, reason="弄虚作假", basis="文件",
                                starts_on=date(2020, 1, 1), expires_on=date(2023, 1, 1))
    _, other = ready_draft(org_tree, plan, "rows2")  # the SQL is compiled once: each call gets its own rows
    one_query, others = applicant_rows(declaration), applicant_rows(other)
    monkeypatch.setattr(connection, "vendor", "sqlite")
    per_list, others_per_list = applicant_rows(declaration), applicant_rows(other)
    assert one_query == per_list and others == others_per_list
    for rows in (one_query, per_list):  # the profile's own row read with the lists, as profile_of reads it
        read = rows["profile"]
        assert read.pk == profile.pk and read.post_series.name == profile.post_series.name == plan.series.name
        assert {f.attname: getattr(read, f.attname) for f in profile._meta.concrete_fields} == {
            f.attname: getattr(profile, f.attname) for f in profile._meta.concrete_fields}
    assert not others["work_history"] and {m["id"] for m in others["materials"]}.isdisjoint(
        m["id"] for m in one_query["materials"])
    assert one_query["work_history"] == [{"employer": "甲单位", "post": "技术员", "start": "2015-07-01", "end": None}]
    assert one_query["credit_records"][0]["starts_on"] == "2020-01-01" and len(one_query["materials"]) >= 3


@pytest.mark.parametrize("vendor", ["postgresql", "sqlite"])
def test_the_rows_of_an_applicant_without_a_profile_make_it(in_window, plan, org_tree, monkeypatch, vendor):
    from django.db import connection

    from declarations.models import Profile
    from declarations.selectors import applicant_rows

    applicant, declaration = ready_draft(org_tree, plan, f"noprofile-{vendor}")
    Profile.objects.filter(user=applicant).delete()
    monkeypatch.setattr(connection, "vendor", vendor)
    rows = applicant_rows(declaration)
    assert rows["profile"].pk == Profile.objects.get(user=applicant).pk and not rows["education"]
    assert {m["kind"] for m in rows["materials"]} >= {"id_card", "education"}
