"""The header's unread count (accounts.context_processors.UnreadBadge): counted only when a page shows it, and
shown as Django's number formatting showed the count."""

import pytest
from django.template import Context, Template
from django.utils import formats

from accounts import notifications
from accounts.context_processors import UnreadBadge
from accounts.context_processors import notifications as header_context
from accounts.models import Role
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db

HEADER = Template("{% if n %}<span aria-label=\"未读 {{ n }} 条\">{{ n }}</span>{% endif %}")


@pytest.mark.parametrize("count", [1, 9, 1234, 1000000])
def test_the_badge_shows_the_count_as_the_number_did(monkeypatch, count):
    monkeypatch.setattr(notifications, "unread_count", lambda user: count)
    shown = HEADER.render(Context({"n": UnreadBadge(object())}))
    as_number = HEADER.render(Context({"n": count}))
    assert shown == as_number == f'<span aria-label="未读 {formats.localize(count)} 条">{formats.localize(count)}</span>'


def test_nothing_unread_leaves_the_badge_out(monkeypatch):
    monkeypatch.setattr(notifications, "unread_count", lambda user: 0)
    assert HEADER.render(Context({"n": UnreadBadge(object())})) == ""


def test_the_layouts_badge_is_the_count_in_its_span_or_nothing(monkeypatch):
    """``badge()``, which the layout shows (and ``config.fragments.fill`` puts into a kept page's slot)."""
    monkeypatch.setattr(notifications, "unread_count", lambda user: 12)
    assert str(UnreadBadge(object()).badge()) == '<span class="badge" aria-label="未读 12 条">12</span>'
    monkeypatch.setattr(notifications, "unread_count", lambda user: 0)
    assert str(UnreadBadge(object()).badge()) == ""


def test_counted_once_and_only_when_shown(monkeypatch, rf, org_tree):
    counted = []
    monkeypatch.setattr(notifications, "unread_count", lambda user: counted.append(user) or 3)
    request = rf.get("/")
    request.user = user_with_role(Role.APPLICANT, org_tree["employer_a"])
    badge = header_context(request)["unread_notifications"]
    assert counted == []
    assert str(badge) == "3" and badge and str(badge) == "3"
    assert counted == [request.user]


def test_signed_out_has_no_badge(rf):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/")
    request.user = AnonymousUser()
    assert header_context(request) == {}
