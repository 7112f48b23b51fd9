from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from zoneinfo import ZoneInfo

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


# The demo's people (partnership/demo.py), by the role the tests log in as.
CASEWORKER = "sagsbehandler.slagelse@portal.example"  # Slagelse, a municipality
CASEWORKER_NAESTVED = "sagsbehandler.naestved@portal.example"
PROVIDER = "leverandoer.a@portal.example"  # editor at Bostedet Egelund
SECRETARIAT = "sekretariat@portal.example"

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def demo_user(email: str) -> User:
    return User.objects.get(email=email)


def demo_org(slug: str) -> Organisation:
    return Organisation.objects.get(slug=slug)


def days_ago(days: int) -> dt.date:
    """A day `days` before today on the test clock."""
    return timezone.localdate() - dt.timedelta(days=days)


# --- Offers and tariffs (tests that have the demo organisations: the `demo` fixture) -------

_offer_numbers = itertools.count(1)


def _by_key(model, key: str, items) -> list:
    """Reference rows given as objects or by their code/slug (unknown ones left out)."""
    names = [item for item in items if isinstance(item, str)]
    found = list(model.objects.filter(**{f"{key}__in": names})) if names else []
    return [item for item in items if not isinstance(item, str)] + found


class OfferFactory(DjangoModelFactory):
    """An offer of Bostedet Egelund in Slagelse, published, with § 108 and autism: pass
    paragraphs=[...] (codes or LegalParagraph) and target_groups=[...] (slugs or
    TargetGroup) for others."""

    class Meta:
        model = "offers.Offer"
        skip_postgeneration_save = True

    provider = factory.LazyFunction(lambda: demo_org("bostedet-egelund"))
    municipality = factory.LazyFunction(lambda: demo_org("slagelse"))
    name = factory.LazyFunction(lambda: f"Testtilbud {next(_offer_numbers)}")
    address = "Testvej 1"
    postal_code = "4200"
    city = "Slagelse"
    age_min = 18
    age_max = 65
    description = "Et botilbud for voksne med autisme."
    methods = "Low arousal og struktur."
    places = 10
    status = "published"

    @factory.post_generation
    def paragraphs(obj, create, extracted, **kwargs):
        from offers.models import LegalParagraph

        if create:
            codes = ["SEL § 108"] if extracted is None else extracted
            obj.paragraphs.set(_by_key(LegalParagraph, "code", codes))

    @factory.post_generation
    def target_groups(obj, create, extracted, **kwargs):
        from offers.models import TargetGroup

        if create:
            slugs = ["autisme"] if extracted is None else extracted
            obj.target_groups.set(_by_key(TargetGroup, "slug", slugs))


def make_offer(
    provider_slug: str = "bostedet-egelund", municipality_slug: str = "slagelse", **fields
):
    """An offer with § 108 and autism (or paragraphs=[codes], target_groups=[slugs]), for
    tests that have the demo organisations."""
    return OfferFactory(
        provider=demo_org(provider_slug), municipality=demo_org(municipality_slug), **fields
    )


class TariffFactory(DjangoModelFactory):
    """A tariff for this year on the test clock, written straight to the database (as the
    demo data does) and published (by its creator, or published_by=) unless published=False.
    addons=[(name, price, unit)] go on while it is still a draft (a published one takes none)."""

    class Meta:
        model = "offers.Tariff"

    offer = factory.SubFactory(OfferFactory)
    year = factory.LazyFunction(lambda: timezone.localdate().year)
    version = 1
    price = Decimal("2500")
    unit = "day"
    occupancy_percent = Decimal("95")
    created_by = factory.LazyFunction(lambda: demo_user(PROVIDER))
    correction_reason = ""

    @classmethod
    def _create(cls, model_class, *args, addons=(), published=True, **kwargs):
        published_by = kwargs.pop("published_by", kwargs["created_by"])
        kwargs["price"] = Decimal(str(kwargs["price"]))
        tariff = super()._create(model_class, *args, **kwargs)
        for name, addon_price, addon_unit in addons:
            tariff.addons.create(name=name, price=addon_price, unit=addon_unit)
        if published:
            model_class.objects.filter(pk=tariff.pk).update(
                status="published", published_at=timezone.now(), published_by=published_by
            )
            tariff.refresh_from_db()
        return tariff


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
    return TariffFactory(
        offer=offer,
        year=year,
        price=price,
        unit=unit,
        version=version,
        correction_reason=reason,
        created_by=by or demo_user(PROVIDER),
        addons=addons,
    )


def pl_rates(**rates):
    """PL rates by year (`y2027="2.4"`); without arguments the demo's rates for the three
    latest years, ending with this year on the test clock."""
    from offers.models import RegulationRate

    defaults = {f"y{year}": str(rate) for year, rate in offers_demo.pl_rates().items()}
    for year, rate in (rates or defaults).items():
        RegulationRate.objects.update_or_create(
            year=int(year[1:]), defaults={"rate": Decimal(rate)}
        )


# --- Contracts ------------------------------------------------------------------------------


def next_month_start(today: dt.date | None = None) -> dt.date:
    """The first day of next month: a start date still ahead, as contracts usually have."""
    return (today or timezone.localdate()) + relativedelta(months=1, day=1)


def _latest_published_tariff(offer):
    tariff = offer.tariffs.filter(status="published").order_by("-year", "-version").first()
    return tariff or publish(offer, timezone.localdate().year, "2500")


class ContractFactory(factory.Factory):
    """A draft contract made through contracts.services.create_contract, as Næstved's
    caseworker would: on the offer's latest published tariff (one for this year at 2.500 kr.
    if it has none), from next month on. Any other field of the form goes as a keyword."""

    class Meta:
        model = "contracts.Contract"

    offer = factory.SubFactory(OfferFactory)
    kind = "adults_outside"
    by = factory.LazyFunction(lambda: demo_user(CASEWORKER_NAESTVED))
    buyer = factory.LazyFunction(lambda: demo_org("naestved"))
    case_reference = factory.LazyFunction(lambda: f"NAE-{timezone.localdate().year}-0042")
    start_date = factory.LazyFunction(next_month_start)
    end_date = None
    tariff = factory.LazyAttribute(lambda o: _latest_published_tariff(o.offer))
    payment_timing = "advance"
    payment_days = 30
    notice_months = 3
    automatic_pl = True
    followup_first = None
    followup_interval_months = None
    buyer_contact = factory.LazyAttribute(lambda o: o.by)
    provider_contact = factory.LazyFunction(lambda: demo_user(PROVIDER))

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise NotImplementedError("a contract is made by the service: use ContractFactory()")

    @classmethod
    def _create(cls, model_class, *args, kind, by, **fields):
        from contracts import services
        from contracts.models import ContractTemplate

        return services.create_contract(
            template=ContractTemplate.objects.get(kind=kind, version="2.0"),
            fields=fields,
            addons=[],
            by=by,
        )


def make_contract(
    offer=None,
    buyer_slug: str = "naestved",
    email: str = CASEWORKER_NAESTVED,
    kind: str = "adults_outside",
    **fields,
):
    """A draft contract made through the service, as a caseworker would."""
    return ContractFactory(
        offer=offer or make_offer(),
        buyer=demo_org(buyer_slug),
        by=demo_user(email),
        kind=kind,
        **fields,
    )


# --- Meetings -------------------------------------------------------------------------------


def _forum(name: str):
    from meetings.models import Forum

    return Forum.objects.get_or_create(name=name)[0]


def _next_week_at_nine() -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=7)
    return dt.datetime.combine(day, dt.time(9, 0), tzinfo=COPENHAGEN)


class MeetingFactory(factory.Factory):
    """A meeting of the forum Fællesmøde, made through meetings.services.create_meeting by
    the secretariat: a week from today on the test clock, 9.00 to 11.00."""

    class Meta:
        model = "meetings.Meeting"

    by = factory.LazyFunction(lambda: demo_user(SECRETARIAT))
    forum = factory.LazyFunction(lambda: _forum("Fællesmøde"))
    title = "Fællesmøde om kvalitet"
    starts_at = factory.LazyFunction(_next_week_at_nine)
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=2))
    place = "Sorø, mødelokale 1"

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise NotImplementedError("a meeting is made by the service: use MeetingFactory()")

    @classmethod
    def _create(cls, model_class, *args, by, **fields):
        from meetings import services

        return services.create_meeting(fields=fields, by=by)


def make_meeting(secretariat, *, starts_at=None, ends_at=None, title="Fællesmøde om kvalitet"):
    """A meeting; by default a week from today, 9.00 to 11.00."""
    fields = {"by": secretariat, "title": title}
    if starts_at is not None:
        fields["starts_at"] = starts_at
    if ends_at is not None:
        fields["ends_at"] = ends_at
    return MeetingFactory(**fields)


# --- Quality dialogues ----------------------------------------------------------------------


def _framework(key: str = "kvalitetsmodel"):
    from quality.models import Framework

    return Framework.objects.get(key=key)


def _provider_editors(provider) -> list[User]:
    return [m.user for m in provider.memberships.filter(role="provider_editor")]


class DialogueFactory(factory.Factory):
    """A quality dialogue between Slagelse and the offer's provider about the offer, held
    30 days ago on the test clock, made through quality.services.create_dialogue by
    Slagelse's caseworker, with the provider's editors taking part. Needs the frameworks
    (the `frameworks` fixture of tests/quality puts them back after a flush)."""

    class Meta:
        model = "quality.Dialogue"

    offer = factory.SubFactory(OfferFactory)
    framework = factory.LazyFunction(_framework)
    municipality = factory.LazyFunction(lambda: demo_org("slagelse"))
    provider = factory.LazyAttribute(lambda o: o.offer.provider)
    held_on = factory.LazyFunction(lambda: days_ago(30))
    by = factory.LazyFunction(lambda: demo_user(CASEWORKER))
    municipality_participants = factory.LazyFunction(lambda: [demo_user(CASEWORKER)])
    provider_participants = factory.LazyAttribute(lambda o: _provider_editors(o.provider))

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise NotImplementedError("a dialogue is made by the service: use DialogueFactory()")

    @classmethod
    def _create(
        cls,
        model_class,
        *args,
        offer,
        framework,
        municipality,
        provider,
        by,
        municipality_participants,
        provider_participants,
        **fields,
    ):
        from quality import services

        return services.create_dialogue(
            municipality=municipality,
            provider=provider,
            framework=framework,
            fields=fields,
            offers=[offer],
            municipality_participants=municipality_participants,
            provider_participants=provider_participants,
            by=by,
        )


def make_dialogue(model, offer, *, held_on=None, by=CASEWORKER, **fields):
    """A dialogue about the offer in the framework `model`, made by `by` (an e-mail)."""
    if held_on is not None:
        fields["held_on"] = held_on
    return DialogueFactory(framework=model, offer=offer, by=demo_user(by), **fields)


def make_action(dialogue, *, deadline, status="open", text="Trivselsmåling for alle borgere"):
    """An action for the provider's first editor, added by Slagelse's caseworker."""
    from quality import services

    return services.add_action(
        dialogue=dialogue,
        text=text,
        owner_organisation=dialogue.provider,
        owner=dialogue.provider.memberships.filter(role="provider_editor").first().user,
        deadline=deadline,
        status=status,
        by=demo_user(CASEWORKER),
    )


# --- Logged-in clients ----------------------------------------------------------------------


def logged_in(email: str):
    """A client of its own, logged in as the demo user (for tests with several people)."""
    from django.test import Client

    client = Client()
    client.force_login(demo_user(email))
    return client
