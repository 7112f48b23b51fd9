"""The authorization matrix (issue 7): every URL pattern of the portal, every role, own and
foreign organisations' objects. Used by tests/test_authorization_matrix.py.

An entry in MATRIX names a pattern (``namespace:name``, or the route for an unnamed one) and
lists checks: a target (the URL's kwargs, built from the world's objects), a method and the
expected outcome per role. Groups of patterns that behave alike (Django's admin, allauth's
account pages) are covered by RULES instead. A pattern with neither fails the suite.

Outcomes:
  ok       2xx, or a redirect that is the view's normal behaviour (not to login or MFA)
  redirect a redirect (not to login or MFA), nothing shown: the view sends the person on
  login    a redirect to the login page (anonymous)
  deny     403 or 404
  mfa      a redirect to the two-factor setup
  method   405 (the view takes only another method, checked before anything is shown)
  refused  400: the form is shown again with the reason (an allowed person's invalid input,
           or a service's refusal); nothing changes
Anything not explicitly ``ok``/``redirect`` must be denied: deny by default.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.urls import URLPattern, URLResolver, get_resolver

OK, REDIRECT, LOGIN, DENY, MFA, METHOD = "ok", "redirect", "login", "deny", "mfa", "method"
REFUSED = "refused"
# 401: the API's member operations want an organisation's token; a login is not one.
TOKEN = "token"
OUTCOMES = {OK, REDIRECT, LOGIN, DENY, MFA, METHOD, REFUSED, TOKEN}

CPH = ZoneInfo("Europe/Copenhagen")

# --- Roles ---------------------------------------------------------------------------------

ROLES: dict[str, str | None] = {
    "anonymous": None,
    "caseworker": "sagsbehandler.slagelse@portal.example",  # Slagelse Kommune
    "purchaser": "indkoeb.slagelse@portal.example",  # Slagelse Kommune, indkøb
    "caseworker_naestved": "sagsbehandler.naestved@portal.example",  # another municipality
    "provider_a": "leverandoer.a@portal.example",  # Bostedet Egelund ApS
    "provider_b": "leverandoer.b@portal.example",  # Fonden Solsikken
    "branch": "branche.los@portal.example",  # LOS
    "org_admin": "admin.holbaek@portal.example",  # Holbæk Kommune, org admin (MFA)
    "secretariat": "sekretariat@portal.example",  # KKR Sjælland (MFA; not staff)
    "no_membership": "ingen.rolle@matrix.example",  # only a deactivated membership
    "mfa_pending": "sekretariat.uden.mfa@matrix.example",  # secretariat, no TOTP set up
}
MEMBERS = [r for r in ROLES if r not in ("anonymous", "no_membership", "mfa_pending")]
BUYERS = ["caseworker", "purchaser", "caseworker_naestved", "org_admin"]  # buy for a municipality
SLAGELSE = ["caseworker", "purchaser"]

# The paths RequireMFAMiddleware lets through (see partnership/middleware.py).
MFA_FREE_PREFIXES = ("/konto/2fa/", "/konto/reauthenticate/", "/static/", "/tilgaengelighed/")


def expect(ok=(), *, anon=LOGIN, other=DENY, no_membership=None, **special) -> dict[str, str]:
    """The outcome for every role: `ok` roles get OK, anonymous `anon`, the rest `other`.
    A person without a membership gets `no_membership` (by default what others get)."""
    result = {}
    for role in ROLES:
        if role == "anonymous":
            result[role] = anon
        elif role == "no_membership":
            result[role] = OK if role in ok else (no_membership or other)
        elif role == "mfa_pending":
            result[role] = MFA
        else:
            result[role] = OK if role in ok else other
    for role, outcome in special.items():
        assert role in ROLES and outcome in OUTCOMES, (role, outcome)
        result[role] = outcome
    return result


def members(**special):
    """Any person with an active membership."""
    return {**expect(MEMBERS), **special}


def public(**special):
    """Everyone, logged in or not."""
    return {**expect(ROLES, anon=OK, no_membership=OK), **special}


def only(*roles, **special):
    return {**expect(roles), **special}


# --- Checks and entries --------------------------------------------------------------------


@dataclass
class Check:
    """One request per role: `method` on the URL made from `kwargs(world)`."""

    target: str  # a short description: whose object it is
    kwargs: Callable[[SimpleNamespace], dict]
    roles: dict[str, str]
    method: str = "get"
    data: Callable[[SimpleNamespace], dict] | None = None
    # A snapshot of what the request must not change for roles that are not allowed.
    state: Callable[[SimpleNamespace], object] | None = None
    # Skip the request for roles that are allowed (e.g. renders a PDF in-process).
    skip_allowed: bool = False
    query: str | Callable[[SimpleNamespace], str] = ""  # "?name=value", or made from the world


@dataclass
class Entry:
    checks: list[Check] = field(default_factory=list)


def no_kwargs(w):
    return {}


def get(roles, kwargs=no_kwargs, target="", **options) -> Check:
    return Check(target=target, kwargs=kwargs, roles=roles, method="get", **options)


def post(roles, kwargs=no_kwargs, target="", state=None, **options) -> Check:
    return Check(target=target, kwargs=kwargs, roles=roles, method="post", state=state, **options)


def get_post(get_roles, post_roles=None, kwargs=no_kwargs, target="", state=None, **options):
    """A page with a form: GET for the page, POST (empty or `data`) for the change."""
    return [
        get(get_roles, kwargs, target, query=options.pop("query", "")),
        post(post_roles or get_roles, kwargs, target, state=state, **options),
    ]


# --- Patterns ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    key: str  # "namespace:name"; an unnamed pattern: its route ("namespace:route")
    route: str
    callback: object


def collect_patterns(resolver=None) -> list[Pattern]:
    """Every URL pattern of the resolver, depth first, with namespaces."""
    found: list[Pattern] = []

    def walk(r, prefix: str, namespace: str | None) -> None:
        for p in r.url_patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace
                if ns:
                    ns = f"{namespace}:{ns}" if namespace else ns
                else:
                    ns = namespace
                walk(p, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                if p.name:
                    key = f"{namespace}:{p.name}" if namespace else p.name
                else:  # unnamed: the full route, in its namespace
                    key = f"{namespace}:{route}" if namespace else route
                found.append(Pattern(key=key, route=route, callback=p.callback))

    walk(resolver or get_resolver(), "", None)
    return found


@dataclass
class Rule:
    """A group of patterns that behave alike, matched by the start of the key."""

    prefix: str
    description: str


RULES = [
    Rule(
        "admin:",
        "Django's admin: only staff, i.e. operators; no portal role is staff (issue 11, the "
        "secretariat works in the portal). Anonymous people and every member, the secretariat "
        "included, are sent to the admin login and see nothing; an operator gets the page.",
    ),
]


def rule_for(key: str) -> Rule | None:
    return next((r for r in RULES if key.startswith(r.prefix)), None)


def uncovered(patterns: list[Pattern], matrix: dict | None = None) -> list[str]:
    """Patterns with neither a matrix entry nor a rule."""
    matrix = MATRIX if matrix is None else matrix
    return [p.key for p in patterns if p.key not in matrix and rule_for(p.key) is None]


def unknown_entries(patterns: list[Pattern], matrix: dict | None = None) -> list[str]:
    """Matrix entries for patterns that no longer exist."""
    matrix = MATRIX if matrix is None else matrix
    keys = {p.key for p in patterns}
    return [k for k in matrix if k not in keys]


def coverage_message(missing: list[str]) -> str:
    return (
        "URL patterns without an authorization matrix entry: "
        + ", ".join(missing)
        + ". Add an entry for each to MATRIX in tests/authz_matrix.py, saying for every role "
        "what it may do (and with an object of a foreign organisation), or a RULE for a group."
    )


# --- The world: the demo data plus the objects the URLs point at ---------------------------


PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>"
    b"endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 120, 40)).save(buf, "PNG")
    return buf.getvalue()


def build_world() -> SimpleNamespace:
    """Demo data and one object of each kind, owned by known organisations. Called inside
    a transaction that is rolled back after the module."""

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from meetings import services as meeting_services
    from meetings.models import (
        AgendaAttachment,
        CalendarFeed,
        ExtraAttendee,
        Forum,
        MeetingInvitation,
        MinutesAction,
        MinutesComment,
        MinutesEntry,
    )
    from offers.models import OfferDocument, OfferPhoto, PublishedReport, SavedSearch, Tariff
    from partnership.models import ApiToken, Invitation, Job, Membership, Organisation, Role, User
    from partnership.signals import demo_seeded
    from quality import services as quality_services
    from quality.models import DialogueDocument, Framework
    from tests.conftest import seed_demo
    from tests.factories import MembershipFactory, UserFactory, make_contract, make_offer, publish

    today = timezone.localdate()
    seed_demo()
    demo_seeded.send(sender=None, organisations={o.slug: o for o in Organisation.objects.all()})

    w = SimpleNamespace()
    org = {o.slug: o for o in Organisation.objects.all()}
    w.org = org
    w.slagelse = org["slagelse"]
    user = {
        role: User.objects.get(email=email)
        for role, email in ROLES.items()
        if email and User.objects.filter(email=email).exists()
    }
    # A person whose only membership was deactivated, and a secretariat member without MFA.
    lapsed = MembershipFactory(
        user=UserFactory(email=ROLES["no_membership"]), organisation=org["slagelse"]
    )
    Membership.objects.filter(pk=lapsed.pk).update(is_active=False)
    user["no_membership"] = lapsed.user
    user["mfa_pending"] = MembershipFactory(
        user=UserFactory(email=ROLES["mfa_pending"]),
        organisation=org["kkr-sjaelland"],
        role=Role.SECRETARIAT,
    ).user
    w.user = user
    secretariat = user["secretariat"]

    # --- Organisations and members: a Holbæk caseworker the Holbæk admin manages, a
    # Slagelse member the Holbæk admin must not reach, a pending invitation to each.
    w.holbaek_member = MembershipFactory(organisation=org["holbaek"], role=Role.CASEWORKER)
    w.slagelse_member = Membership.objects.get(user=user["purchaser"], organisation=org["slagelse"])
    # An API token of Holbæk's (its admin manages it) and one of Slagelse's (not hers).
    for name, slug_ in (("holbaek_api_token", "holbaek"), ("slagelse_api_token", "slagelse")):
        _secret, api_hash = ApiToken.new_token()
        setattr(
            w,
            name,
            ApiToken.objects.create(
                organisation=org[slug_],
                name="Fagsystem",
                scopes=["kontrakter"],
                created_by=user["secretariat"],
                token_hash=api_hash,
            ),
        )
    # Federated login: an identity provider (its metadata pasted, so nothing is fetched) and
    # a first login waiting in Holbæk (its admin decides) and one in Slagelse (not hers).
    from federation.models import IdentityProvider, PendingLogin
    from federation.providers import sp_key_pair

    idp_cert = "".join(sp_key_pair()[0].strip().splitlines()[1:-1])  # any certificate will do
    w.broker = IdentityProvider.objects.create(
        kind="oidc",
        slug="matrix-broker",
        name="Matrix-broker",
        server_url="https://broker.matrix.example",
        client_id="partnerskabsportalen",
    )
    w.idp = IdentityProvider.objects.create(
        kind="saml",
        slug="matrix-idp",
        name="Matrix-IdP",
        entity_id="https://idp.matrix.example/metadata",
        metadata_xml=(
            '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
            'entityID="https://idp.matrix.example/metadata"><md:IDPSSODescriptor '
            'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
            '<md:KeyDescriptor use="signing"><ds:KeyInfo '
            'xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>'
            f"{idp_cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
            '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
            'Location="https://idp.matrix.example/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>'
        ),
    )
    for name, slug_ in (("holbaek_pending", "holbaek"), ("slagelse_pending", "slagelse")):
        setattr(
            w,
            name,
            PendingLogin.objects.create(
                identity_provider=w.idp,
                organisation=org[slug_],
                uid=f"urn:uuid:{name}",
                email=f"{name}@matrix.example",
                roles=["caseworker"],
            ),
        )
    token, token_hash = Invitation.new_token()
    w.invitation_token = token
    w.holbaek_invitation = Invitation.objects.create(
        email="ny.holbaek@matrix.example",
        organisation=org["holbaek"],
        role=Role.CASEWORKER,
        token_hash=token_hash,
        invited_by=user["org_admin"],
        expires_at=timezone.now() + timedelta(days=7),
    )
    w.slagelse_invitation = Invitation.objects.create(
        email="ny.slagelse@matrix.example",
        organisation=org["slagelse"],
        role=Role.CASEWORKER,
        token_hash=Invitation.new_token()[1],
        invited_by=secretariat,
        expires_at=timezone.now() + timedelta(days=7),
    )

    # --- Jobs: the Slagelse caseworker's report (done), its contract PDF (private, done)
    # and a failed one; provider B's report.
    def job(by, kind, status="done"):
        j = Job(kind=kind, title=f"Matrix {kind}", ordered_by=by, status=status)
        if status == "failed":
            j.error = "Fejl i testen"
        if status == "done":
            j.result_name = "rapport.pdf"
            j.result_file.save("rapport.pdf", ContentFile(PDF_BYTES), save=False)
        j.save()
        return j

    w.job = job(user["caseworker"], "takstoversigt")
    w.job_private = job(user["caseworker"], "contract_pdf")
    w.job_failed = job(user["caseworker"], "takstoversigt", status="failed")
    w.job_b = job(user["provider_b"], "takstoversigt")
    w.job_b_failed = job(user["provider_b"], "takstoversigt", status="failed")
    w.report = PublishedReport.objects.create(
        job=job(secretariat, "takstoversigt"),
        year=today.year,
        title=f"Takstoversigt {today.year}",
        published_by=secretariat,
    )

    # --- Offers: provider A's draft and published offers, provider B's draft.
    w.offer_a = make_offer(name="Matrix Bosted A")
    w.offer_a_draft = make_offer(name="Matrix Kladde A", status="draft")
    w.offer_b_draft = make_offer(
        provider_slug="fonden-solsikken",
        municipality_slug="naestved",
        name="Matrix Kladde B",
        status="draft",
    )
    w.tariff_a = publish(w.offer_a, today.year, "2500")
    w.tariff_a_draft = Tariff.objects.create(
        offer=w.offer_a,
        year=today.year + 1,
        version=1,
        price="2600",
        unit="day",
        occupancy_percent="95",
        created_by=user["provider_a"],
    )
    w.document_a = OfferDocument(offer=w.offer_a, kind="tilsyn", title="Tilsynsrapport")
    w.document_a.file.save("tilsyn.pdf", ContentFile(PDF_BYTES), save=True)
    w.document_a_draft = OfferDocument(offer=w.offer_a_draft, kind="tilsyn", title="Kladde")
    w.document_a_draft.file.save("kladde.pdf", ContentFile(PDF_BYTES), save=True)
    # The Slagelse caseworker's saved search (nobody else's to see or change).
    w.saved_search = SavedSearch.objects.create(
        user=user["caseworker"], name="Matrix søgning", query="kommune=slagelse"
    )
    w.photo_a = OfferPhoto(offer=w.offer_a, alt_text="Haven")
    w.photo_a.image.save("have.png", ContentFile(_png()), save=True)
    w.photo_a_draft = OfferPhoto(offer=w.offer_a_draft, alt_text="Stuen")
    w.photo_a_draft.image.save("stue.png", ContentFile(_png()), save=True)

    # --- Contracts: a Slagelse draft with provider A (Næstved, B, LOS, Holbæk are foreign).
    w.contract = make_contract(
        offer=w.offer_a,
        buyer_slug="slagelse",
        email=ROLES["caseworker"],
        case_reference="SLA-MATRIX-0001",
    )
    w.clause = w.contract.clauses.order_by("pk").first()
    # The published standard contract for adults outside the framework, and the
    # secretariat's draft of its next version.
    from contracts.models import ContractTemplate
    from contracts.standards import services as standards_services

    w.template = ContractTemplate.objects.get(kind="adults_outside", status="published")
    w.template_draft = standards_services.start_new_version(template=w.template, by=secretariat)
    w.template_clause = w.template_draft.clauses.order_by("pk").first()
    # The same contract sent to provider A (from then on A sees it; issue 14).
    from contracts import services as contract_services

    w.contract_sent = make_contract(
        offer=w.offer_a,
        buyer_slug="slagelse",
        email=ROLES["caseworker"],
        case_reference="SLA-MATRIX-0002",
    )
    contract_services.send_to_provider(contract=w.contract_sent, by=user["caseworker"])
    w.clause_sent = w.contract_sent.clauses.filter(changeable=True).order_by("pk").first()

    # --- Meetings: one held two months ago, invited (Slagelse, Holbæk, provider A; an item
    # closed to Slagelse; minutes sent for comment), one next week still a draft.
    forum, _ = Forum.objects.get_or_create(name="Matrixforum")
    w.forum = forum
    held = datetime.combine(today - timedelta(days=60), time(9, 0), tzinfo=CPH)
    planned = datetime.combine(today + timedelta(days=7), time(9, 0), tzinfo=CPH)
    meeting = meeting_services.create_meeting(
        fields={
            "forum": forum,
            "title": "Matrixmøde",
            "starts_at": held,
            "ends_at": held + timedelta(hours=2),
            "place": "Sorø",
        },
        by=secretariat,
    )
    items = [
        meeting_services.save_agenda_item(
            meeting=meeting,
            fields={"number": n, "kind": "orientering", "title": t, "duration_minutes": 10},
            restricted_to=closed,
            by=secretariat,
        )
        for n, t, closed in (("1", "Åbent punkt", []), ("2", "Lukket punkt", [org["slagelse"]]))
    ]
    w.item, w.closed_item = items
    meeting_services.invite(
        meeting=meeting,
        organisations=[org["slagelse"], org["holbaek"], org["bostedet-egelund"]],
        people=[],
        by=secretariat,
    )
    meeting = meeting_services.send_invitations(meeting=meeting, by=secretariat)
    w.attachment = AgendaAttachment(
        item=w.item,
        title="Bilag",
        file_type="pdf",
        original_name="bilag.pdf",
        size=len(PDF_BYTES),
        uploaded_by=secretariat,
    )
    w.attachment.file.save("bilag.pdf", ContentFile(PDF_BYTES), save=True)
    w.closed_attachment = AgendaAttachment(
        item=w.closed_item,
        title="Lukket bilag",
        file_type="pdf",
        original_name="lukket.pdf",
        size=len(PDF_BYTES),
        uploaded_by=secretariat,
    )
    w.closed_attachment.file.save("lukket.pdf", ContentFile(PDF_BYTES), save=True)
    minutes = meeting_services.start_minutes(meeting=meeting, by=secretariat)
    w.minutes = meeting_services.send_minutes_for_comment(minutes=minutes, by=secretariat)
    w.entry = MinutesEntry.objects.get(minutes=w.minutes, agenda_item=w.item)
    w.closed_entry = MinutesEntry.objects.get(minutes=w.minutes, agenda_item=w.closed_item)
    w.minutes_action = MinutesAction.objects.create(
        entry=w.entry, description="Matrixhandling", owner="Sekretariatet"
    )
    w.minutes_comment = MinutesComment.objects.create(
        entry=w.entry, author=user["caseworker"], text="Matrixkommentar"
    )
    w.extra_attendee = ExtraAttendee.objects.create(
        meeting=meeting, kind="guest", name="Matrixgæst"
    )
    meeting.refresh_from_db()
    w.meeting = meeting
    w.meeting_invitation = MeetingInvitation.objects.get(
        meeting=meeting, organisation=org["holbaek"]
    )
    w.draft_meeting = meeting_services.create_meeting(
        fields={
            "forum": forum,
            "title": "Matrixkladde",
            "starts_at": planned,
            "ends_at": planned + timedelta(hours=2),
            "place": "Sorø",
        },
        by=secretariat,
    )
    w.draft_item = meeting_services.save_agenda_item(
        meeting=w.draft_meeting,
        fields={
            "number": "1",
            "kind": "orientering",
            "title": "Kladdepunkt",
            "duration_minutes": 10,
        },
        restricted_to=[],
        by=secretariat,
    )
    _feed, w.calendar_token = meeting_services.new_calendar_feed(user=user["caseworker"])
    w.revoked_token = "revoked-" + CalendarFeed.new_token()[0]

    # --- Quality: a Slagelse–provider A dialogue with a document and an action.
    w.framework = Framework.objects.get(key="kvalitetsmodel")
    w.theme = w.framework.themes.order_by("pk").first()
    w.criterion, _created = w.theme.criteria.get_or_create(
        code="M1", defaults={"text": "Et kriterium til matrixen"}
    )
    w.dialogue = quality_services.create_dialogue(
        municipality=org["slagelse"],
        provider=org["bostedet-egelund"],
        framework=w.framework,
        fields={"held_on": today - timedelta(days=50)},
        offers=[w.offer_a],
        municipality_participants=[user["caseworker"]],
        provider_participants=[user["provider_a"]],
        by=user["caseworker"],
    )
    w.dialogue_document = DialogueDocument(
        dialogue=w.dialogue,
        side="municipality",
        title="Notat",
        size=len(PDF_BYTES),
        uploaded_by=user["caseworker"],
    )
    w.dialogue_document.file.save("notat.pdf", ContentFile(PDF_BYTES), save=True)
    w.action = quality_services.add_action(
        dialogue=w.dialogue,
        text="Trivselsmåling",
        owner_organisation=org["bostedet-egelund"],
        owner=user["provider_a"],
        deadline=today + timedelta(days=25),
        by=user["caseworker"],
    )
    return w


# --- The matrix ----------------------------------------------------------------------------

MATRIX: dict[str, Entry] = {}


def _count(model_path: str, **filters):
    """A snapshot: how many rows of app_label.Model match."""

    def snapshot(w):
        from django.apps import apps

        return apps.get_model(model_path).objects.filter(**filters).count()

    return snapshot


def _row(model_path: str, attr: str, *fields: str):
    """A snapshot: the fields of the world's object `attr` as they are in the database."""

    def snapshot(w):
        from django.apps import apps

        obj = getattr(w, attr)
        return list(apps.get_model(model_path).objects.filter(pk=obj.pk).values(*fields))

    return snapshot


def _all(*snapshots):
    return lambda w: [s(w) for s in snapshots]


def kw(**attrs):
    """URL kwargs from the world: kw(pk="offer_a") → {"pk": w.offer_a.pk}; a value in a
    tuple is taken as it is: kw(fmt=("csv",))."""

    def build(w):
        out = {}
        for name, attr in attrs.items():
            if isinstance(attr, tuple):
                out[name] = attr[0]
            elif "." in attr:
                obj_name, field_name = attr.split(".")
                out[name] = getattr(getattr(w, obj_name), field_name)
            else:
                out[name] = getattr(w, attr).pk
        return out

    return build


def slug(value):
    return lambda w: {"slug": value}


# Members who get 405 on a GET of a POST-only view (the member check comes first).
def post_only_get():
    return members(**{r: METHOD for r in MEMBERS})


SECRETARIAT = only("secretariat")
EDITORS = ["provider_a", "provider_b"]
MUNICIPALITIES = BUYERS  # caseworkers, purchaser and the org admin work for a municipality
INVITEES = ["caseworker", "purchaser", "org_admin", "provider_a"]  # Slagelse, Holbæk, A
DIALOGUE_SIDES = ["caseworker", "purchaser", "provider_a"]  # Slagelse and provider A
CONTRACT_BUYER = ["caseworker", "purchaser"]  # Slagelse
CONTRACT_PARTIES = [*CONTRACT_BUYER, "provider_a"]

E = Entry
MATRIX.update(
    {
        # --- partnership ---------------------------------------------------------------
        "home": E([get(public())]),
        "accessibility": E([get(public(mfa_pending=OK))]),
        "healthz": E([get(public())]),
        # The open-data API (api/v1.py): public and read-only; a draft is a 404 for everyone,
        # its owner and the secretariat included (the API shows published data only).
        "api:offer_list": E([get(public())]),
        "api:offer_detail": E(
            [
                get(public(), kw(offer_id="offer_a"), "provider A's published offer"),
                get(
                    expect(anon=DENY, no_membership=DENY), kw(offer_id="offer_a_draft"), "A's draft"
                ),
            ]
        ),
        "api:pl_rates": E([get(public())]),
        # The member operations: an organisation's token, never a login (401 for everyone
        # here); tokens × scopes × foreign organisations: tests/api/test_tokens.py.
        "api:contract_list": E([get(expect(anon=TOKEN, other=TOKEN))]),
        "api:meeting_list": E([get(expect(anon=TOKEN, other=TOKEN))]),
        "api:calendar": E([get(expect(anon=TOKEN, other=TOKEN))]),
        "api:tariff_development": E([get(public())]),
        "api:openapi-json": E([get(public())]),
        "api:docs": E([get(public())]),
        # django-ninja's root (/api/v1/), which only gives the API its prefix: 404 for all.
        "api:api-root": E([get(expect(anon=DENY, no_membership=DENY))]),
        "api_unknown_path": E(
            [get(expect(anon=DENY, no_membership=DENY), kw(rest=("findes-ikke",)), "no such path")]
        ),
        "partnership:dashboard": E([get(members())]),
        "partnership:notices_read": E([get(post_only_get()), post(expect(MEMBERS))]),
        "partnership:organisation_list": E([get(members())]),
        "partnership:organisation_create": E(
            get_post(SECRETARIAT, state=_count("partnership.Organisation"))
        ),
        "partnership:organisation_detail": E(
            [
                get(members(), slug("slagelse"), "own municipality"),
                get(members(), slug("fonden-solsikken"), "a provider (directory)"),
            ]
        ),
        "partnership:organisation_edit": E(
            get_post(
                SECRETARIAT,
                kwargs=slug("slagelse"),
                target="a municipality",
                state=_row("partnership.Organisation", "slagelse", "name", "email", "description"),
            )
        ),
        # Only an organisation's own admin gives its roles (issue 11); the secretariat comes
        # only to invite the first admin of an organisation that has none (Slagelse).
        "partnership:members": E(
            get_post(
                only("org_admin"),
                kwargs=slug("holbaek"),
                target="Holbæk (the org admin's own; it has an admin)",
                state=_count("partnership.Invitation"),
            )
            + get_post(
                SECRETARIAT,
                kwargs=slug("slagelse"),
                target="Slagelse (no admin yet: the secretariat may invite the first)",
                state=_count("partnership.Invitation"),
            )
        ),
        # API tokens (issue 16): the organisation's own admin and the secretariat.
        "partnership:api_tokens": E(
            get_post(
                only("org_admin", "secretariat"),
                kwargs=slug("holbaek"),
                target="Holbæk (the org admin's own)",
                state=_count("partnership.ApiToken"),
            )
            + get_post(
                SECRETARIAT,
                kwargs=slug("slagelse"),
                target="Slagelse (not the Holbæk admin's)",
                state=_count("partnership.ApiToken"),
            )
        ),
        "partnership:api_token_revoke": E(
            [
                get(post_only_get(), lambda w: {"slug": "holbaek", "pk": 1}),
                post(
                    only("org_admin", "secretariat"),
                    lambda w: {"slug": "holbaek", "pk": w.holbaek_api_token.pk},
                    "a Holbæk token",
                    state=_row("partnership.ApiToken", "holbaek_api_token", "revoked_at"),
                ),
                post(
                    SECRETARIAT,
                    lambda w: {"slug": "slagelse", "pk": w.slagelse_api_token.pk},
                    "a Slagelse token",
                    state=_row("partnership.ApiToken", "slagelse_api_token", "revoked_at"),
                ),
                post(
                    only(),
                    lambda w: {"slug": "holbaek", "pk": w.slagelse_api_token.pk},
                    "a Slagelse token under Holbæk's address",
                    state=_row("partnership.ApiToken", "slagelse_api_token", "revoked_at"),
                ),
            ]
        ),
        # First federated logins waiting for approval: the organisation's own admin decides.
        "federation:pending": E(
            [
                get(only("org_admin"), slug("holbaek"), "Holbæk (the org admin's own)"),
                get(only(), slug("slagelse"), "Slagelse (not hers)"),
            ]
        ),
        **{
            f"federation:{name}": E(
                [
                    get(post_only_get(), lambda w: {"slug": "holbaek", "pk": 1}),
                    post(
                        only("org_admin"),
                        lambda w: {"slug": "holbaek", "pk": w.holbaek_pending.pk},
                        "Holbæk's waiting login",
                        state=_row("federation.PendingLogin", "holbaek_pending", "status"),
                        data=lambda w: {"roles": ["caseworker"]},
                    ),
                    post(
                        only(),
                        lambda w: {"slug": "slagelse", "pk": w.slagelse_pending.pk},
                        "Slagelse's waiting login",
                        state=_row("federation.PendingLogin", "slagelse_pending", "status"),
                        data=lambda w: {"roles": ["caseworker"]},
                    ),
                    post(
                        only(),
                        lambda w: {"slug": "holbaek", "pk": w.slagelse_pending.pk},
                        "Slagelse's waiting login under Holbæk's address",
                        state=_row("federation.PendingLogin", "slagelse_pending", "status"),
                        data=lambda w: {"roles": ["caseworker"]},
                    ),
                ]
            )
            for name in ("approve", "refuse")
        },
        "partnership:membership_change_role": E(
            get_post(
                only("org_admin"),
                kwargs=lambda w: {"slug": "holbaek", "pk": w.holbaek_member.pk},
                target="a Holbæk member",
                state=_row("partnership.Membership", "holbaek_member", "role", "is_active"),
            )
            + get_post(
                only(),
                kwargs=lambda w: {"slug": "slagelse", "pk": w.slagelse_member.pk},
                target="a Slagelse member (Slagelse has no admin; not the secretariat's to change)",
                state=_row("partnership.Membership", "slagelse_member", "role", "is_active"),
            )
            + get_post(
                only(),
                kwargs=lambda w: {"slug": "holbaek", "pk": w.slagelse_member.pk},
                target="a Slagelse member under Holbæk's address",
                state=_row("partnership.Membership", "slagelse_member", "role", "is_active"),
            )
        ),
        "partnership:membership_deactivate": E(
            get_post(
                only("org_admin"),
                kwargs=lambda w: {"slug": "holbaek", "pk": w.holbaek_member.pk},
                target="a Holbæk member",
                state=_row("partnership.Membership", "holbaek_member", "is_active"),
                skip_allowed=False,
            )
            + get_post(
                only(),
                kwargs=lambda w: {"slug": "slagelse", "pk": w.slagelse_member.pk},
                target="a Slagelse member (Slagelse has no admin; not the secretariat's to change)",
                state=_row("partnership.Membership", "slagelse_member", "is_active"),
            )
            + get_post(
                only(),
                kwargs=lambda w: {"slug": "holbaek", "pk": w.slagelse_member.pk},
                target="a Slagelse member under Holbæk's address",
                state=_row("partnership.Membership", "slagelse_member", "is_active"),
            )
        ),
        "partnership:invitation_cancel": E(
            [
                get(post_only_get(), lambda w: {"slug": "holbaek", "pk": 1}),
                post(
                    only("org_admin"),
                    lambda w: {"slug": "holbaek", "pk": w.holbaek_invitation.pk},
                    "a Holbæk invitation",
                    state=_row("partnership.Invitation", "holbaek_invitation", "cancelled_at"),
                ),
                post(
                    SECRETARIAT,
                    lambda w: {"slug": "slagelse", "pk": w.slagelse_invitation.pk},
                    "a Slagelse invitation the secretariat sent (its own to cancel)",
                    state=_row("partnership.Invitation", "slagelse_invitation", "cancelled_at"),
                ),
                post(
                    only(),
                    lambda w: {"slug": "holbaek", "pk": w.slagelse_invitation.pk},
                    "a Slagelse invitation under Holbæk's address",
                    state=_row("partnership.Invitation", "slagelse_invitation", "cancelled_at"),
                ),
            ]
        ),
        # The token is the credential: whoever has the e-mail link sees the form.
        "partnership:invitation_accept": E(
            [
                *get_post(
                    public(),
                    kwargs=lambda w: {"token": w.invitation_token},
                    target="a valid token",
                    state=_row("partnership.Invitation", "holbaek_invitation", "accepted_at"),
                ),
                get(
                    public(mfa_pending=MFA, **{r: DENY for r in ROLES if r != "mfa_pending"}),
                    lambda w: {"token": "ugyldig-token"},
                    "an unknown token",
                ),
            ]
        ),
        "partnership:profile": E([get(expect([*MEMBERS, "no_membership"]))]),
        "partnership:job_list": E([get(members())]),
        **{
            f"partnership:{name}": E(
                [
                    get(only("caseworker", "secretariat"), kw(pk="job"), "Slagelse's report"),
                    get(only("caseworker"), kw(pk="job_private"), "a private contract PDF"),
                    get(only("provider_b", "secretariat"), kw(pk="job_b"), "provider B's job"),
                ]
            )
            for name in ("job_detail", "job_status", "job_download")
        },
        "partnership:job_retry": E(
            [
                get(post_only_get(), kw(pk="job_failed")),
                post(
                    only("caseworker", "secretariat"),
                    kw(pk="job_failed"),
                    "the caseworker's failed job",
                    state=_row("partnership.Job", "job_failed", "status", "attempts"),
                    skip_allowed=True,
                ),
                post(
                    only("provider_b", "secretariat"),
                    kw(pk="job_b_failed"),
                    "provider B's failed job",
                    state=_row("partnership.Job", "job_b_failed", "status", "attempts"),
                    skip_allowed=True,
                ),
            ]
        ),
        "partnership:member_list_order": E(
            get_post(SECRETARIAT, state=_count("partnership.Job"), skip_allowed=True)
        ),
        "partnership:cpr_findings": E([get(SECRETARIAT)]),
        "partnership:cpr_redact": E(
            [
                get(post_only_get()),
                post(SECRETARIAT, state=_count("partnership.Redaction"), skip_allowed=True),
            ]
        ),
        # --- offers --------------------------------------------------------------------
        "offers:search": E([get(members())]),
        "offers:own_offers": E([get(only(*EDITORS))]),
        "offers:offer_create": E(get_post(only(*EDITORS), state=_count("offers.Offer"))),
        "offers:offer_detail": E(
            [
                get(members(), kw(pk="offer_a"), "provider A's published offer"),
                get(only("provider_a", "secretariat"), kw(pk="offer_a_draft"), "A's draft"),
                get(only("provider_b", "secretariat"), kw(pk="offer_b_draft"), "B's draft"),
            ]
        ),
        "offers:offer_edit": E(
            get_post(
                only("provider_a"),
                kwargs=kw(pk="offer_a_draft"),
                target="A's draft",
                state=_row("offers.Offer", "offer_a_draft", "name", "description", "status"),
            )
            + get_post(
                only("provider_b"),
                kwargs=kw(pk="offer_b_draft"),
                target="B's draft",
                state=_row("offers.Offer", "offer_b_draft", "name", "description", "status"),
            )
        ),
        "offers:offer_status": E(
            [
                get(post_only_get(), kw(pk="offer_a_draft")),
                post(
                    only("provider_a"),
                    kw(pk="offer_a_draft"),
                    "A's draft",
                    state=_row("offers.Offer", "offer_a_draft", "status"),
                    data=lambda w: {"status": "published"},
                ),
                post(
                    only("provider_a"),
                    kw(pk="offer_a"),
                    "A's published offer",
                    state=_row("offers.Offer", "offer_a", "status"),
                    data=lambda w: {"status": "withdrawn"},
                ),
            ]
        ),
        **{
            f"offers:{name}": E(
                get_post(
                    only("provider_a"),
                    kwargs=kw(pk="offer_a"),
                    target="A's published offer",
                    state=_all(*snapshots),
                )
            )
            for name, snapshots in (
                (
                    "declaration_edit",
                    [_count("offers.DeclarationAnswer", offer__name="Matrix Bosted A")],
                ),
                ("vacancy_report", [_count("offers.VacancyReport")]),
                ("photo_upload", [_count("offers.OfferPhoto")]),
                ("document_upload", [_count("offers.OfferDocument")]),
                ("tariff_create", [_count("offers.Tariff")]),
            )
        },
        "offers:document_download": E(
            [
                get(members(), kw(pk="offer_a", doc_pk="document_a"), "A's published offer"),
                get(
                    only("provider_a", "secretariat"),
                    kw(pk="offer_a_draft", doc_pk="document_a_draft"),
                    "A's draft",
                ),
                get(
                    only(), kw(pk="offer_a", doc_pk="document_a_draft"), "draft's file, wrong offer"
                ),
            ]
        ),
        "offers:photo_file": E(
            [
                get(members(), kw(pk="offer_a", photo_pk="photo_a"), "A's published offer"),
                get(
                    only("provider_a", "secretariat"),
                    kw(pk="offer_a_draft", photo_pk="photo_a_draft"),
                    "A's draft",
                ),
                get(
                    only(), kw(pk="offer_a", photo_pk="photo_a_draft"), "draft's photo, wrong offer"
                ),
            ]
        ),
        "offers:follow_toggle": E(
            [
                get(post_only_get(), kw(pk="offer_a")),
                post(members(), kw(pk="offer_a"), "A's published offer"),
                post(
                    only("provider_a", "secretariat"),
                    kw(pk="offer_a_draft"),
                    "A's draft",
                    state=_count("offers.OfferFollow"),
                ),
            ]
        ),
        # Tilbud jeg følger: one's own follows only; A's draft only for those who see it.
        "offers:followed_list": E([get(members())]),
        **{
            f"offers:{name}": E(
                [
                    get(post_only_get(), kw(pk="offer_a")),
                    post(members(), kw(pk="offer_a"), "A's published offer", data=data),
                    post(
                        only("provider_a", "secretariat"),
                        kw(pk="offer_a_draft"),
                        "A's draft",
                        state=_count("offers.OfferFollow"),
                        data=data,
                    ),
                ]
            )
            for name, data in (("unfollow", None), ("follow_email", lambda w: {"email": "nej"}))
        },
        # Gemte søgninger: a person's own; another's is not found (404).
        "offers:saved_search_list": E([get(members())]),
        "offers:saved_search_create": E(
            get_post(members(), state=_count("offers.SavedSearch"), query="?kommune=slagelse")
        ),
        "offers:saved_search_edit": E(
            get_post(
                only("caseworker"),
                kwargs=kw(pk="saved_search"),
                target="the Slagelse caseworker's search",
                state=_row("offers.SavedSearch", "saved_search", "name", "notify_by_email"),
                data=lambda w: {"name": "Omdøbt", "notify_by_email": "on"},
            )
        ),
        "offers:saved_search_delete": E(
            [
                get(post_only_get(), kw(pk="saved_search")),
                post(
                    only("caseworker"),
                    kw(pk="saved_search"),
                    "the Slagelse caseworker's search",
                    state=_count("offers.SavedSearch"),
                    skip_allowed=True,  # the owner's delete is tests/offers/test_saved_searches.py's
                ),
            ]
        ),
        "offers:tariff_edit": E(
            get_post(
                only("provider_a"),
                kwargs=kw(pk="offer_a", tariff_pk="tariff_a_draft"),
                target="A's draft tariff",
                state=_row("offers.Tariff", "tariff_a_draft", "price", "status"),
            )
            + get_post(
                only(),
                kwargs=kw(pk="offer_b_draft", tariff_pk="tariff_a_draft"),
                target="A's tariff under B's offer",
                state=_row("offers.Tariff", "tariff_a_draft", "price", "status"),
            )
        ),
        "offers:tariff_publish": E(
            [
                get(post_only_get(), kw(pk="offer_a", tariff_pk="tariff_a_draft")),
                post(
                    only("provider_a"),
                    kw(pk="offer_a", tariff_pk="tariff_a_draft"),
                    "A's draft tariff",
                    state=_row("offers.Tariff", "tariff_a_draft", "status"),
                ),
            ]
        ),
        "offers:tariff_correct": E(
            [
                get(post_only_get(), kw(pk="offer_a", tariff_pk="tariff_a")),
                post(
                    only("provider_a"),
                    kw(pk="offer_a", tariff_pk="tariff_a"),
                    "A's published tariff",
                    state=_count("offers.Tariff"),
                ),
            ]
        ),
        "offers:compare": E([get(members())]),
        "offers:compare_xlsx": E([get(members())]),
        "offers:compare_add": E(
            [
                get(post_only_get()),
                post(members(), data=lambda w: {"offer": w.offer_a.pk}, target="a published"),
                post(
                    only("provider_a", "secretariat"),
                    data=lambda w: {"offer": w.offer_a_draft.pk},
                    target="A's draft",
                ),
            ]
        ),
        "offers:compare_remove": E([get(post_only_get()), post(members())]),
        "offers:compare_adopt": E(
            [
                get(post_only_get()),
                post(members(), data=lambda w: {"id": [w.offer_a.pk]}, target="a published"),
            ]
        ),
        "offers:open_data": E(
            [
                get(members(), kw(fmt=("csv",)), "CSV"),
                get(members(), kw(fmt=("json",)), "JSON"),
            ]
        ),
        "offers:tariffs_above_pl": E([get(SECRETARIAT)]),
        "offers:reference_index": E([get(SECRETARIAT)]),
        "offers:regulation_rates": E(get_post(SECRETARIAT, state=_count("offers.RegulationRate"))),
        "offers:reference_list": E(
            [
                *get_post(
                    SECRETARIAT,
                    kwargs=kw(kind=("paragraffer",)),
                    state=_count("offers.LegalParagraph"),
                ),
                *get_post(
                    SECRETARIAT,
                    kwargs=kw(kind=("synonymer",)),
                    target="synonymer",
                    state=_count("offers.SearchSynonym"),
                ),
            ]
        ),
        "offers:reference_edit": E(
            get_post(
                SECRETARIAT,
                kwargs=lambda w: {
                    "kind": "maalgrupper",
                    "pk": w.offer_a.target_groups.first().pk,
                },
                state=lambda w: list(w.offer_a.target_groups.values()),
            )
        ),
        "offers:tariff_import": E(get_post(only(*EDITORS))),
        "offers:tariff_import_template": E(
            [
                get(only(*EDITORS), kw(fmt=("csv",)), "CSV"),
                get(only(*EDITORS), kw(fmt=("xlsx",)), "XLSX"),
            ]
        ),
        # Imports live in the uploader's session: an unknown key sends an editor back.
        "offers:tariff_import_preview": E(
            [get(only(*EDITORS), kw(key=("ukendt",)), "someone else's key")]
        ),
        "offers:tariff_import_confirm": E(
            [
                get(only(*EDITORS, **{r: METHOD for r in EDITORS}), kw(key=("ukendt",))),
                post(only(*EDITORS), kw(key=("ukendt",)), state=_count("offers.Tariff")),
            ]
        ),
        "offers:report_index": E([get(members())]),
        "offers:tariff_overview_order": E(
            get_post(members(), state=_count("partnership.Job"), skip_allowed=True)
        ),
        "offers:tariff_development": E([get(members())]),
        "offers:capacity": E([get(only(*MUNICIPALITIES, "secretariat"))]),
        "offers:library": E([get(members())]),
        "offers:library_publish": E(
            [get(post_only_get()), post(SECRETARIAT, state=_count("offers.PublishedReport"))]
        ),
        "offers:library_download": E([get(members(), kw(pk="report"))]),
        "offers:library_unpublish": E(
            [
                get(post_only_get(), kw(pk="report")),
                post(SECRETARIAT, kw(pk="report"), state=_count("offers.PublishedReport")),
            ]
        ),
        "offers:scheduled_reports": E(
            get_post(SECRETARIAT, state=_count("offers.ScheduledReport"))
        ),
        # --- contracts -----------------------------------------------------------------
        "contracts:contract_list": E([get(only(*MUNICIPALITIES, *EDITORS, secretariat=REDIRECT))]),
        # A contract is made from an offer the buyer may see; without one (or for a draft
        # of another provider) the buyer is sent to the search.
        "contracts:contract_create": E(
            [
                get(
                    only(*MUNICIPALITIES),
                    target="A's published offer",
                    query=lambda w: f"?tilbud={w.offer_a.pk}",
                ),
                get(
                    only(*MUNICIPALITIES, **{r: REDIRECT for r in MUNICIPALITIES}),
                    target="B's draft offer",
                    query=lambda w: f"?tilbud={w.offer_b_draft.pk}",
                ),
                post(
                    only(*MUNICIPALITIES, **{r: REDIRECT for r in MUNICIPALITIES}),
                    target="B's draft offer",
                    data=lambda w: {"tilbud": w.offer_b_draft.pk},
                    state=_count("contracts.Contract"),
                ),
                post(
                    only(*MUNICIPALITIES),
                    target="A's published offer (empty form)",
                    data=lambda w: {"tilbud": w.offer_a.pk},
                    state=_count("contracts.Contract"),
                ),
            ]
        ),
        "contracts:measures": E([get(SECRETARIAT)]),
        # A draft is the buying municipality's alone; sending opens it to the provider.
        "contracts:contract_detail": E(
            [
                get(only(*CONTRACT_BUYER), kw(pk="contract"), "a Slagelse–A draft (not sent)"),
                get(only(*CONTRACT_PARTIES), kw(pk="contract_sent"), "a Slagelse–A contract sent"),
            ]
        ),
        "contracts:contract_edit": E(
            get_post(
                only(*CONTRACT_BUYER),
                kwargs=kw(pk="contract"),
                target="a Slagelse–A draft",
                state=_row("contracts.Contract", "contract", "updated_at"),
            )
            + get_post(
                only(*CONTRACT_BUYER),
                kwargs=kw(pk="contract_sent"),
                target="a Slagelse–A contract sent (the provider proposes, the buyer sets)",
                state=_row("contracts.Contract", "contract_sent", "updated_at"),
            )
        ),
        "contracts:clause_edit": E(
            get_post(
                only(*CONTRACT_BUYER),
                kwargs=kw(pk="contract", clause_pk="clause"),
                target="a clause of a Slagelse–A draft",
                state=_row("contracts.ContractClause", "clause", "text"),
            )
            + get_post(
                only(*CONTRACT_PARTIES),
                kwargs=kw(pk="contract_sent", clause_pk="clause_sent"),
                target="a clause of a Slagelse–A contract sent (both sides propose)",
                state=_row("contracts.ContractClause", "clause_sent", "text"),
            )
        ),
        "contracts:contract_price_item": E(
            get_post(
                only(*CONTRACT_BUYER),
                kwargs=kw(pk="contract"),
                target="a Slagelse–A draft",
                state=_count("contracts.IndividualPriceItem"),
            )
        ),
        **{
            f"contracts:{name}": E(
                [
                    get(post_only_get(), kw(pk="contract")),
                    post(
                        only(*CONTRACT_BUYER),
                        kw(pk="contract"),
                        "a Slagelse–A draft (not sent: the provider gets a 404)",
                        state=_all(
                            _row("contracts.Contract", "contract", "state", "updated_at"),
                            _count("contracts.ContractEvent"),
                            _count("contracts.Contract"),
                        ),
                        data=lambda w: {
                            "text": "x",
                            "reason": "y",
                            "notice_given_on": date.today().isoformat(),
                            "effective_date": date.today().isoformat(),
                        },
                    ),
                    post(
                        only(*CONTRACT_PARTIES, **post_special),
                        kw(pk="contract_sent"),
                        "a Slagelse–A contract sent",
                        state=_all(
                            _row("contracts.Contract", "contract_sent", "state", "updated_at"),
                            _count("contracts.ContractEvent"),
                            _count("contracts.Contract"),
                        ),
                        data=lambda w: {
                            "text": "x",
                            "reason": "y",
                            "notice_given_on": date.today().isoformat(),
                            "effective_date": date.today().isoformat(),
                        },
                    ),
                ]
            )
            for name, post_special in (
                ("contract_send", {"provider_a": REDIRECT}),
                ("contract_accept", {}),
                ("contract_comment", {}),
                ("contract_terminate", {}),
                ("contract_renegotiate", {}),
            )
        },
        # The standard contracts: every member reads the published and replaced versions;
        # drafts, new versions and publishing are the secretariat's.
        "contracts:template_list": E([get(members())]),
        "contracts:template_detail": E(
            [
                get(members(), kw(pk="template"), "the published version"),
                get(SECRETARIAT, kw(pk="template_draft"), "a draft"),
            ]
        ),
        "contracts:template_new_version": E(
            [
                get(post_only_get(), kw(pk="template")),
                post(
                    SECRETARIAT,
                    kw(pk="template"),
                    "the published version",
                    state=_count("contracts.ContractTemplate"),
                ),
            ]
        ),
        "contracts:template_edit": E(
            [
                get(only(), kw(pk="template"), "the published version"),
                *get_post(
                    SECRETARIAT,
                    kwargs=kw(pk="template_draft"),
                    target="a draft",
                    state=_row("contracts.ContractTemplate", "template_draft", "version"),
                    data=lambda w: {"version": "9.9", "change_note": "x"},
                ),
            ]
        ),
        "contracts:template_clause_edit": E(
            get_post(
                SECRETARIAT,
                kwargs=kw(pk="template_draft", clause_pk="template_clause"),
                target="a clause of a draft",
                state=_row("contracts.TemplateClause", "template_clause", "text"),
                data=lambda w: {"text": "x"},
            )
        ),
        "contracts:template_publish": E(
            [
                get(post_only_get(), kw(pk="template_draft")),
                post(
                    SECRETARIAT,
                    kw(pk="template_draft"),
                    "a draft",
                    state=_row("contracts.ContractTemplate", "template_draft", "status"),
                ),
            ]
        ),
        "contracts:contract_pdf": E(
            [
                get(post_only_get(), kw(pk="contract")),
                post(
                    only(*CONTRACT_BUYER),
                    kw(pk="contract"),
                    "a Slagelse–A draft (not sent)",
                    state=_count("partnership.Job"),
                    skip_allowed=True,
                ),
                post(
                    only(*CONTRACT_PARTIES),
                    kw(pk="contract_sent"),
                    "a Slagelse–A contract sent",
                    state=_count("partnership.Job"),
                    skip_allowed=True,
                ),
            ]
        ),
    }
)

MEETING_VIEWERS = [*INVITEES, "secretariat"]
CLOSED_ITEM_VIEWERS = ["caseworker", "purchaser", "secretariat"]  # closed to Slagelse


def _secretariat_form(kwargs, target, state, **options):
    return get_post(SECRETARIAT, kwargs=kwargs, target=target, state=state, **options)


def _secretariat_post(kwargs, target, state, **options):
    return [
        get(post_only_get(), kwargs),
        post(SECRETARIAT, kwargs, target, state=state, **options),
    ]


MEETING_STATE = _row("meetings.Meeting", "meeting", "status", "title", "updated_at")
MINUTES_STATE = _row("meetings.Minutes", "minutes", "status", "approved_at")

MATRIX.update(
    {
        # --- meetings ------------------------------------------------------------------
        "meetings:meeting_list": E([get(members())]),
        "meetings:meeting_archive": E([get(members())]),
        "meetings:meeting_create": E(_secretariat_form(no_kwargs, "", _count("meetings.Meeting"))),
        "meetings:forum_list": E([get(SECRETARIAT)]),
        "meetings:forum_create": E(_secretariat_form(no_kwargs, "", _count("meetings.Forum"))),
        "meetings:forum_edit": E(
            _secretariat_form(kw(pk="forum"), "a forum", _row("meetings.Forum", "forum", "name"))
        ),
        "meetings:meeting_detail": E(
            [
                get(only(*MEETING_VIEWERS), kw(pk="meeting"), "a meeting (Slagelse, Holbæk, A)"),
                get(SECRETARIAT, kw(pk="draft_meeting"), "a draft meeting"),
            ]
        ),
        "meetings:meeting_edit": E(
            _secretariat_form(kw(pk="meeting"), "an invited meeting", MEETING_STATE)
        ),
        "meetings:meeting_ics": E(
            [
                get(only(*MEETING_VIEWERS), kw(pk="meeting"), "an invited meeting"),
                get(SECRETARIAT, kw(pk="draft_meeting"), "a draft meeting"),
            ]
        ),
        "meetings:agenda_pdf": E(
            [
                get(post_only_get(), kw(pk="meeting")),
                post(
                    only(*MEETING_VIEWERS),
                    kw(pk="meeting"),
                    "an invited meeting",
                    state=_count("partnership.Job"),
                    skip_allowed=True,
                ),
                post(
                    SECRETARIAT,
                    kw(pk="draft_meeting"),
                    "a draft meeting",
                    state=_count("partnership.Job"),
                    skip_allowed=True,
                ),
            ]
        ),
        "meetings:meeting_pack": E(
            [
                get(post_only_get(), kw(pk="meeting")),
                post(
                    only(*MEETING_VIEWERS),
                    kw(pk="meeting"),
                    "an invited meeting",
                    state=_count("partnership.Job"),
                    skip_allowed=True,
                ),
            ]
        ),
        # Without a reason: the secretariat gets the page back with the error (400).
        "meetings:meeting_cancel": E(
            [
                get(SECRETARIAT, kw(pk="meeting"), "an invited meeting"),
                post(
                    only(secretariat=REFUSED),
                    kw(pk="meeting"),
                    "an invited meeting",
                    state=MEETING_STATE,
                ),
            ]
        ),
        "meetings:item_create": E(
            _secretariat_form(kw(pk="meeting"), "an invited meeting", _count("meetings.AgendaItem"))
        ),
        "meetings:item_edit": E(
            _secretariat_form(
                kw(pk="meeting", item_pk="item"),
                "an item",
                _row("meetings.AgendaItem", "item", "title", "number"),
            )
            + get_post(
                only(),
                kwargs=kw(pk="meeting", item_pk="draft_item"),
                target="another meeting's item",
                state=_row("meetings.AgendaItem", "draft_item", "title", "number"),
            )
        ),
        "meetings:item_delete": E(
            _secretariat_post(
                kw(pk="draft_meeting", item_pk="draft_item"),
                "an item",
                _count("meetings.AgendaItem"),
            )
        ),
        # No direction: refused with a message on the meeting page (a redirect).
        "meetings:item_move": E(
            _secretariat_post(
                kw(pk="draft_meeting", item_pk="draft_item"),
                "an item",
                _row("meetings.AgendaItem", "draft_item", "number", "position"),
            )
        ),
        "meetings:meeting_copy": E(
            _secretariat_form(kw(pk="meeting"), "an invited meeting", _count("meetings.Meeting"))
        ),
        "meetings:forum_template": E(
            _secretariat_post(
                kw(pk="meeting"), "a meeting", _row("meetings.Forum", "forum", "template_meeting")
            )
        ),
        "meetings:send_reminders": E(
            _secretariat_post(
                kw(pk="meeting"), "a meeting", _count("partnership.OutgoingMail", status="sent")
            )
        ),
        # An empty upload: the secretariat gets the form back with the error (400).
        "meetings:attachment_add": E(
            [
                get(SECRETARIAT, kw(pk="meeting", item_pk="item"), "an item"),
                post(
                    only(secretariat=REFUSED),
                    kw(pk="meeting", item_pk="item"),
                    "an item",
                    state=_count("meetings.AgendaAttachment"),
                ),
            ]
        ),
        "meetings:attachment_download": E(
            [
                get(only(*MEETING_VIEWERS), kw(pk="meeting", attachment_pk="attachment"), "open"),
                get(
                    only(*CLOSED_ITEM_VIEWERS),
                    kw(pk="meeting", attachment_pk="closed_attachment"),
                    "an item closed to Slagelse",
                ),
            ]
        ),
        "meetings:attachment_delete": E(
            _secretariat_post(
                kw(pk="meeting", attachment_pk="attachment"),
                "an attachment",
                _count("meetings.AgendaAttachment"),
            )
        ),
        "meetings:invite": E(
            _secretariat_form(
                kw(pk="meeting"), "an invited meeting", _count("meetings.MeetingInvitation")
            )
        ),
        "meetings:invitation_remove": E(
            _secretariat_post(
                kw(pk="meeting", invitation_pk="meeting_invitation"),
                "Holbæk's invitation",
                _count("meetings.MeetingInvitation"),
            )
        ),
        "meetings:send_invitations": E(
            _secretariat_post(
                kw(pk="draft_meeting"),
                "a draft meeting",
                _all(
                    _row("meetings.Meeting", "draft_meeting", "status", "invitations_sent_at"),
                ),
            )
        ),
        "meetings:mail_resend": E(
            _secretariat_post(
                kw(pk="meeting"), "a meeting", _count("partnership.OutgoingMail", status="sent")
            )
        ),
        "meetings:answer": E(
            [
                get(post_only_get(), kw(pk="meeting")),
                post(
                    only(*INVITEES),
                    kw(pk="meeting"),
                    "an invited meeting",
                    state=_count("meetings.Participation"),
                    data=lambda w: {"answer": "decline"},
                ),
            ]
        ),
        "meetings:attendance": E(
            _secretariat_form(kw(pk="meeting"), "a meeting", _count("meetings.Participation"))
        ),
        "meetings:minutes_detail": E(
            [get(only(*MEETING_VIEWERS), kw(pk="meeting"), "minutes for comment")]
        ),
        "meetings:minutes_version": E(
            [get(only(*MEETING_VIEWERS), kw(pk="meeting", minutes_pk="minutes"), "for comment")]
        ),
        "meetings:minutes_edit": E(
            _secretariat_form(kw(pk="meeting"), "minutes for comment", MINUTES_STATE)
        ),
        "meetings:minutes_send": E(
            _secretariat_post(
                kw(pk="meeting", minutes_pk="minutes"),
                "minutes",
                MINUTES_STATE,
                data=lambda w: {"deadline": (date.today() + timedelta(days=7)).isoformat()},
            )
        ),
        "meetings:minutes_approve": E(
            _secretariat_post(kw(pk="meeting", minutes_pk="minutes"), "minutes", MINUTES_STATE)
        ),
        "meetings:minutes_pdf": E(
            [
                get(post_only_get(), kw(pk="meeting", minutes_pk="minutes")),
                post(
                    only(*MEETING_VIEWERS),
                    kw(pk="meeting", minutes_pk="minutes"),
                    "minutes for comment",
                    state=_count("partnership.Job"),
                    skip_allowed=True,
                ),
            ]
        ),
        "meetings:minutes_correct": E(
            _secretariat_form(
                kw(pk="meeting", minutes_pk="minutes"), "minutes", _count("meetings.Minutes")
            )
        ),
        "meetings:minutes_comment": E(
            [
                get(post_only_get(), kw(pk="meeting", minutes_pk="minutes", entry_pk="entry")),
                # The secretariat did not attend: the service refuses, the form says why.
                post(
                    only(*INVITEES, secretariat=REFUSED),
                    kw(pk="meeting", minutes_pk="minutes", entry_pk="entry"),
                    "an open item",
                    state=_count("meetings.MinutesComment"),
                    data=lambda w: {f"c{w.entry.pk}-text": "En kommentar"},
                ),
                post(
                    only("caseworker", "purchaser", secretariat=REFUSED),
                    kw(pk="meeting", minutes_pk="minutes", entry_pk="closed_entry"),
                    "an item closed to Slagelse",
                    state=_count("meetings.MinutesComment"),
                    data=lambda w: {f"c{w.closed_entry.pk}-text": "En kommentar"},
                ),
            ]
        ),
        "meetings:minutes_start": E(
            _secretariat_post(kw(pk="meeting"), "a held meeting", _count("meetings.Minutes"))
        ),
        "meetings:minutes_sign": E(
            [
                get(post_only_get(), kw(pk="meeting", minutes_pk="minutes")),
                # Those present approve; the others are told why on the minutes page.
                post(
                    only(*MEETING_VIEWERS),
                    kw(pk="meeting", minutes_pk="minutes"),
                    "minutes for comment",
                    state=_count("meetings.MinutesApproval"),
                ),
            ]
        ),
        "meetings:comment_handled": E(
            _secretariat_post(
                kw(pk="meeting", minutes_pk="minutes", comment_pk="minutes_comment"),
                "a comment",
                _row("meetings.MinutesComment", "minutes_comment", "handled_at"),
            )
        ),
        "meetings:attendee_add": E(
            _secretariat_post(
                kw(pk="meeting"),
                "a held meeting",
                _count("meetings.ExtraAttendee"),
                data=lambda w: {"kind": "guest", "name": "Gæst"},
            )
        ),
        "meetings:attendee_remove": E(
            _secretariat_post(
                kw(pk="meeting", attendee_pk="extra_attendee"),
                "a guest",
                _count("meetings.ExtraAttendee"),
            )
        ),
        "meetings:absence": E(
            _secretariat_post(
                kw(pk="meeting"),
                "a held meeting",
                lambda w: sorted(w.extra_attendee.absent_items.values_list("pk", flat=True)),
                data=lambda w: {"person": f"x{w.extra_attendee.pk}", "items": [str(w.item.pk)]},
            )
        ),
        "meetings:decision_log": E([get(members(), kw(pk="forum"), "a forum")]),
        "meetings:action_status": E(
            [
                get(post_only_get(), kw(action_pk="minutes_action")),
                # Not approved yet: the secretariat is told so; invitees who do not own it
                # are refused, the others do not see it.
                post(
                    SECRETARIAT,
                    kw(action_pk="minutes_action"),
                    "an action of minutes for comment",
                    state=_count("meetings.ActionFollowUp"),
                    data=lambda w: {"status": "done"},
                ),
            ]
        ),
        "meetings:calendar_settings": E(get_post(members(), state=_count("meetings.CalendarFeed"))),
        # The token is the credential (a calendar program has no session).
        "meetings:calendar_feed": E(
            [
                get(public(), lambda w: {"token": w.calendar_token}, "the caseworker's token"),
                get(
                    public(**{r: DENY for r in ROLES if r != "mfa_pending"}),
                    lambda w: {"token": w.revoked_token},
                    "an unknown token",
                ),
            ]
        ),
        # --- quality -------------------------------------------------------------------
        "quality:overview": E([get(only(*MUNICIPALITIES, *EDITORS, "secretariat"))]),
        "quality:frameworks": E([get(only(*MUNICIPALITIES, *EDITORS, "secretariat"))]),
        "quality:framework_edit": E(
            _secretariat_form(
                kw(pk="framework"), "a framework", _row("quality.Framework", "framework", "name")
            )
        ),
        "quality:framework_activate": E(
            _secretariat_form(
                kw(pk="framework"),
                "a framework",
                _row("quality.Framework", "framework", "valid_from", "is_active"),
            )
        ),
        "quality:criterion_create": E(
            _secretariat_form(
                kw(pk="framework", theme_pk="theme"), "a theme", _count("quality.Criterion")
            )
        ),
        "quality:criterion_edit": E(
            _secretariat_form(
                kw(pk="framework", theme_pk="theme", criterion_pk="criterion"),
                "a criterion",
                _row("quality.Criterion", "criterion", "code", "text"),
            )
        ),
        "quality:theme_create": E(
            _secretariat_form(kw(pk="framework"), "a framework", _count("quality.Theme"))
        ),
        "quality:theme_edit": E(
            _secretariat_form(
                kw(pk="framework", theme_pk="theme"),
                "a theme",
                _row("quality.Theme", "theme", "name"),
            )
        ),
        "quality:dialogue_create": E(
            get_post(only(*MUNICIPALITIES, *EDITORS), state=_count("quality.Dialogue"))
        ),
        "quality:dialogue_detail": E(
            [get(only(*DIALOGUE_SIDES, "secretariat"), kw(pk="dialogue"), "Slagelse–A")]
        ),
        "quality:dialogue_pdf": E(
            [
                get(post_only_get(), kw(pk="dialogue")),
                post(
                    only(*DIALOGUE_SIDES, "secretariat"),
                    kw(pk="dialogue"),
                    "Slagelse–A",
                    state=_count("partnership.Job"),
                    skip_allowed=True,
                ),
            ]
        ),
        "quality:dialogue_edit": E(
            get_post(
                only(*DIALOGUE_SIDES),
                kwargs=kw(pk="dialogue"),
                target="Slagelse–A",
                state=_row("quality.Dialogue", "dialogue", "held_on", "updated_at"),
            )
        ),
        "quality:notes_edit": E(
            get_post(
                only(*DIALOGUE_SIDES),
                kwargs=kw(pk="dialogue"),
                target="Slagelse–A",
                state=_count("quality.ThemeNote"),
            )
        ),
        "quality:document_upload": E(
            get_post(
                only(*DIALOGUE_SIDES),
                kwargs=kw(pk="dialogue"),
                target="Slagelse–A",
                state=_count("quality.DialogueDocument"),
            )
        ),
        "quality:document_download": E(
            [
                get(
                    only(*DIALOGUE_SIDES, "secretariat"),
                    kw(pk="dialogue", doc_pk="dialogue_document"),
                    "Slagelse–A",
                )
            ]
        ),
        "quality:action_create": E(
            get_post(
                only(*DIALOGUE_SIDES),
                kwargs=kw(pk="dialogue"),
                target="Slagelse–A",
                state=_count("quality.Action"),
            )
        ),
        "quality:action_edit": E(
            get_post(
                only(*DIALOGUE_SIDES),
                kwargs=kw(pk="dialogue", action_pk="action"),
                target="Slagelse–A",
                state=_row("quality.Action", "action", "text", "status", "deadline"),
            )
        ),
        "quality:assessment_create": E(
            get_post(
                only("provider_a", "secretariat"),
                kwargs=lambda w: {"offer_pk": w.offer_a.pk},
                target="A's published offer",
                state=_count("quality.Assessment"),
            )
            + [
                get(
                    only("provider_b", "secretariat"),
                    lambda w: {"offer_pk": w.offer_b_draft.pk},
                    "B's draft",
                )
            ]
        ),
    }
)

# --- allauth's account pages --------------------------------------------------------------
# allauth guards these itself; the matrix pins what each role gets. RequireMFAMiddleware
# lets a person who must set up MFA reach /konto/2fa/, /konto/reauthenticate/ and logout.
LOGGED_IN = [*MEMBERS, "no_membership"]
TOTP_HOLDERS = ["org_admin", "secretariat"]


def account(**special):
    """A page for anyone logged in (allauth sends anonymous people to the login)."""
    return {**expect(LOGGED_IN), **special}


MATRIX.update(
    {
        # Anonymous people log in, sign up (closed: invitations only), reset passwords; a
        # person who is logged in is sent on.
        **{
            name: E([get(public())])
            for name in (
                "account_login",
                "account_inactive",
                "account_signup",
                "account_email_verification_sent",
                "account_reset_password",
                "account_reset_password_done",
                "account_reset_password_from_key_done",
            )
        },
        "account_reset_password_from_key": E(
            [get(public(), kw(uidb36=("1",), key=("ugyldig",)), "an invalid key")]
        ),
        "account_confirm_email": E([get(public(), kw(key=("ugyldig",)), "an invalid key")]),
        "account_logout": E([get(public(mfa_pending=OK))]),
        "account_reauthenticate": E([get(account(mfa_pending=OK))]),
        # allauth 65.22: reauthenticate with a code sent by e-mail instead of the password;
        # confirming without a requested code sends the person back to ask for one.
        "account_request_reauthentication_code": E([get(account(mfa_pending=OK))]),
        "account_confirm_reauthentication_code": E([get(account(mfa_pending=OK))]),
        "account_email": E([get(account())]),
        "account_change_password": E([get(account())]),
        "account_set_password": E([get(account())]),
        # Without a login in progress there is no code to confirm: back to the login.
        "account_confirm_login_code": E([get(account())]),
        "mfa_index": E([get(account(mfa_pending=OK))]),
        # Only during a login: anyone else is sent back to the login or on to the portal.
        "mfa_authenticate": E([get(account(mfa_pending=REDIRECT))]),
        # A change to MFA asks for the password first (force_login leaves no recent login).
        "mfa_reauthenticate": E([get(account(mfa_pending=REDIRECT))]),
        "mfa_activate_totp": E([get(account(mfa_pending=REDIRECT))]),
        "mfa_generate_recovery_codes": E([get(account(mfa_pending=REDIRECT))]),
        # allauth's pages of a federated login (federation/). Starting one is for anyone
        # (a logged-in person is logged out when it completes); the ACS takes only an
        # identity provider's POST; the SP metadata is public.
        "saml_login": E(
            [get(public(), kw(organization_slug=("matrix-idp",)), "the button's page")]
        ),
        "saml_metadata": E([get(public(), kw(organization_slug=("matrix-idp",)))]),
        "saml_acs": E([get(public(), kw(organization_slug=("matrix-idp",)))]),
        # Without a login response: refused as a login response would be (401).
        "saml_finish_acs": E(
            [
                get(
                    public(**{r: TOKEN for r in ROLES if r != "mfa_pending"}),
                    kw(organization_slug=("matrix-idp",)),
                )
            ]
        ),
        # Single logout from the identity provider: without a logout message, 400.
        "saml_sls": E(
            [
                get(
                    public(**{r: REFUSED for r in ROLES if r != "mfa_pending"}),
                    kw(organization_slug=("matrix-idp",)),
                )
            ]
        ),
        "openid_connect_login": E(
            [
                get(public(), kw(provider_id=("oidc-matrix-broker",)), "the button's page"),
                get(only(anonymous=DENY), kw(provider_id=("oidc-ukendt",)), "an unknown broker"),
            ]
        ),
        # Without a login under way: refused as a failed login (401).
        "openid_connect_callback": E(
            [
                get(
                    public(**{r: TOKEN for r in ROLES if r != "mfa_pending"}),
                    kw(provider_id=("oidc-matrix-broker",)),
                )
            ]
        ),
        "socialaccount_login_cancelled": E([get(public())]),
        "socialaccount_login_error": E(
            [get(public(**{r: TOKEN for r in ROLES if r != "mfa_pending"}))]
        ),
        # Only with a federated sign-up under way (never: the portal links or refuses).
        "socialaccount_signup": E([get(public(**{r: LOGIN for r in ROLES if r != "mfa_pending"}))]),
        "socialaccount_connections": E([get(account())]),
        # Only for someone who has an authenticator app: 404 for everyone else.
        "mfa_deactivate_totp": E([get(only(*TOTP_HOLDERS, mfa_pending=DENY))]),
        "mfa_view_recovery_codes": E([get(only(*TOTP_HOLDERS, mfa_pending=DENY))]),
        "mfa_download_recovery_codes": E([get(only(*TOTP_HOLDERS, mfa_pending=DENY))]),
    }
)
