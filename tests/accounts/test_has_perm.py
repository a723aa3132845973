"""``User.has_perm`` over the authentication backends made once per process: Django's answers, whatever the
backends (a backend that allows, one that refuses with ``PermissionDenied``, settings overridden)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HERE = "tests.accounts.test_has_perm"


class Allows:
    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user, perm, obj=None):
        return perm == "demo.allowed"


class Refuses:
    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user, perm, obj=None):
        raise PermissionDenied


class AuthenticatesOnly:  # no has_perm: skipped, as Django skips it
    def authenticate(self, request, **credentials):
        return None


def test_the_first_backend_that_allows_decides():
    user = UserFactory()
    with override_settings(AUTHENTICATION_BACKENDS=[f"{HERE}.AuthenticatesOnly", f"{HERE}.Allows"]):
        assert user.has_perm("demo.allowed")
        assert not user.has_perm("demo.other")


def test_a_refusal_stops_the_backends_after_it():
    user = UserFactory()
    with override_settings(AUTHENTICATION_BACKENDS=[f"{HERE}.Refuses", f"{HERE}.Allows"]):
        assert not user.has_perm("demo.allowed")
    with override_settings(AUTHENTICATION_BACKENDS=[f"{HERE}.Allows", f"{HERE}.Refuses"]):
        assert user.has_perm("demo.allowed")  # the settings changed: the backends are theirs, not the last call's


def test_an_active_superuser_may_and_an_inactive_one_follows_the_backends():
    user = UserFactory(is_superuser=True)
    with override_settings(AUTHENTICATION_BACKENDS=[f"{HERE}.Refuses"]):
        assert user.has_perm("anything.at_all")
        user.is_active = False
        assert not user.has_perm("anything.at_all")


def test_the_site_backends_still_answer_object_permissions(in_window, applicant, plan):
    """The project's rules (django-rules) through the kept backends: the applicant sees their draft, another
    applicant does not."""
    from declarations.services import start_declaration

    declaration = start_declaration(actor=applicant, plan_id=plan.pk, level="intermediate")
    assert applicant.has_perm("declarations.view_declaration", declaration)
    assert not UserFactory().has_perm("declarations.view_declaration", declaration)
