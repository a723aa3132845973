"""Demo data: a small city's bureau, departments, employers and one user per role.

Idempotent: running it again changes nothing. Other apps add their demo data through
``DEMO_LOADERS`` (called in order with the organisations created here).
"""

from dataclasses import dataclass

from django.db import transaction

from .models import Organisation, OrganisationKind, Role, RoleMembership, Sector, User
from .permissions import requires_two_factor
from .services import TOTP_DEVICE_NAME
from .validators import id_number_check_code

DEMO_PASSWORD = "zhicheng-demo-2026"


@dataclass(frozen=True)
class DemoUser:
    username: str
    real_name: str
    role: str
    org_key: str
    id_body: str  # the first 17 digits; the check digit is computed
    phone: str


ORGANISATIONS = {
    # key: (name, kind, parent key, region code, sector)
    "bureau": ("长治市人力资源和社会保障局", OrganisationKind.HR_BUREAU, None, "140400", Sector.PUBLIC),
    "dept": ("长治市住房和城乡建设局", OrganisationKind.COMPETENT_DEPARTMENT, "bureau", "140400", Sector.PUBLIC),
    "employer_a": ("长治市建筑设计研究院", OrganisationKind.EMPLOYER, "dept", "140400", Sector.PUBLIC),
    "employer_b": ("山西太行建工集团有限公司", OrganisationKind.EMPLOYER, "bureau", "140400", Sector.NON_PUBLIC),
    "office": ("长治市工程系列中级职称评审委员会办公室", OrganisationKind.COMMITTEE_OFFICE, "bureau", "140400",
               Sector.PUBLIC),
}

USERS = [
    DemoUser("applicant", "张伟", Role.APPLICANT, "employer_a", "14040219900307123", "13800000001"),
    DemoUser("handler", "李娜", Role.EMPLOYER_HANDLER, "employer_a", "14040219880512234", "13800000002"),
    DemoUser("unitadmin", "王强", Role.EMPLOYER_ADMIN, "employer_a", "14040219800101345", "13800000003"),
    DemoUser("deptreviewer", "刘洋", Role.DEPT_REVIEWER, "dept", "14040219820220456", "13800000004"),
    DemoUser("bureau", "陈静", Role.BUREAU_REVIEWER, "bureau", "14040219850815567", "13800000005"),
    DemoUser("secretary", "杨帆", Role.COMMITTEE_SECRETARY, "office", "14040219870909678", "13800000006"),
    DemoUser("expert", "赵敏", Role.EXPERT, "office", "14040219750606789", "13800000007"),
    DemoUser("sysadmin", "周杰", Role.SYSTEM_ADMIN, "bureau", "14040219830303890", "13800000008"),
    DemoUser("auditor", "孙丽", Role.AUDITOR, "bureau", "14040219860618901", "13800000009"),
    DemoUser("applicant_b", "吴磊", Role.APPLICANT, "employer_b", "14040219920711012", "13800000010"),
]

DEMO_LOADERS: list = []  # callables (organisations: dict[str, Organisation]) -> None, added by other apps


@transaction.atomic
def load_demo() -> list[tuple[DemoUser, str]]:
    organisations: dict[str, Organisation] = {}
    for key, (name, kind, parent_key, region, sector) in ORGANISATIONS.items():
        organisations[key], _ = Organisation.objects.get_or_create(
            name=name,
            defaults={"kind": kind, "parent": organisations.get(parent_key), "region_code": region, "sector": sector},
        )
    created = []
    for spec in USERS:
        user, was_created = User.objects.get_or_create(
            username=spec.username,
            defaults={"real_name": spec.real_name, "phone": spec.phone,
                      "id_number": spec.id_body + id_number_check_code(spec.id_body)},
        )
        if was_created:
            user.set_password(DEMO_PASSWORD)
            if spec.role == Role.SYSTEM_ADMIN:
                user.is_staff = user.is_superuser = True
            if spec.role == Role.BUREAU_REVIEWER:  # the auditor reads the audit pages, not the admin
                user.is_staff = True
            user.save()
        RoleMembership.objects.get_or_create(user=user, organisation=organisations[spec.org_key], role=spec.role)
        created.append((spec, DEMO_PASSWORD))
    for loader in DEMO_LOADERS:
        loader(organisations)
    return created


def demo_otp_urls() -> dict[str, str]:
    """Enrol every demo user of a two-factor role with an authenticator (once) and return each
    account's otpauth URI, which the demo prints so that it can be added to an authenticator app."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    urls = {}
    for spec in USERS:
        user = User.objects.get(username=spec.username)
        if requires_two_factor(user):
            device, _ = TOTPDevice.objects.get_or_create(user=user, name=TOTP_DEVICE_NAME,
                                                         defaults={"confirmed": True})
            urls[spec.username] = device.config_url
    return urls
