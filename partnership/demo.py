"""The partnership's demo data: the 17 municipalities, the region, the secretariat, the four
branch organisations, a dozen fictional providers and the demo logins. Idempotent."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.hashers import (
    get_hasher,
    identify_hasher,
    is_password_usable,
    make_password,
)
from django.db import transaction
from django.utils.text import slugify

from .models import Membership, Organisation, OrganisationKind, OwnershipForm, Role, User

DEMO_PASSWORD = "partnerskab-demo"

MUNICIPALITIES = [
    ("Faxe", "320"),
    ("Greve", "253"),
    ("Guldborgsund", "376"),
    ("Holbæk", "316"),
    ("Kalundborg", "326"),
    ("Køge", "259"),
    ("Lejre", "350"),
    ("Lolland", "360"),
    ("Næstved", "370"),
    ("Odsherred", "306"),
    ("Ringsted", "329"),
    ("Roskilde", "265"),
    ("Slagelse", "330"),
    ("Solrød", "269"),
    ("Sorø", "340"),
    ("Stevns", "336"),
    ("Vordingborg", "390"),
]

BRANCHES = [
    ("Dansk Erhverv", "dansk-erhverv"),
    ("Dansk Industri", "dansk-industri"),
    ("LOS – Landsorganisationen for sociale tilbud", "los"),
    ("Selveje Danmark", "selveje-danmark"),
]

# Fictional providers with valid CVR checksums (modulus 11).
PROVIDERS = [
    ("Bostedet Egelund ApS", "12354495", OwnershipForm.PRIVATE, "los", "slagelse", "leverandoer-a"),
    (
        "Fonden Solsikken",
        "12354991",
        OwnershipForm.FOUNDATION,
        "selveje-danmark",
        "naestved",
        "leverandoer-b",
    ),
    (
        "Kystbo Socialpsykiatri A/S",
        "12357516",
        OwnershipForm.PRIVATE,
        "dansk-erhverv",
        "holbaek",
        None,
    ),
    (
        "Den Selvejende Institution Lindegården",
        "12357745",
        OwnershipForm.SELF_GOVERNING_AGREEMENT,
        "selveje-danmark",
        "roskilde",
        None,
    ),
    (
        "Værestedet Havnen Socialøkonomisk Virksomhed",
        "12362315",
        OwnershipForm.SOCIAL_ECONOMY,
        None,
        "koege",
        None,
    ),
    ("Opholdsstedet Skovly ApS", "12385900", OwnershipForm.PRIVATE, "los", "soroe", None),
    (
        "Bo- og Udviklingscentret Ådalen",
        "12393334",
        OwnershipForm.SELF_GOVERNING,
        "selveje-danmark",
        "ringsted",
        None,
    ),
    (
        "Nordvest Botilbud A/S",
        "12395558",
        OwnershipForm.PRIVATE,
        "dansk-industri",
        "kalundborg",
        None,
    ),
    (
        "Misbrugscentret Broen ApS",
        "12396341",
        OwnershipForm.PRIVATE,
        "dansk-erhverv",
        "guldborgsund",
        None,
    ),
    (
        "Familiehuset Møllen",
        "12405715",
        OwnershipForm.SELF_GOVERNING_AGREEMENT,
        "los",
        "vordingborg",
        None,
    ),
    (
        "Autismecentret Kildevang ApS",
        "12427514",
        OwnershipForm.PRIVATE,
        "dansk-industri",
        "greve",
        None,
    ),
    ("Fonden Herberget Fyrlyset", "12433573", OwnershipForm.FOUNDATION, None, "lolland", None),
]

# Fixed TOTP secrets so a tester can generate codes (python manage.py demo_totp).
SECRETARIAT_TOTP = "SEKRETARIATDEMOTOTPNOEGLEAAAAAAA"
HOLBAEK_ADMIN_TOTP = "HOLBAEKADMINDEMOTOTPNOEGLEAAAAAA"

DEMO_USERS = [
    # email, name, organisation slug, role, TOTP secret
    (
        "sekretariat@portal.example",
        "Sara Sekretariat",
        "kkr-sjaelland",
        Role.SECRETARIAT,
        SECRETARIAT_TOTP,
    ),
    (
        "sagsbehandler.slagelse@portal.example",
        "Signe Sagsbehandler",
        "slagelse",
        Role.CASEWORKER,
        None,
    ),
    ("indkoeb.slagelse@portal.example", "Ivan Indkøber", "slagelse", Role.PROCUREMENT, None),
    (
        "sagsbehandler.naestved@portal.example",
        "Niels Sagsbehandler",
        "naestved",
        Role.CASEWORKER,
        None,
    ),
    (
        "leverandoer.a@portal.example",
        "Anna Leverandør",
        "bostedet-egelund",
        Role.PROVIDER_EDITOR,
        None,
    ),
    (
        "leverandoer.b@portal.example",
        "Bo Leverandør",
        "fonden-solsikken",
        Role.PROVIDER_EDITOR,
        None,
    ),
    ("branche.los@portal.example", "Lone Brancheorganisation", "los", Role.BRANCH_MEMBER, None),
    (
        "admin.holbaek@portal.example",
        "Henrik Administrator",
        "holbaek",
        Role.ORG_ADMIN,
        HOLBAEK_ADMIN_TOTP,
    ),
]


def _slug(name: str) -> str:
    return slugify(
        name.replace("æ", "ae")
        .replace("ø", "oe")
        .replace("å", "aa")
        .replace("Æ", "Ae")
        .replace("Ø", "Oe")
        .replace("Å", "Aa")
    )


def _unchanged(org: Organisation, fields: dict) -> bool:
    """Whether the organisation already has these values (a related one by its id, so the
    comparison reads nothing)."""
    for name, value in fields.items():
        attname = Organisation._meta.get_field(name).attname
        wanted = value.pk if isinstance(value, Organisation) else value
        if getattr(org, attname) != wanted:
            return False
    return True


@transaction.atomic
def seed_organisations() -> dict[str, Organisation]:
    """The demo's organisations, written and validated only where they are missing or
    differ: a run that finds them as the last one left them reads them in one query."""
    known = {o.slug: o for o in Organisation.objects.all()}
    written: list[Organisation] = []

    def _org(slug: str, **fields) -> Organisation:
        org = known.get(slug)
        if org is None or not _unchanged(org, fields):
            org, _created = Organisation.objects.update_or_create(slug=slug, defaults=fields)
            written.append(org)
        return org

    orgs: dict[str, Organisation] = {}
    orgs["kkr-sjaelland"] = _org(
        "kkr-sjaelland",
        kind=OrganisationKind.SECRETARIAT,
        name="KKR Sjælland (sekretariatet, Rammeaftale Sjælland)",
        email="sekretariat@portal.example",
        description="Sekretariatet for Kommunekontaktråd Sjælland og Rammeaftale Sjælland.",
    )
    for name, code in MUNICIPALITIES:
        slug = _slug(name)
        orgs[slug] = _org(
            slug, kind=OrganisationKind.MUNICIPALITY, name=f"{name} Kommune", code=code
        )
    orgs["region-sjaelland"] = _org(
        "region-sjaelland", kind=OrganisationKind.REGION, name="Region Sjælland", code="1085"
    )
    for name, slug in BRANCHES:
        orgs[slug] = _org(slug, kind=OrganisationKind.BRANCH, name=name)
    for name, cvr, ownership, branch, municipality, _user in PROVIDERS:
        slug = _slug(name.replace(" ApS", "").replace(" A/S", ""))
        orgs[slug] = _org(
            slug,
            kind=OrganisationKind.PROVIDER,
            name=name,
            cvr=cvr,
            ownership_form=ownership,
            branch_organisation=orgs[branch] if branch else None,
            address=f"{orgs[municipality].name.replace(' Kommune', '')}",
        )
    for org in written:
        org.full_clean()
    return orgs


def demo_password_hash(users: list[User | None]) -> str:
    """The one hash of DEMO_PASSWORD that every demo login has: the one they share now if
    all of them share one (only the seed gives two logins the same salt), otherwise a new
    one. A hash costs PBKDF2's deliberate fraction of a second; one per login on every
    `make run` was half of its start. Now a run that finds the logins as the seed left
    them hashes nothing, and one that finds a login changed (a new password, the hasher's
    iterations raised at a login) hashes once and gives all of them the demo password
    again. The password is published, so a salt shared between the logins tells nothing."""
    hashes = {user.password if user is not None else "" for user in users}
    shared = hashes.pop() if len(hashes) == 1 else ""
    if shared and is_password_usable(shared):
        try:
            hasher = identify_hasher(shared)
        except ValueError:  # a hasher no longer in PASSWORD_HASHERS
            return make_password(DEMO_PASSWORD)
        if hasher.algorithm == get_hasher().algorithm and not hasher.must_update(shared):
            return shared
    return make_password(DEMO_PASSWORD)


@transaction.atomic
def seed_users(orgs: dict[str, Organisation]) -> list[tuple[str, str | None]]:
    printed = []
    found = {u.email: u for u in User.objects.filter(email__in=[row[0] for row in DEMO_USERS])}
    password = demo_password_hash([found.get(row[0]) for row in DEMO_USERS])
    for email, name, org_slug, role, secret in DEMO_USERS:
        user = found.get(email)
        if user is None:
            user = User.objects.create_user(email=email, password=None, name=name)
        # No demo login is a superuser or staff, also in a database seeded before: what the
        # secretariat does, it does in the portal, under the portal's rules.
        wanted = {
            "name": name,
            "is_active": True,
            "is_staff": False,
            "is_superuser": False,
            "password": password,
        }
        changed = [field for field, value in wanted.items() if getattr(user, field) != value]
        if changed:
            for field in changed:
                setattr(user, field, wanted[field])
            user.save(update_fields=changed)
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        Membership.objects.update_or_create(
            user=user, organisation=orgs[org_slug], role=role, defaults={"is_active": True}
        )
        if secret:
            Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
            TOTP.activate(user, secret)
            if not Authenticator.objects.filter(
                user=user, type=Authenticator.Type.RECOVERY_CODES
            ).exists():
                RecoveryCodes.activate(user)
        printed.append((email, secret))
    return printed


def seed() -> list[tuple[str, str | None]]:
    orgs = seed_organisations()
    return seed_users(orgs)
