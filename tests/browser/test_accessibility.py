"""axe-core finds no WCAG 2.0/2.1 A or AA violation on any page built so far, including
forms showing their errors."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from partnership import jobs, services
from partnership.models import Job, JobStatus, Organisation, Role
from tests.browser.conftest import assert_accessible, axe_violations, log_in
from tests.factories import MembershipFactory, demo_user, make_meeting, make_offer


def visit_all(page, base, paths):
    for path in paths:
        response = page.goto(base + path)
        assert response.status < 400, f"{path}: {response.status}"
        assert_accessible(page)


def test_public_pages(portal, new_page):
    admin = demo_user("admin.holbaek@portal.example")
    _inv, token = services.invite_member(
        organisation=Organisation.objects.get(slug="holbaek"),
        email="ny@holbaek.example",
        role=Role.CASEWORKER,
        by=admin,
    )
    page = new_page()
    visit_all(
        page,
        portal,
        [
            "/",
            "/konto/login/",
            "/tilgaengelighed/",
            "/konto/signup/",
            "/konto/password/reset/",
            f"/invitation/{token}/",
        ],
    )
    page.goto(portal + "/invitation/ugyldigt-link/")
    assert_accessible(page)
    # Forms showing their errors.
    page.goto(f"{portal}/invitation/{token}/")
    page.get_by_label("Adgangskode", exact=True).fill("kort")
    page.get_by_role("button", name="Opret adgang").click()
    expect(page.locator(".form-error-message").first).to_be_visible()
    assert_accessible(page)
    page.goto(portal + "/konto/login/")
    page.get_by_label("E-mail").fill("findes.ikke@portal.example")
    page.get_by_label("Adgangskode").fill("forkert")
    page.get_by_role("button", name="Log ind").last.click()
    expect(page.get_by_text("ikke korrekt")).to_be_visible()
    assert_accessible(page)


def test_caseworker_pages(portal, new_page):
    page = new_page()
    log_in(page, portal, "sagsbehandler.slagelse@portal.example")
    visit_all(
        page,
        portal,
        [
            "/overblik/",
            "/organisationer/",
            "/organisationer/?q=kommune&kind=municipality",
            "/organisationer/slagelse/",
            "/organisationer/bostedet-egelund/",
            "/organisationer/los/",
            "/profil/",
            "/jobs/",
            "/konto/password/change/",
            "/konto/2fa/",
            "/tilbud/foelger/",
            "/tilbud/gemte-soegninger/",
            "/tilbud/gemte-soegninger/gem/?kommune=slagelse&ledige=on",
        ],
    )


def test_error_pages(portal, new_page):
    page = new_page()
    log_in(page, portal, "branche.los@portal.example")
    for path, status in (("/findes-ikke/", 404), ("/kontrakter/", 403)):
        assert page.goto(portal + path).status == status
        assert_accessible(page)


def test_org_admin_pages(portal, new_page):
    member = MembershipFactory(organisation=Organisation.objects.get(slug="holbaek"))
    page = new_page()
    log_in(page, portal, "admin.holbaek@portal.example")
    visit_all(
        page,
        portal,
        [
            "/organisationer/holbaek/medlemmer/",
            f"/organisationer/holbaek/medlemmer/{member.pk}/rolle/",
            f"/organisationer/holbaek/medlemmer/{member.pk}/deaktiver/",
            "/organisationer/holbaek/api-noegler/",
        ],
    )
    # A token just made, shown once.
    page.goto(portal + "/organisationer/holbaek/api-noegler/")
    page.get_by_label("Navn").fill("Fagsystemets kontraktimport")
    page.get_by_label("Kontrakter", exact=True).check()
    page.get_by_role("button", name=re.compile("^Opret")).click()
    expect(page.locator("code.api-token")).to_be_visible()
    assert_accessible(page)
    page.goto(portal + "/organisationer/holbaek/medlemmer/")
    page.get_by_label("E-mail").fill("ikke-en-email")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".form-error-message")).to_have_count(1)
    assert_accessible(page)


def test_secretariat_pages(portal, new_page):
    secretariat = demo_user("sekretariat@portal.example")
    done = jobs.order_job(kind="member_list", title="Medlemsliste", params={}, by=secretariat)
    failed = Job.objects.create(
        kind="member_list",
        title="Medlemsliste",
        ordered_by=secretariat,
        status=JobStatus.FAILED,
        error="Dokumentet kunne ikke dannes på grund af en fejl hos os.",
        error_detail="Traceback (most recent call last):\nRuntimeError: skabelonen mangler",
    )
    queued = Job.objects.create(kind="member_list", title="Medlemsliste", ordered_by=secretariat)
    page = new_page()
    log_in(page, portal, "sekretariat@portal.example")
    visit_all(
        page,
        portal,
        [
            "/overblik/",
            "/medlemsliste/",
            "/jobs/",
            "/jobs/?alle=1",
            f"/jobs/{done.pk}/",
            f"/jobs/{failed.pk}/",
            f"/jobs/{queued.pk}/",
            "/organisationer/ny/",
            "/organisationer/slagelse/rediger/",
            "/organisationer/slagelse/medlemmer/",
        ],
    )
    page.goto(portal + "/organisationer/ny/")
    page.get_by_label("Type").select_option(label="Leverandør")
    page.get_by_label("Navn", exact=True).fill("Botilbuddet Ny ApS")
    page.get_by_label("CVR-nummer").fill("12345678")
    page.get_by_role("button", name="Gem").click()
    expect(
        page.locator(".form-error-message").get_by_text("kontrolcifferet passer ikke")
    ).to_be_visible()
    assert_accessible(page)


def test_mfa_pages(portal, new_page):
    # The second step of a login with MFA.
    page = new_page()
    page.goto(portal + "/konto/login/")
    page.get_by_label("E-mail").fill("sekretariat@portal.example")
    page.get_by_label("Adgangskode").fill("partnerskab-demo")
    page.get_by_role("button", name="Log ind").last.click()
    assert "/konto/2fa/authenticate/" in page.url
    assert_accessible(page)
    page.get_by_label("Kode").fill("000000")
    page.get_by_role("button", name="Log ind").last.click()
    expect(page.locator(".form-error-message").get_by_text("Forkert kode")).to_be_visible()
    assert_accessible(page)

    # A secretariat member without MFA: confirm the password, then the setup page.
    secretariat = Organisation.objects.get(slug="kkr-sjaelland")
    member = MembershipFactory(organisation=secretariat, role=Role.SECRETARIAT)
    page = new_page()
    log_in(page, portal, member.user.email, "partnerskab-test")
    assert "/konto/reauthenticate/" in page.url
    assert_accessible(page)
    page.get_by_label("Adgangskode").fill("partnerskab-test")
    page.get_by_role("button", name="Bekræft").click()
    assert "/konto/2fa/totp/activate/" in page.url
    assert_accessible(page)


def test_the_axe_check_itself_finds_violations(new_page):
    """The check can fail: a page with an unlabelled field and an image without alt text."""
    page = new_page()
    page.set_content('<html><body><img src="x.png"><input type="text"></body></html>')
    ids = {v["id"] for v in axe_violations(page)}
    assert {"image-alt", "label", "html-has-lang"} <= ids


def test_account_and_mfa_management_pages(portal, new_page):
    page = new_page()
    log_in(page, portal, "sekretariat@portal.example")
    visit_all(
        page,
        portal,
        [
            "/konto/email/",
            "/konto/logout/",
            "/konto/password/reset/done/",
            "/konto/2fa/",
            "/konto/2fa/recovery-codes/",
            "/konto/2fa/totp/deactivate/",
            "/konto/inactive/",
        ],
    )


def test_offer_pages(portal_with_offers, new_page):
    from offers.models import LegalParagraph, Offer

    portal = portal_with_offers
    offer = Offer.objects.filter(provider__slug="bostedet-egelund").order_by("pk").first()
    page = new_page()
    log_in(page, portal, "leverandoer.a@portal.example")
    visit_all(
        page,
        portal,
        [
            "/tilbud/vores/",
            f"/tilbud/{offer.pk}/",
            f"/tilbud/{offer.pk}/rediger/",
            f"/tilbud/{offer.pk}/ledige-pladser/",
            f"/tilbud/{offer.pk}/billeder/",
            f"/tilbud/{offer.pk}/dokumenter/",
            f"/tilbud/{offer.pk}/takster/ny/",
            "/tilbud/?pris_min=abc&alder=200",
        ],
    )
    page.goto(f"{portal}/tilbud/{offer.pk}/takster/ny/")
    page.get_by_label("Gennemsnitstakst (kr.)").fill("-5")
    page.get_by_role("button", name="Gem kladde").click()
    expect(page.locator(".form-error-message").first).to_be_visible()
    assert_accessible(page)

    secretariat = new_page()
    log_in(secretariat, portal, "sekretariat@portal.example")
    visit_all(
        secretariat,
        portal,
        [
            "/takster/over-pl/",
            "/referencedata/",
            "/referencedata/pl-satser/",
            "/referencedata/maalgrupper/",
            "/referencedata/spoergsmaal/",
            f"/referencedata/paragraffer/{LegalParagraph.objects.first().pk}/",
            "/tilbud/",
            "/sammenlign/",
        ],
    )


def test_contract_pages(portal_with_offers, new_page):
    from contracts import demo as contracts_demo
    from contracts.models import Contract

    portal = portal_with_offers
    contracts_demo.seed({o.slug: o for o in Organisation.objects.all()})
    draft = Contract.objects.filter(state="draft").select_related("buyer_contact").first()
    active = Contract.objects.filter(state="active", buyer=draft.buyer).first()
    clause = draft.clauses.get(number="8")
    page = new_page()
    log_in(page, portal, draft.buyer_contact.email)
    visit_all(
        page,
        portal,
        [
            "/kontrakter/",
            "/kontrakter/?state=active&deviations=with",
            f"/kontrakter/{draft.pk}/individuel-pris/",
            f"/kontrakter/{draft.pk}/",
            f"/kontrakter/{draft.pk}/vilkaar/",
            f"/kontrakter/{draft.pk}/punkter/{clause.pk}/",
            f"/kontrakter/{active.pk}/",
        ],
    )
    page.goto(f"{portal}/kontrakter/{draft.pk}/punkter/{clause.pk}/")
    page.get_by_label("Tekst").fill("Kontrakten kan opsiges med en uges varsel.")
    page.get_by_role("button", name="Gem punktet").click()
    expect(
        page.locator(".form-error-message").get_by_text("Skriv, hvorfor punktet afviger")
    ).to_be_visible()
    assert_accessible(page)

    secretariat = new_page()
    log_in(secretariat, portal, "sekretariat@portal.example")
    visit_all(secretariat, portal, ["/kontrakter/maaltal/"])


def test_meeting_pages(portal, new_page):
    from meetings import demo as meetings_demo
    from meetings.models import AgendaItem, Forum, Meeting

    meetings_demo.seed({o.slug: o for o in Organisation.objects.all()})
    meeting = Meeting.objects.order_by("starts_at").first()
    item = AgendaItem.objects.filter(meeting=meeting).first()
    forum = Forum.objects.first()
    past = Meeting.objects.get(title=meetings_demo.PAST_TITLE)  # minutes out for comment
    upcoming = Meeting.objects.get(title=meetings_demo.NEXT_TITLE)
    page = new_page()
    log_in(page, portal, "sekretariat@portal.example")
    visit_all(
        page,
        portal,
        [
            "/moeder/",
            "/moeder/tidligere/",
            "/moeder/nyt/",
            "/moeder/fora/",
            "/moeder/fora/nyt/",
            f"/moeder/fora/{forum.pk}/",
            f"/moeder/{meeting.pk}/",
            f"/moeder/{meeting.pk}/rediger/",
            f"/moeder/{meeting.pk}/punkter/nyt/",
            f"/moeder/{meeting.pk}/punkter/{item.pk}/",
            f"/moeder/{meeting.pk}/punkter/{item.pk}/bilag/",
            f"/moeder/{meeting.pk}/inviter/",
            f"/moeder/{meeting.pk}/fremmoede/",
            f"/moeder/{meeting.pk}/referat/",
            f"/moeder/fora/{meeting.forum_id}/beslutninger/",
            f"/moeder/{past.pk}/",
            f"/moeder/{past.pk}/fremmoede/",
            f"/moeder/{past.pk}/referat/",
            f"/moeder/{past.pk}/referat/skriv/",
            f"/moeder/{upcoming.pk}/",
            f"/moeder/{upcoming.pk}/referat/skriv/",
            "/kalender/",
        ],
    )


def test_the_paged_lists_with_their_page_links(portal, new_page):
    """*Tidligere møder* and *Vores tilbud* on their second page: the links to the other
    pages, at full width and at 320 px."""
    secretariat_user = demo_user("sekretariat@portal.example")
    for n in range(30):
        starts = timezone.now() - timedelta(days=7 + n)
        make_meeting(secretariat_user, starts_at=starts, ends_at=starts + timedelta(hours=2))
    for n in range(30):
        make_offer(name=f"Bostedet nr. {n:02d}")
    secretariat = new_page()
    log_in(secretariat, portal, "sekretariat@portal.example")
    visit_all(secretariat, portal, ["/moeder/", "/moeder/tidligere/?side=2"])
    expect(secretariat.get_by_role("link", name="Forrige")).to_be_visible()
    provider = new_page()
    log_in(provider, portal, "leverandoer.a@portal.example")
    visit_all(provider, portal, ["/tilbud/vores/?side=2"])
    expect(provider.get_by_text("Side 2 af 2")).to_be_visible()
