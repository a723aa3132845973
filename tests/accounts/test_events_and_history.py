import pytest

from accounts.models import Event, Role
from accounts.services import grant_role, record_event
from tests.factories import UserFactory, user_with_role

pytestmark = pytest.mark.django_db


def test_event_log_is_append_only(org_tree):
    actor = user_with_role(Role.SYSTEM_ADMIN, org_tree["bureau"])
    event = record_event(actor=actor, action="test", obj=org_tree["employer_a"], from_state="a", to_state="b",
                         comment="说明")
    assert Event.objects.get(pk=event.pk).comment == "说明"
    event.comment = "改写"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        Event.objects.filter(pk=event.pk).update(comment="改写")
    with pytest.raises(PermissionError):
        Event.objects.all().delete()
    assert Event.objects.get(pk=event.pk).comment == "说明"


def test_employer_admin_grants_handler_in_own_unit_only(org_tree):
    admin = user_with_role(Role.EMPLOYER_ADMIN, org_tree["employer_a"])
    newcomer = UserFactory()
    grant_role(actor=admin, user=newcomer, organisation=org_tree["employer_a"], role=Role.EMPLOYER_HANDLER)
    assert newcomer.role_memberships.get().role == Role.EMPLOYER_HANDLER
    event = Event.objects.get(action="grant_role")
    assert event.actor == admin and event.to_state == Role.EMPLOYER_HANDLER
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied, match="无权"):
        grant_role(actor=admin, user=UserFactory(), organisation=org_tree["employer_b"], role=Role.EMPLOYER_HANDLER)
    with pytest.raises(PermissionDenied):
        grant_role(actor=admin, user=UserFactory(), organisation=org_tree["employer_a"], role=Role.BUREAU_REVIEWER)


def test_competent_department_allocates_employer_admin_below_it(org_tree):
    reviewer = user_with_role(Role.DEPT_REVIEWER, org_tree["dept"])
    target = UserFactory()
    grant_role(actor=reviewer, user=target, organisation=org_tree["employer_a"], role=Role.EMPLOYER_ADMIN)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        grant_role(actor=reviewer, user=UserFactory(), organisation=org_tree["employer_b"], role=Role.EMPLOYER_ADMIN)


def test_models_keep_history(org_tree):
    org = org_tree["employer_a"]
    org.name = "甲单位（更名）"
    org.save()
    assert [h.name for h in org.history.order_by("history_date")] == ["甲单位", "甲单位（更名）"]


def test_postgresql_refuses_raw_updates_and_deletes_of_the_event_log(org_tree):
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    event = record_event(actor=None, action="test", obj=org_tree["bureau"])
    for sql in ("UPDATE accounts_event SET comment = 'x' WHERE id = %s", "DELETE FROM accounts_event WHERE id = %s"):
        with pytest.raises(DatabaseError, match="事件日志不可修改或删除"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [event.pk])
    assert Event.objects.filter(pk=event.pk).exists()
