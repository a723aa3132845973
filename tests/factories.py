import factory

from accounts.models import Organisation, OrganisationKind, Role, RoleMembership, Sector, User
from accounts.validators import id_number_check_code


def valid_id_number(n: int) -> str:
    body = f"1404021990{(n % 12) + 1:02d}{(n % 28) + 1:02d}{n % 1000:03d}"
    return body + id_number_check_code(body)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"测试单位{n}")
    kind = OrganisationKind.EMPLOYER
    region_code = "140400"
    sector = Sector.PUBLIC


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    real_name = factory.Sequence(lambda n: f"用户{n}")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    id_number = factory.Sequence(valid_id_number)
    password = factory.django.Password("test-password-1")


class RoleMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleMembership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.APPLICANT


def user_with_role(role, organisation, **kwargs):
    user = UserFactory(**kwargs)
    RoleMembershipFactory(user=user, organisation=organisation, role=role)
    return user
