"""The bureau's admin console for declarations: its own region only, read-only rows, bulk pass with a
report per row, masked exports."""

import io

import pytest

from accounts.models import Role
from declarations.models import Declaration
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db
URL = "/admin/declarations/declaration/"


@pytest.fixture
def bureau(org_tree):
    from titles.demo import bureau_admin_group

    user = user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"], is_staff=True)
    user.groups.add(bureau_admin_group())
    return user


def _declaration(plan, employer, state, **user):
    applicant = user_with_role(Role.APPLICANT, employer, **user)
    return Declaration.objects.create(applicant=applicant, employer=employer, plan=plan, year=2026,
                                      series=plan.series, level="intermediate", state=state)


def test_the_list_is_the_bureaus_own_and_read_only(client, plan, org_tree, bureau):
    own = _declaration(plan, org_tree["employer_b"], "bureau_review")
    _declaration(plan, org_tree["employer_a"], "draft")
    _declaration(plan, org_tree["other_employer"], "bureau_review")
    client.force_login(bureau)
    html = client.get(URL).content.decode()
    assert f"/admin/declarations/declaration/{own.pk}/change/" in html
    assert html.count("/admin/declarations/declaration/") - html.count("/admin/declarations/declaration/?") >= 1
    assert client.get(f"{URL}?state__exact=bureau_review&year=2026").status_code == 200
    page = client.get(f"{URL}{own.pk}/change/").content.decode()
    assert 'name="state"' not in page and "_save" not in page
    others = Declaration.objects.exclude(pk=own.pk)
    for other in others:
        assert client.get(f"{URL}{other.pk}/change/").status_code in (403, 404)


def test_bulk_pass_reports_each_row(client, plan, org_tree, bureau):
    ready = _declaration(plan, org_tree["employer_b"], "bureau_review")
    early = _declaration(plan, org_tree["employer_b"], "employer_review")
    client.force_login(bureau)
    response = client.post(URL, {"action": "pass_selected", "_selected_action": [ready.pk, early.pk]}, follow=True)
    text = response.content.decode()
    assert "审核通过 1 件，未办理 1 件" in text and "STATE" in text
    assert Declaration.objects.get(pk=ready.pk).state == "committee_review"
    assert Declaration.objects.get(pk=early.pk).state == "employer_review"


def test_exports_mask_personal_numbers(client, plan, org_tree, bureau):
    from openpyxl import load_workbook

    row = _declaration(plan, org_tree["employer_b"], "bureau_review")
    full = row.applicant.id_number
    client.force_login(bureau)
    csv_body = b"".join(client.post(URL, {"action": "export_csv", "_selected_action": [row.pk]}).streaming_content)
    assert full not in csv_body.decode() and row.applicant.id_number_masked in csv_body.decode()
    xlsx = client.post(URL, {"action": "export_xlsx", "_selected_action": [row.pk]})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [str(c.value) for r in sheet.iter_rows() for c in r]
    assert full not in values and row.applicant.id_number_masked in values


def test_a_bulk_pass_costs_a_bounded_number_of_queries_per_row(client, plan, org_tree, bureau):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(bureau)

    def run(n):
        rows = [_declaration(plan, org_tree["employer_b"], "bureau_review") for _ in range(n)]
        with CaptureQueriesContext(connection) as captured:
            client.post(URL, {"action": "pass_selected", "_selected_action": [r.pk for r in rows]})
        assert Declaration.objects.filter(pk__in=[r.pk for r in rows], state="committee_review").count() == n
        return len(captured.captured_queries)

    five, twenty = run(5), run(20)
    per_row = (twenty - five) / 15
    assert per_row <= 30, per_row  # each row: lock, checks, save, decision, event, notifications
