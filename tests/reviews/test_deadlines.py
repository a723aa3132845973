"""The deadline sweeps with frozen time: the day before, the day of and the day after each deadline,
and a second run that changes nothing (reviews/deadlines)."""

import re
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse

from accounts.eventchain import first_break
from accounts.models import Event, Notification, Role
from declarations.flow import TRANSITIONS, Action, Actor, State
from declarations.models import Declaration
from declarations.selectors import available_actions
from declarations.services import take_action
from outbox.models import OutboxMessage
from reviews.deadlines import SWEEPS, run_group, run_sweep
from reviews.models import CorrectionNotice, Decision, LateStep, Recommendation
from reviews.services import set_quota
from tests.factories import user_with_role
from tests.reviews.conftest import move_to, submitted, verify_all
from titles.documents import RULE_CODES
from titles.selectors import effective_citations, effective_plan_rules

pytestmark = pytest.mark.django_db
EVALUATION = {"members": 9, "for": 7, "against": 1, "abstain": 1}


def act(actor, declaration, action, **payload):
    return take_action(actor=actor, declaration_id=declaration.pk, action=action, payload=payload)


def sweep(code, day):
    return run_sweep(code, day)


def state_of(declaration):
    return Declaration.objects.get(pk=declaration.pk).state


def chain_is_whole():
    return first_break(_link(e) for e in Event.objects.order_by("pk")) is None


def _link(event):
    from accounts.eventchain import ChainLink

    return ChainLink(event.pk, event.prev_hash, event.hash, event.chain_content())


def returned(applicant, plan, people, deadline):
    declaration = submitted(applicant, plan)
    return act(people["handler"], declaration, "return", deadline=deadline.isoformat(),
               items=[{"about": "material:id_card", "problem": "身份证复印件不清晰"}])


def in_publicity(settings, applicant, plan, people, org_tree):
    declaration = submitted(applicant, plan)
    set_quota(actor=people["dept"], plan_id=plan.pk, employer_id=org_tree["employer_a"].pk, level="intermediate",
              places=5)
    verify_all(declaration, people["handler"])
    return act(people["admin"], declaration, "recommend", evaluation=EVALUATION)


# --- the transition table's system rows -------------------------------------------------------


def test_system_rows_are_in_the_table_and_never_offered_to_a_user(in_window, plan, applicant, people):
    system = [t for t in TRANSITIONS.values() if t.actor == Actor.SYSTEM]
    assert {(t.source, t.action) for t in system} >= {(State.RETURNED, Action.ABANDON),
                                                      (State.DRAFT, Action.TERMINATE)}
    assert all(t.basis in RULE_CODES for t in system)
    declaration = returned(applicant, plan, people, date(2026, 9, 22))
    for user in (applicant, people["handler"], people["admin"], people["bureau"]):
        assert not {"abandon", "terminate"} & set(available_actions(user, declaration))
    with pytest.raises(PermissionDenied):
        act(applicant, declaration, "abandon")
    assert state_of(declaration) == "returned"


def test_the_api_refuses_a_system_action(client, in_window, plan, applicant, people):
    declaration = returned(applicant, plan, people, date(2026, 9, 22))
    client.force_login(people["bureau"])
    response = client.post(f"/api/v1/declarations/{declaration.pk}/actions/terminate/", {},
                           content_type="application/json")
    assert response.status_code == 403
    assert state_of(declaration) == "returned"


def test_the_new_rules_are_in_the_national_rulebook():
    rules = effective_plan_rules()
    assert rules.terminate_unfinished_on == (7, 31) and rules.reminder_working_days == 3
    citations = effective_citations()
    for code in ("TERMINATE_UNFINISHED", "PUSH_DEADLINE", "DECLARATION_EXPIRED", "DEADLINE_REMINDER"):
        assert citations[code]


# --- 1. the declaration window closed -----------------------------------------------------------


def test_drafts_are_marked_expired_after_the_window_not_moved(client, in_window, plan, applicant):
    from declarations.services import start_declaration
    from tests.declarations.conftest import fill_profile

    fill_profile(applicant, series=plan.series)
    draft = start_declaration(actor=applicant, plan_id=plan.pk, level="intermediate")
    for day in (date(2026, 9, 29), date(2026, 9, 30)):  # the window ends 09-30: that day still belongs to it
        assert sweep("expire_drafts", day).total == 0
    result = sweep("expire_drafts", date(2026, 10, 1))
    assert result.total == 1 and result.examples == [draft.pk]
    draft.refresh_from_db()
    assert draft.state == "draft" and draft.expired_on == date(2026, 10, 1)
    assert sweep("expire_drafts", date(2026, 10, 2)).total == 0
    client.force_login(applicant)
    assert "已过申报期" in client.get(reverse("declarations:detail", args=[draft.pk])).content.decode()
    assert "已过申报期" in client.get(reverse("declarations:mine")).content.decode()
    assert client.get(f"/api/v1/declarations/{draft.pk}/").json()["expired_on"] == "2026-10-01"


# --- 3. push deadlines ---------------------------------------------------------------------------


def test_an_employer_that_did_not_push_by_its_phase_end_is_recorded_once(settings, in_window, plan, applicant,
                                                                         people, org_tree):
    declaration = submitted(applicant, plan)  # employer_review ends 2026-10-20
    for day in (date(2026, 10, 19), date(2026, 10, 20)):
        assert sweep("push_deadlines", day).total == 0
    assert sweep("push_deadlines", date(2026, 10, 21)).total == 1
    late = LateStep.objects.get()
    assert (late.declaration_id, late.organisation, late.state, late.phase, late.deadline) == (
        declaration.pk, org_tree["employer_a"], "employer_review", "employer_review", date(2026, 10, 20))
    assert state_of(declaration) == "employer_review"  # it stays behind
    assert sweep("push_deadlines", date(2026, 10, 22)).total == 0
    assert LateStep.objects.count() == 1


def test_a_department_that_did_not_push_is_named(settings, in_window, plan, applicant, people, org_tree):
    declaration = in_publicity(settings, applicant, plan, people, org_tree)
    move_to(settings, date(2026, 9, 21))
    act(people["admin"], declaration, "forward")
    assert sweep("push_deadlines", date(2026, 10, 28)).total == 0  # department_audit ends 10-28
    assert sweep("push_deadlines", date(2026, 10, 29)).total == 1
    assert LateStep.objects.get().organisation == org_tree["dept"]
    assert sweep("push_deadlines", date(2026, 10, 30)).total == 0


def test_the_bureau_lists_late_organisations_of_its_region(client, in_window, plan, applicant, people, org_tree):
    submitted(applicant, plan)
    sweep("push_deadlines", date(2026, 10, 21))
    client.force_login(people["bureau"])
    page = client.get(reverse("reviews:late"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "甲单位" in body and plan.name in body
    client.force_login(people["other_bureau"])
    assert "甲单位" not in client.get(reverse("reviews:late")).content.decode()
    client.force_login(applicant)
    assert client.get(reverse("reviews:late")).status_code == 403


# --- 2. the 初定 cutoff ---------------------------------------------------------------------------


def test_initial_declarations_unfinished_at_the_cutoff_are_recorded(in_window, plan, applicant, people, org_tree):
    declaration = submitted(applicant, plan)
    Declaration.objects.filter(pk=declaration.pk).update(route="initial")  # test data: a 初定 declaration
    # no 初定 phase in the plan: PlanRules.initial_end (11-30) of the plan's year
    for day in (date(2026, 11, 29), date(2026, 11, 30)):
        assert sweep("initial_cutoff", day).total == 0
    assert sweep("initial_cutoff", date(2026, 12, 1)).total == 1
    late = LateStep.objects.get(phase="initial")
    assert late.organisation == org_tree["employer_a"] and late.deadline == date(2026, 11, 30)
    assert sweep("initial_cutoff", date(2026, 12, 2)).total == 0


# --- 4. corrections not made: 视为放弃申报 -------------------------------------------------------


def test_a_correction_past_its_deadline_is_abandoned_through_the_table(in_window, plan, applicant, people):
    applicant.email = "zhang@example.com"
    applicant.save()
    declaration = returned(applicant, plan, people, date(2026, 9, 22))
    other = returned(user_with_role(Role.APPLICANT, declaration.employer), plan, people, date(2026, 9, 24))
    for day in (date(2026, 9, 21), date(2026, 9, 22)):
        assert sweep("abandon_corrections", day).total == 0
    result = sweep("abandon_corrections", date(2026, 9, 23))
    assert result.total == 1 and result.examples == [declaration.pk]
    assert state_of(declaration) == "abandoned" and state_of(other) == "returned"
    decision = Decision.objects.get(action="abandon")
    assert decision.actor is None and decision.body == plan.organisation
    assert decision.from_state == "returned" and decision.to_state == "abandoned"
    assert "2026-09-22" in decision.comment and "逾期视为放弃申报" in decision.basis
    event = Event.objects.get(action="abandon")
    assert event.actor is None and event.object_id == str(declaration.pk) and event.to_state == "abandoned"
    assert chain_is_whole()
    assert Declaration.history.filter(id=declaration.pk, state="abandoned").exists()
    notice = Notification.objects.get(recipient=applicant, key=f"decision:{decision.pk}:applicant")
    assert "视为放弃申报" in notice.title
    assert OutboxMessage.objects.filter(kind="accounts.notifications.send_notification_emails",
                                        payload__notification_ids=[notice.pk]).exists()
    assert sweep("abandon_corrections", date(2026, 9, 24)).total == 0
    assert Decision.objects.filter(action="abandon").count() == 1
    result = sweep("abandon_corrections", date(2026, 9, 28))
    assert result.examples == [other.pk] and chain_is_whole()


def test_a_resubmitted_correction_is_not_abandoned(in_window, plan, applicant, people):
    declaration = returned(applicant, plan, people, date(2026, 9, 22))
    act(applicant, declaration, "resubmit")
    assert sweep("abandon_corrections", date(2026, 9, 30)).total == 0
    assert state_of(declaration) == "employer_review"


# --- 5. the unit's 公示 over ----------------------------------------------------------------------


def test_the_unit_publicity_over_is_marked_ready_and_the_admin_told(settings, client, in_window, plan, applicant,
                                                                   people, org_tree):
    declaration = in_publicity(settings, applicant, plan, people, org_tree)
    end = Recommendation.objects.get().publicity_end  # 2026-09-20
    for day in (date(2026, 9, 19), end):
        assert sweep("unit_publicity_ready", day).total == 0
    assert sweep("unit_publicity_ready", date(2026, 9, 21)).total == 1
    assert Recommendation.objects.get().ready_on == date(2026, 9, 21)
    assert state_of(declaration) == "unit_publicity"  # forwarding stays a human action
    assert Notification.objects.filter(recipient=people["admin"], key__startswith="publicity-over:").count() == 1
    assert sweep("unit_publicity_ready", date(2026, 9, 22)).total == 0
    client.force_login(people["admin"])
    assert "可推送" in client.get(reverse("reviews:queue")).content.decode()


def test_an_open_objection_keeps_the_publicity_from_being_ready(settings, in_window, plan, applicant, people,
                                                                org_tree):
    from reviews.services import record_objection

    declaration = in_publicity(settings, applicant, plan, people, org_tree)
    record_objection(actor=people["admin"], declaration_id=declaration.pk, text="业绩存疑")
    assert sweep("unit_publicity_ready", date(2026, 9, 21)).total == 0


# --- 6. 07-31 of the next year: terminated ------------------------------------------------------


def test_the_previous_years_unfinished_declarations_are_terminated_on_07_31(in_window, plan, applicant, people):
    from declarations.services import start_declaration
    from tests.declarations.conftest import fill_profile

    declaration = submitted(applicant, plan)
    draft_owner = user_with_role(Role.APPLICANT, declaration.employer)
    fill_profile(draft_owner, series=plan.series)
    draft = start_declaration(actor=draft_owner, plan_id=plan.pk, level="intermediate")
    finished = returned(user_with_role(Role.APPLICANT, declaration.employer), plan, people, date(2026, 9, 22))
    act(finished.applicant, finished, "withdraw")
    for day in (date(2026, 12, 31), date(2027, 7, 30)):
        assert sweep("terminate_unfinished", day).total == 0
    result = sweep("terminate_unfinished", date(2027, 7, 31))
    assert result.total == 2
    assert state_of(declaration) == state_of(draft) == "terminated" and state_of(finished) == "withdrawn"
    decisions = Decision.objects.filter(action="terminate")
    assert {d.from_state for d in decisions} == {"employer_review", "draft"}
    assert all("五(三)" in d.basis and "2027-07-31" in d.comment for d in decisions)
    assert chain_is_whole()
    assert sweep("terminate_unfinished", date(2027, 8, 1)).total == 0


# --- 7. reminders ----------------------------------------------------------------------------------


def test_the_applicant_is_reminded_of_a_correction_once(in_window, plan, applicant, people):
    # Tue 09-29; 3 working days before it: Wed 09-23 (Fri 09-25 is 中秋节)
    declaration = returned(applicant, plan, people, date(2026, 9, 29))
    assert sweep("remind_corrections", date(2026, 9, 22)).total == 0
    assert sweep("remind_corrections", date(2026, 9, 23)).total == 1
    notice = Notification.objects.get(key=f"reminder:correction:{CorrectionNotice.objects.get().pk}")
    assert notice.recipient == applicant and "2026-09-29" in notice.title
    assert str(declaration.pk) in notice.link
    assert sweep("remind_corrections", date(2026, 9, 24)).total == 0
    assert sweep("remind_corrections", date(2026, 9, 29)).total == 0
    assert sweep("remind_corrections", date(2026, 9, 30)).total == 0


def test_handlers_and_admins_are_reminded_before_the_employer_phase_ends(in_window, plan, applicant, people):
    submitted(applicant, plan)  # employer_review ends Tue 2026-10-20; 3 working days before: 10-15
    assert sweep("remind_reviewers", date(2026, 10, 14)).total == 0
    result = sweep("remind_reviewers", date(2026, 10, 15))
    told = set(Notification.objects.filter(key__startswith="reminder:").values_list("recipient__username",
                                                                                    "key"))
    assert {user for user, _ in told} == {people["handler"].username, people["admin"].username}
    assert result.total == 2 and "提醒单位经办人" in result.changed
    assert sweep("remind_reviewers", date(2026, 10, 16)).total == 0
    assert sweep("remind_reviewers", date(2026, 10, 21)).total == 0


def test_verified_materials_spare_the_handler_a_reminder(in_window, plan, applicant, people):
    declaration = submitted(applicant, plan)
    verify_all(declaration, people["handler"])
    sweep("remind_reviewers", date(2026, 10, 15))
    assert not Notification.objects.filter(recipient=people["handler"], key__startswith="reminder:").exists()
    assert Notification.objects.filter(recipient=people["admin"], key__startswith="reminder:").exists()


# --- the registry, the command and the tasks ------------------------------------------------------


def test_every_sweep_is_registered_and_a_second_run_changes_nothing(in_window, plan, applicant, people):
    returned(applicant, plan, people, date(2026, 9, 22))
    assert set(SWEEPS) >= {"expire_drafts", "initial_cutoff", "push_deadlines", "abandon_corrections",
                           "unit_publicity_ready", "terminate_unfinished", "remind_corrections", "remind_reviewers"}
    first = {sweep.code: result.total for sweep, result in run_group(date(2026, 10, 21))}
    assert first["abandon_corrections"] == 1
    again = {sweep.code: result.total for sweep, result in run_group(date(2026, 10, 21))}
    assert set(again.values()) == {0}


def test_run_deadlines_prints_what_each_sweep_changed(in_window, plan, applicant, people, capsys):
    declaration = returned(applicant, plan, people, date(2026, 9, 22))
    call_command("run_deadlines", "--today", "2026-09-23")
    out = capsys.readouterr().out
    assert "到期处理日期：2026-09-23" in out
    assert f"逾期未补正（视为放弃申报）［abandon_corrections］：视为放弃申报 1（例：{declaration.pk}）" in out
    assert "申报期已过的草稿［expire_drafts］：无变化" in out
    # each sweep's time, committed, and their sum (what the rush benchmark reports beside the command's own time)
    times = [float(t) for t in re.findall(r"^- .*（用时 (\d+\.\d\d) 秒）$", out, re.M)]
    assert len(times) == len(SWEEPS)
    total = float(re.search(r"^合计用时 (\d+\.\d\d) 秒$", out, re.M).group(1))
    assert abs(total - sum(times)) < 0.01 * len(times)
    with pytest.raises(Exception, match="YYYY-MM-DD"):
        call_command("run_deadlines", "--today", "2026-13-01")


def test_the_beat_schedule_is_in_the_database():
    from django_celery_beat.models import PeriodicTask

    tasks = {t.task: t for t in PeriodicTask.objects.filter(enabled=True)}
    assert {"reviews.run_deadline_sweeps", "reviews.send_deadline_reminders", "outbox.sweep"} <= set(tasks)
    reminders = tasks["reviews.send_deadline_reminders"].crontab
    assert (reminders.hour, reminders.minute, str(reminders.timezone)) == ("8", "0", "Asia/Shanghai")
    assert tasks["outbox.sweep"].interval.every == 60


def test_a_reminder_into_a_year_without_a_holiday_schedule_counts_weekdays(plan, org_tree, people):
    from tests.factories import returned_declarations

    returned_declarations(plan, org_tree["employer_a"], 1, deadline=date(2027, 1, 4), returned_by=people["handler"])
    assert sweep("remind_corrections", date(2026, 12, 29)).total == 0  # 12-30, 12-31, 01-01 (a weekday)
    result = sweep("remind_corrections", date(2026, 12, 30))
    assert result.total == 1 and "2027 年的节假日安排尚未录入" in result.details[0]


def test_one_failing_sweep_does_not_stop_the_others(monkeypatch, in_window, plan, applicant, people):
    from reviews.deadlines import registry

    returned(applicant, plan, people, date(2026, 9, 22))

    def broken(today):
        raise RuntimeError("坏了")

    monkeypatch.setitem(registry.SWEEPS, "expire_drafts", registry.Sweep("expire_drafts", "测试", "sweep", broken))
    results = {sweep.code: result for sweep, result in run_group(date(2026, 9, 23))}
    assert "坏了" in results["expire_drafts"].details[0]
    assert results["abandon_corrections"].total == 1
