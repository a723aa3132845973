"""Notifications go to the people who must act next, in the app and by e-mail from the outbox, each
at most once."""

import pytest
from django.core import mail

from accounts.models import Notification, Role
from accounts.notifications import notify, send_notification_email
from declarations.services import take_action
from outbox.models import OutboxMessage
from tests.factories import user_with_role
from tests.reviews.conftest import submitted

pytestmark = pytest.mark.django_db


def test_submit_tells_the_handler_and_a_return_tells_the_applicant(settings, client, in_window, plan, applicant,
                                                                    org_tree, django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    handler = user_with_role(Role.EMPLOYER_HANDLER, org_tree["employer_a"], email="handler@example.cn")
    other_handler = user_with_role(Role.EMPLOYER_HANDLER, org_tree["employer_b"], email="other@example.cn")
    applicant.email = "me@example.cn"
    applicant.save()
    with django_capture_on_commit_callbacks(execute=True):
        declaration = submitted(applicant, plan)
    told = Notification.objects.get(recipient=handler)
    assert "待办" in told.title and f"/declarations/{declaration.pk}/" == told.link
    assert not Notification.objects.filter(recipient=other_handler).exists()
    assert [m.to for m in mail.outbox] == [["handler@example.cn"]]
    with django_capture_on_commit_callbacks(execute=True):
        take_action(actor=handler, declaration_id=declaration.pk, action="return",
                    payload={"items": [{"about": "material:id_card", "problem": "不清晰"}]})
    mine = Notification.objects.get(recipient=applicant)
    assert "退回补正" in mine.title and "不清晰" in mine.body
    assert [m.to for m in mail.outbox] == [["handler@example.cn"], ["me@example.cn"]]
    client.force_login(applicant)
    assert 'aria-label="未读 1 条"' in client.get("/declarations/").content.decode()
    client.post("/notifications/", {})
    assert "未读" not in client.get("/declarations/").content.decode().split("</header>")[0]


def test_each_notice_goes_once_and_each_email_once(settings, org_tree):
    user = user_with_role(Role.APPLICANT, org_tree["employer_a"], email="a@example.cn")
    from django.db import transaction

    with transaction.atomic():
        first = notify(recipients=[user, user], key="k1", title="t")
        again = notify(recipients=[user], key="k1", title="t")
    assert len(first) == 1 and again == [] and Notification.objects.count() == 1
    message = OutboxMessage.objects.get()
    send_notification_email(**message.payload)
    send_notification_email(**message.payload)
    assert len(mail.outbox) == 1 and Notification.objects.get().emailed_at is not None


def test_many_recipients_cost_one_statement_and_one_already_told_is_skipped(org_tree, django_assert_num_queries):
    """A body's members are told and their e-mails put in the outbox in one statement on PostgreSQL (a recipient
    told before is passed over without a savepoint each, and the transaction goes on)."""
    from django.db import connection, transaction

    users = [user_with_role(Role.EMPLOYER_HANDLER, org_tree["employer_a"], email=f"h{i}@example.cn" if i else "")
             for i in range(4)]
    with transaction.atomic():
        notify(recipients=users[1:2], key="k2", title="t")
        with django_assert_num_queries(1 if connection.vendor == "postgresql" else 14):  # a savepoint each elsewhere
            told = notify(recipients=users, key="k2", title="待办", link="/x/")
        assert sorted(n.recipient_id for n in told) == sorted(u.pk for u in users if u.pk != users[1].pk)
        assert Notification.objects.filter(key="k2").count() == 4  # the transaction still works
    assert {n.pk: n.title for n in told} == dict(Notification.objects.filter(pk__in=[n.pk for n in told])
                                                 .values_list("pk", "title"))
    # e-mails for those with an address, once: users[1]'s from its first notice, users[2] and users[3] now
    assert sorted(m.payload["notification_id"] for m in OutboxMessage.objects.all()) == sorted(
        [Notification.objects.get(recipient=users[1]).pk, *(n.pk for n in told if n.recipient_id != users[0].pk)])
    assert {m.kind for m in OutboxMessage.objects.all()} == {"accounts.notifications.send_notification_email"}
    assert [m.payload for m in OutboxMessage.objects.order_by("pk")][1:] == [  # in the notifications' order
        {"notification_id": n.pk} for n in sorted(told, key=lambda n: n.pk) if n.recipient_id != users[0].pk]


def test_nobody_reads_someone_elses_notifications(client, org_tree):
    from django.db import transaction

    owner = user_with_role(Role.APPLICANT, org_tree["employer_a"])
    with transaction.atomic():
        notice = notify(recipients=[owner], key="x", title="仅本人可见的通知")[0]
    other = user_with_role(Role.APPLICANT, org_tree["employer_a"])
    client.force_login(other)
    assert "仅本人可见的通知" not in client.get("/notifications/").content.decode()
    client.post("/notifications/", {"notification": notice.pk})
    notice.refresh_from_db()
    assert notice.read_at is None
