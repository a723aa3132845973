"""What a transition writes beside the new state, written by PostgreSQL in fewer statements than the ORM's
instance path: the same rows, column for column (issue 20, the rush)."""

import pytest
from django.db import connection
from django.forms.models import model_to_dict

from accounts.models import Role
from declarations.models import Declaration
from declarations.services import take_action
from tests.commands import run_command
from tests.declarations.conftest import ready_draft
from tests.factories import user_with_role

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement writes: PostgreSQL")]

History = Declaration.history.model
SET_BY_EACH_WRITE = {"history_id", "history_date", "updated_at"}



def _row(history):
    return {k: v for k, v in model_to_dict(history, fields=[f.attname for f in History._meta.concrete_fields]).items()
            if k not in SET_BY_EACH_WRITE}


def _simple_history_row(declaration, **attributes):
    """The row simple-history's own path writes for the declaration as it now is."""
    for name, value in attributes.items():
        setattr(declaration, name, value)
    declaration.save(update_fields=["state", "version", "submitted_at", "updated_at"])
    return History.objects.filter(id=declaration.pk).latest("history_id")


def test_the_submits_history_row_is_simple_historys(client, in_window, plan, org_tree):
    applicant, declaration = ready_draft(org_tree, plan, "history-api")
    client.force_login(applicant)
    before = History.objects.filter(id=declaration.pk).count()
    response = client.post(f"/api/v1/declarations/{declaration.pk}/actions/submit/", {"pledge": True},
                           content_type="application/json")
    assert response.status_code == 200
    assert History.objects.filter(id=declaration.pk).count() == before + 1  # one row for the transition
    ours = History.objects.filter(id=declaration.pk).latest("history_id")
    declaration = Declaration.objects.get(pk=declaration.pk)
    assert ours.history_type == "~" and ours.history_user_id == applicant.pk and ours.history_change_reason is None
    assert ours.state == "employer_review" and ours.version == 1 and ours.submitted_at == declaration.submitted_at
    assert ours.history_date == ours.updated_at == declaration.updated_at
    theirs = _simple_history_row(declaration, _history_user=applicant)  # as the request's user is read
    assert _row(ours) == _row(theirs)


def test_without_a_request_the_row_has_no_user_as_simple_historys(in_window, plan, org_tree):
    applicant, declaration = ready_draft(org_tree, plan, "history-service")
    take_action(actor=applicant, declaration_id=declaration.pk, action="withdraw", payload={"comment": " 不报了 "})
    ours = History.objects.filter(id=declaration.pk).latest("history_id")
    assert ours.state == "withdrawn" and ours.history_user_id is None
    declaration = Declaration.objects.get(pk=declaration.pk)
    declaration._change_reason = "撤回"
    theirs = _simple_history_row(declaration)
    assert _row(ours) == {**_row(theirs), "history_change_reason": None}


def _serializer_json(declaration, user):
    """What DeclarationSerializer answers for the declaration as it is in the database, seen by ``user``."""
    from rest_framework.test import APIRequestFactory

    from declarations.api import DeclarationSerializer
    from declarations.selectors import access_declaration

    request = APIRequestFactory().get("/")
    request.user = user
    return DeclarationSerializer(access_declaration(user, declaration.pk), context={"request": request}).data


def test_an_actions_answer_is_the_declaration_serializers_json(client, in_window, plan, org_tree):
    """The action's 200 answer is made by hand (declarations.api.declaration_data), equal to the serializer's
    JSON key for key and in the same order: a submit, a return (with the notice's fields) and a resubmit; with a
    specialty and without."""
    from django.utils import timezone

    handler = user_with_role(Role.EMPLOYER_HANDLER, org_tree["employer_a"], username="json-handler")
    applicant, declaration = ready_draft(org_tree, plan, "json-api")
    Declaration.objects.filter(pk=declaration.pk).update(specialty=plan.specialties.first(),
                                                         expired_on=timezone.localdate())
    steps = [(applicant, "submit", {"pledge": True}),
             (handler, "return", {"items": [{"about": "material:id_card", "problem": "不清晰"}]}),
             (applicant, "resubmit", {})]
    for actor, action, payload in steps:
        client.force_login(actor)
        response = client.post(f"/api/v1/declarations/{declaration.pk}/actions/{action}/", payload,
                               content_type="application/json")
        assert response.status_code == 200, response.content
        answer = response.json()
        assert list(answer.items()) == list(_serializer_json(declaration, actor).items())
        assert answer["specialty_name"] and answer["expired_on"] and answer["submitted_at"].endswith("+08:00")
        assert (answer["return_items"] is not None) == (action == "return")
    _, bare = ready_draft(org_tree, plan, "json-bare")
    client.force_login(bare.applicant)
    answer = client.post(f"/api/v1/declarations/{bare.pk}/actions/withdraw/", {},
                         content_type="application/json").json()
    assert list(answer.items()) == list(_serializer_json(bare, bare.applicant).items())
    assert answer["specialty"] is None and answer["specialty_name"] == "" and answer["actions"] == []


def _submitted_sql(client, applicant, declaration) -> list[str]:
    """The applicant submits the draft through the API: the SQL sent."""
    from django.test.utils import CaptureQueriesContext

    client.force_login(applicant)
    with CaptureQueriesContext(connection) as done:
        response = client.post(f"/api/v1/declarations/{declaration.pk}/actions/submit/", {"pledge": True},
                               content_type="application/json")
    assert response.status_code == 200 and response.json()["state"] == "employer_review"
    return [query["sql"] for query in done.captured_queries]


@pytest.mark.django_db(transaction=True)
def test_a_transitions_reads_are_prepared_statements_and_a_stale_one_runs_the_action_again(
        client, in_window, plan, org_tree, monkeypatch):
    """On a kept connection the locked declaration and the lists are read by statements PostgreSQL keeps prepared,
    inside the transition's transaction too. When the session's statements are gone (or a migration made one
    stale) the failed EXECUTE aborts the transaction: the action runs once more, with plain statements, and writes
    what a submit writes, once."""
    from accounts.models import Event
    from declarations.models import DeclarationVersion, Pledge
    from reviews.models import Decision

    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 600)
    user_with_role(Role.EMPLOYER_HANDLER, org_tree["employer_a"])
    drafts = [ready_draft(org_tree, plan, f"prepared-{i}") for i in range(3)]

    def submit(applicant, declaration):
        return _submitted_sql(client, applicant, declaration)

    first = submit(*drafts[0])
    assert any(q.startswith("PREPARE") and "FOR UPDATE" in q for q in first)
    assert not any(q.startswith("SELECT") and "FOR UPDATE" in q for q in first)
    second = submit(*drafts[1])
    assert not any(q.startswith(("PREPARE", "SELECT")) and "FOR UPDATE" in q for q in second)  # EXECUTE alone
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    third = submit(*drafts[2])
    assert any(q.startswith("SELECT") and "FOR UPDATE" in q for q in third)  # the second try: as it is
    declaration = drafts[2][1]
    assert DeclarationVersion.objects.filter(declaration=declaration).count() == 1
    assert Pledge.objects.filter(declaration=declaration).count() == 1
    assert Decision.objects.filter(declaration=declaration).count() == 1
    assert Event.objects.filter(object_id=str(declaration.pk), action="submit").count() == 1
    assert Declaration.objects.get(pk=declaration.pk).version == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("gone", ["accounts_event", "declarations_historicaldeclaration", "declarations_pledge"])
def test_a_transitions_writes_are_prepared_and_a_stale_one_runs_the_action_again_writing_each_row_once(
        client, in_window, plan, org_tree, monkeypatch, gone):
    """The version, pledge and decision INSERT, the new state with its history row and the event's INSERT run as
    prepared statements inside the transition's transaction too (sent as text once per session: PREPARE, then
    EXECUTE). When one of them is gone (``gone``: the one whose SQL names that table) its failed EXECUTE aborts the
    transaction and the action runs again: every row of the submit is written once, the event chain whole."""
    from accounts.models import Event, Notification
    from declarations.models import DeclarationVersion, Pledge
    from outbox.models import OutboxMessage
    from reviews.models import Decision

    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 600)
    handler = user_with_role(Role.EMPLOYER_HANDLER, org_tree["employer_a"])
    handler.email = "handler@example.cn"
    handler.save(update_fields=["email"])
    drafts = [ready_draft(org_tree, plan, f"prepared-writes-{i}") for i in range(3)]

    def submit(applicant, declaration):
        return _submitted_sql(client, applicant, declaration)

    first = submit(*drafts[0])
    assert any("PREPARE" in q and "INSERT INTO accounts_event" in q for q in first)
    second = submit(*drafts[1])
    for table in ("declarations_declarationversion", "declarations_pledge", "reviews_decision", "accounts_event",
                  "declarations_historicaldeclaration"):
        assert not any(table in q for q in second), table  # each written by an EXECUTE of its prepared statement
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements WHERE statement LIKE %s", [f"%INSERT INTO%{gone}%"])
        names = [name for (name,) in cursor.fetchall()]
        assert names
        for name in names:
            cursor.execute(f"DEALLOCATE {name}")
    third = submit(*drafts[2])
    assert any(gone in q and not q.startswith("PREPARE") for q in third)  # the second try: as it is
    for _, declaration in drafts:
        decision = Decision.objects.get(declaration=declaration)
        assert DeclarationVersion.objects.filter(declaration=declaration).count() == 1
        assert Pledge.objects.filter(declaration=declaration).count() == 1
        assert Event.objects.filter(object_id=str(declaration.pk), action="submit").count() == 1
        assert History.objects.filter(id=declaration.pk, state="employer_review").count() == 1
        notices = Notification.objects.filter(recipient=handler, key=f"decision:{decision.pk}:act")
        assert notices.count() == 1
        assert OutboxMessage.objects.filter(payload__notification_id=notices.get().pk).count() == 1
        assert Declaration.objects.get(pk=declaration.pk).version == 1
    assert run_command("verify_events")[0] == 0  # the chain whole


def test_a_submits_snapshot_is_compressed_with_lz4_and_reads_back_whole(client, in_window, plan, org_tree):
    """declarations/0011: the version's snapshot (over TOAST's threshold) written with lz4, not pglz."""
    from declarations.models import DeclarationVersion

    with connection.cursor() as cursor:
        cursor.execute("SELECT attcompression FROM pg_attribute WHERE attrelid = "
                       "'declarations_declarationversion'::regclass AND attname = 'snapshot'")
        assert cursor.fetchone() == ("l",)
    applicant, declaration = ready_draft(org_tree, plan, "lz4-api")
    client.force_login(applicant)
    response = client.post(f"/api/v1/declarations/{declaration.pk}/actions/submit/", {"pledge": True},
                           content_type="application/json")
    assert response.status_code == 200
    version = DeclarationVersion.objects.get(declaration=declaration, number=1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_column_compression(snapshot), octet_length(snapshot::text) "
                       "FROM declarations_declarationversion WHERE id = %s", [version.pk])
        method, length = cursor.fetchone()
    assert length > 2000 and method == "lz4"  # over TOAST's threshold (≈ 5 KB here), so compressed
    assert version.snapshot["declaration"]["id"] == declaration.pk and version.snapshot["materials"]
