from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from partnership.models import Membership, Organisation, OrganisationKind, OwnershipForm, Role, User


def _cvr(n: int) -> str:
    """The n-th valid CVR number above 20000000 (modulus-11 checked)."""
    weights = (2, 7, 6, 5, 4, 3, 2, 1)
    found = 0
    value = 20000000
    while True:
        value += 1
        s = str(value)
        if sum(int(d) * w for d, w in zip(s, weights, strict=True)) % 11 == 0:
            if found == n:
                return s
            found += 1


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@test.example")
    name = factory.Sequence(lambda n: f"Person {n}")

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or "partnerskab-test")
        if create:
            from allauth.account.models import EmailAddress

            obj.save(update_fields=["password"])
            EmailAddress.objects.get_or_create(
                user=obj, email=obj.email, defaults={"verified": True, "primary": True}
            )


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = OrganisationKind.MUNICIPALITY
    name = factory.Sequence(lambda n: f"Testkommune {n}")
    slug = factory.Sequence(lambda n: f"testkommune-{n}")


class ProviderFactory(OrganisationFactory):
    kind = OrganisationKind.PROVIDER
    name = factory.Sequence(lambda n: f"Testleverandør {n} ApS")
    slug = factory.Sequence(lambda n: f"testleverandoer-{n}")
    cvr = factory.Sequence(lambda n: _cvr(1000 + n))
    ownership_form = OwnershipForm.PRIVATE


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.CASEWORKER


def demo_user(email: str) -> User:
    return User.objects.get(email=email)
