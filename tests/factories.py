from __future__ import annotations

import datetime as dt

import factory
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from factory.django import DjangoModelFactory

from offers import demo as offers_demo
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


_offer_numbers = __import__("itertools").count(1)


def make_offer(
    provider_slug: str = "bostedet-egelund", municipality_slug: str = "slagelse", **fields
):
    """An offer with § 108 and autism, for tests that have the demo organisations."""
    from offers.models import LegalParagraph, Offer, TargetGroup

    defaults = {
        "name": f"Testtilbud {next(_offer_numbers)}",
        "address": "Testvej 1",
        "postal_code": "4200",
        "city": "Slagelse",
        "age_min": 18,
        "age_max": 65,
        "description": "Et botilbud for voksne med autisme.",
        "methods": "Low arousal og struktur.",
        "places": 10,
        "status": "published",
    }
    defaults.update(fields)
    offer = Offer.objects.create(
        provider=Organisation.objects.get(slug=provider_slug),
        municipality=Organisation.objects.get(slug=municipality_slug),
        **defaults,
    )
    offer.paragraphs.set([LegalParagraph.objects.get(code="SEL § 108")])
    offer.target_groups.set([TargetGroup.objects.get(slug="autisme")])
    return offer


def publish(
    offer,
    year: int,
    price,
    unit: str = "day",
    version: int = 1,
    reason: str = "",
    by=None,
    addons=(),
):
    """A published tariff written straight to the database (as the demo data does)."""
    from decimal import Decimal

    from django.utils import timezone

    from offers.models import Tariff

    by = by or User.objects.get(email="leverandoer.a@portal.example")
    tariff = Tariff.objects.create(
        offer=offer,
        year=year,
        version=version,
        price=Decimal(str(price)),
        unit=unit,
        occupancy_percent=Decimal("95"),
        created_by=by,
        correction_reason=reason,
    )
    for name, addon_price, addon_unit in addons:  # add-ons go on while it is a draft
        tariff.addons.create(name=name, price=addon_price, unit=addon_unit)
    Tariff.objects.filter(pk=tariff.pk).update(
        status="published", published_at=timezone.now(), published_by=by
    )
    tariff.refresh_from_db()
    return tariff


def pl_rates(**rates):
    """PL rates by year (`y2027="2.4"`); without arguments the demo's rates for the three
    latest years, ending with this year on the test clock."""
    from decimal import Decimal

    from offers.models import RegulationRate

    defaults = {f"y{year}": str(rate) for year, rate in offers_demo.pl_rates().items()}
    for year, rate in (rates or defaults).items():
        RegulationRate.objects.update_or_create(
            year=int(year[1:]), defaults={"rate": Decimal(rate)}
        )


def next_month_start(today: dt.date | None = None) -> dt.date:
    """The first day of next month: a start date still ahead, as contracts usually have."""
    return (today or timezone.localdate()) + relativedelta(months=1, day=1)


def make_contract(
    offer=None,
    buyer_slug: str = "naestved",
    email: str = "sagsbehandler.naestved@portal.example",
    kind: str = "adults_outside",
    **fields,
):
    """A draft contract made through the service, as a caseworker would."""
    from contracts import services
    from contracts.models import ContractTemplate

    offer = offer or make_offer()
    tariff = offer.tariffs.filter(status="published").order_by("-year", "-version").first()
    today = timezone.localdate()
    if tariff is None:
        tariff = publish(offer, today.year, "2500")
    by = User.objects.get(email=email)
    data = {
        "buyer": Organisation.objects.get(slug=buyer_slug),
        "offer": offer,
        "case_reference": f"NAE-{today.year}-0042",
        "start_date": next_month_start(today),
        "end_date": None,
        "tariff": tariff,
        "payment_timing": "advance",
        "payment_days": 30,
        "notice_months": 3,
        "automatic_pl": True,
        "followup_first": None,
        "followup_interval_months": None,
        "buyer_contact": by,
        "provider_contact": User.objects.get(email="leverandoer.a@portal.example"),
    }
    data.update(fields)
    return services.create_contract(
        template=ContractTemplate.objects.get(kind=kind, version="2.0"),
        fields=data,
        addons=[],
        by=by,
    )
