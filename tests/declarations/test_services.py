"""The applicant's side through its services: drafts, the one-per-year rule, submit and withdraw."""

import threading
from datetime import date

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection

from accounts.models import Event, Role
from declarations.flow import State
from declarations.models import Declaration, DeclarationVersion, Pledge
from declarations.selectors import available_actions, eligibility_case, kinds_for, profile_of
from declarations.services import (
    DeclarationError,
    InvalidInput,
    live_verdict,
    start_declaration,
    submission_problems,
    take_action,
)
from tests.declarations.conftest import attach_required_materials, fill_profile
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def _start(applicant, plan, **kwargs):
    kwargs.setdefault("level", "intermediate")
    return start_declaration(actor=applicant, plan_id=plan.pk, **kwargs)


def test_a_draft_is_started_inside_the_window(in_window, plan, applicant):
    declaration = _start(applicant, plan, specialty_id=plan.specialties.first().pk)
    assert declaration.state == State.DRAFT and declaration.version == 0
    assert declaration.year == 2026 and declaration.series == plan.series
    assert declaration.employer == applicant.memberships()[0].organisation
    assert Event.objects.filter(action="create_declaration", object_id=str(declaration.pk)).count() == 1
    assert available_actions(applicant, declaration) == ["submit", "withdraw"]


def test_outside_the_window_nothing_is_started(settings, plan, applicant):
    settings.DEBUG, settings.ZC_TODAY = True, date(2026, 10, 1)
    with pytest.raises(DeclarationError) as info:
        _start(applicant, plan)
    assert info.value.rule == "DECLARATION_WINDOW" and "2026-09-30" in info.value.message
    assert not Declaration.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"level": "senior"}, "level"),
        ({"level": "middle"}, "level"),
        ({"route": "fast"}, "route"),
        ({"specialty_id": 999999}, "specialty"),
        ({"route": "green_channel"}, "green_channel_reference"),
    ],
)
def test_a_wrong_target_names_the_field(in_window, plan, applicant, kwargs, field):
    with pytest.raises(InvalidInput) as info:
        _start(applicant, plan, **kwargs)
    assert field in info.value.errors
    assert not Declaration.objects.exists()


def test_only_applicants_start_declarations(in_window, plan, org_tree):
    handler = user_with_role(Role.EMPLOYER_HANDLER, org_tree["employer_a"])
    with pytest.raises(PermissionDenied):
        _start(handler, plan)


def test_one_declaration_per_applicant_per_year_withdrawn_aside(in_window, plan, applicant):
    first = _start(applicant, plan)
    with pytest.raises(DeclarationError) as info:
        _start(applicant, plan)
    assert info.value.rule == "ONE_PER_YEAR"
    take_action(actor=applicant, declaration_id=first.pk, action="withdraw", payload={"comment": "改报"})
    second = _start(applicant, plan)
    assert second.pk != first.pk
    assert Declaration.objects.filter(applicant=applicant).count() == 2


@pytest.mark.skipif("postgresql" not in settings.DATABASES["default"]["ENGINE"],
                    reason="concurrent writers need PostgreSQL (SQLite locks the whole database)")
@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_a_second_declaration_of_the_year_under_concurrency(in_window, plan, applicant):
    results = []

    def start():
        try:
            results.append(_start(applicant, plan).pk)
        except DeclarationError as exc:
            results.append(exc.rule)
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(map(str, results)).count("ONE_PER_YEAR") == 5
    assert Declaration.objects.filter(applicant=applicant).count() == 1


def test_the_eligibility_case_is_built_from_profile_and_declaration(in_window, plan, applicant):
    fill_profile(applicant, series=plan.series)
    declaration = _start(applicant, plan)
    case = eligibility_case(declaration, profile_of(applicant))
    assert case["as_of"] == "2026-09-15" and case["material_deadline"] == "2026-09-30"
    assert case["target"] == {"series": "工程", "specialty": "", "level": "intermediate", "route": "regular"}
    assert case["applicant"]["sector"] == "public"
    assert case["applicant"]["titles"] == [
        {"series": "工程", "level": "assistant", "obtained": "2018-12-20", "directed": False}]
    verdict = live_verdict(declaration)
    assert verdict["eligible"] is True, verdict


def test_submit_records_version_pledge_and_event(in_window, plan, applicant):
    fill_profile(applicant, series=plan.series)
    declaration = _start(applicant, plan)
    attach_required_materials(declaration, applicant)
    assert submission_problems(declaration) == []
    declaration = take_action(actor=applicant, declaration_id=declaration.pk, action="submit",
                              payload={"pledge": True})
    assert declaration.state == State.EMPLOYER_REVIEW and declaration.version == 1
    version = DeclarationVersion.objects.get(declaration=declaration)
    assert version.number == 1 and version.snapshot["verdict"]["eligible"] is True
    assert {m["kind"] for m in version.snapshot["materials"]} == {
        k.code for k in kinds_for(declaration) if k.required}
    assert version.snapshot["rulebook"] and version.snapshot["profile"]["career_start"] == "2015-07-01"
    pledge = Pledge.objects.get(declaration=declaration)
    assert pledge.signed_by == applicant and "真实" in pledge.text and pledge.version_number == 1
    event = Event.objects.get(action="submit", object_id=str(declaration.pk))
    assert (event.from_state, event.to_state) == ("draft", "employer_review")
    assert available_actions(applicant, declaration) == ["withdraw"]


def test_submit_without_pledge_is_refused_and_changes_nothing(in_window, plan, applicant):
    fill_profile(applicant, series=plan.series)
    declaration = _start(applicant, plan)
    attach_required_materials(declaration, applicant)
    with pytest.raises(InvalidInput) as info:
        take_action(actor=applicant, declaration_id=declaration.pk, action="submit", payload={})
    assert "pledge" in info.value.errors
    declaration.refresh_from_db()
    assert declaration.state == State.DRAFT and not DeclarationVersion.objects.exists()
    assert not Event.objects.filter(action="submit").exists()


def test_submit_names_every_reason_it_is_refused(in_window, plan, applicant):
    fill_profile(applicant, series=plan.series)
    profile = profile_of(applicant)
    profile.titles.all().delete()
    declaration = _start(applicant, plan)
    with pytest.raises(DeclarationError) as info:
        take_action(actor=applicant, declaration_id=declaration.pk, action="submit", payload={"pledge": True})
    assert info.value.rule == "MATERIALS_REQUIRED"
    assert "居民身份证" in info.value.message and "TENURE" not in info.value.message
    assert "取得助理级职称" in info.value.message or "逐级" in info.value.message
    assert not DeclarationVersion.objects.exists() and not Pledge.objects.exists()


def test_versions_and_pledges_cannot_be_changed(in_window, plan, applicant):
    fill_profile(applicant, series=plan.series)
    declaration = _start(applicant, plan)
    attach_required_materials(declaration, applicant)
    take_action(actor=applicant, declaration_id=declaration.pk, action="submit", payload={"pledge": True})
    version = DeclarationVersion.objects.get()
    with pytest.raises(PermissionError):
        version.save()
    with pytest.raises(PermissionError):
        DeclarationVersion.objects.update(snapshot={})
    if connection.vendor == "postgresql":
        from django.db import DatabaseError, transaction

        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE declarations_declarationversion SET snapshot = '{}'::jsonb")
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM declarations_pledge")


def test_another_applicant_cannot_act(in_window, plan, applicant, org_tree):
    declaration = _start(applicant, plan)
    other = user_with_role(Role.APPLICANT, org_tree["employer_a"])
    with pytest.raises(PermissionDenied):
        take_action(actor=other, declaration_id=declaration.pk, action="withdraw", payload={})
    declaration.refresh_from_db()
    assert declaration.state == State.DRAFT


def test_an_action_not_allowed_in_the_state_is_refused(in_window, plan, applicant):
    declaration = _start(applicant, plan)
    take_action(actor=applicant, declaration_id=declaration.pk, action="withdraw", payload={})
    with pytest.raises(DeclarationError) as info:
        take_action(actor=applicant, declaration_id=declaration.pk, action="submit", payload={"pledge": True})
    assert info.value.rule == "STATE"
