from datetime import date

import pytest

from accounts.models import Role
from tests.factories import user_with_role

PUBLIC = "https://zc.example.gov.cn"


@pytest.fixture(autouse=True)
def after_approval(settings):
    """Today is after the approval (2026-12-10) and the 2026 plan's results."""
    settings.DEBUG = True
    settings.ZC_TODAY = date(2026, 12, 15)
    return settings.ZC_TODAY


@pytest.fixture
def signing(settings, tmp_path):
    """A demo signing key (with a passphrase) and certificate in a tmp dir; files in a tmp media root."""
    from certificates.signing_keys import make_signing_pair

    settings.CERT_SIGNING_KEY = tmp_path / "signing" / "key.pem"
    settings.CERT_SIGNING_CERT = tmp_path / "signing" / "cert.pem"
    settings.CERT_SIGNING_PASSPHRASE = "test-passphrase"
    settings.PUBLIC_BASE_URL = PUBLIC
    settings.MEDIA_ROOT = str(tmp_path / "media")
    make_signing_pair(key_path=settings.CERT_SIGNING_KEY, cert_path=settings.CERT_SIGNING_CERT,
                      passphrase=settings.CERT_SIGNING_PASSPHRASE)
    return settings.CERT_SIGNING_CERT


@pytest.fixture
def bureau_user(org_tree):
    return user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])


def approved(applicant, plan, *, level="intermediate", route="regular", specialty=True, state="approved"):
    """A declaration already approved (test-only: the results helper's ``approve`` row sets it in the flow)."""
    from declarations.models import Declaration

    return Declaration.objects.create(
        applicant=applicant, employer=applicant.role_memberships.first().organisation, plan=plan, year=plan.year,
        series=plan.series, specialty=plan.specialties.first() if specialty else None, level=level, route=route,
        state=state,
    )


def holder(org_tree, n=0, **kwargs):
    from tests.factories import valid_id_number

    defaults = {"real_name": "张伟", "id_number": valid_id_number(n + 1)}
    return user_with_role(Role.APPLICANT, org_tree["employer_a"], **{**defaults, **kwargs})


APPROVAL = {"approval_document": "长人社职字〔2026〕88号", "approved_on": date(2026, 12, 10)}
