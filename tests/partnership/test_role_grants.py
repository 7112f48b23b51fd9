"""Issue 11, finding 5: only an organisation's own administrator gives roles in it. The
secretariat could invite itself as a Slagelse caseworker, accept, and read Slagelse's
contracts and case references; now it can give a role only in its own organisation, and
the first administrator of an organisation that has none (one of its own people, who is
asked, while the others are told). One rule, partnership.permissions.can_grant_role, on
every path: invitations, accepting them, role changes, new organisations, the admin."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from partnership import demo as demo_module
from partnership import services
from partnership.demo import DEMO_USERS
from partnership.models import Invitation, Membership, Organisation, Role, User
from tests.factories import MembershipFactory, UserFactory, demo_user, make_contract

SECRETARIAT = "sekretariat@portal.example"
SLAGELSE_CASEWORKER = "sagsbehandler.slagelse@portal.example"
SLAGELSE_PURCHASER = "indkoeb.slagelse@portal.example"
CASE_REFERENCE = "SLA-HEMMELIG-0007"


def org(slug: str) -> Organisation:
    return Organisation.objects.get(slug=slug)


def members_url(slug: str) -> str:
    return reverse("partnership:members", args=[slug])


def link_path(mailoutbox, to: str) -> str:
    mail = next(m for m in mailoutbox if m.to == [to])
    return re.search(r"https?://[^/\s]+(/invitation/\S+)", mail.body).group(1)


@pytest.fixture
def slagelse_contract(demo):
    return make_contract(
        buyer_slug="slagelse", email=SLAGELSE_CASEWORKER, case_reference=CASE_REFERENCE
    )


def assert_no_way_into_slagelse(client, contract) -> None:
    """The secretariat has no role in Slagelse and sees neither its contracts nor its case
    references."""
    sara = demo_user(SECRETARIAT)
    assert not Membership.objects.filter(user=sara, organisation__slug="slagelse").exists()
    assert client.get(reverse("contracts:contract_detail", args=[contract.pk])).status_code in (
        403,
        404,
    )
    listing = client.get(reverse("contracts:contract_list"))
    assert CASE_REFERENCE not in listing.content.decode()


def test_the_secretariat_cannot_invite_itself_into_slagelse(
    as_secretariat, slagelse_contract, mailoutbox
):
    url = members_url("slagelse")
    for role in (Role.CASEWORKER, Role.PROCUREMENT, Role.ORG_ADMIN):
        response = as_secretariat.post(url, {"email": SECRETARIAT, "role": role})
        assert response.status_code in (200, 403), role
    # Nor an outsider (a mailbox of its own) as Slagelse's admin: Slagelse has people.
    response = as_secretariat.post(
        url, {"email": "sara.privat@example.com", "role": Role.ORG_ADMIN}
    )
    assert "skal det være en af dem" in response.content.decode()
    assert not Invitation.objects.exists() and not mailoutbox
    with pytest.raises(PermissionDenied):
        services.invite_member(
            organisation=org("slagelse"),
            email=SECRETARIAT,
            role=Role.CASEWORKER,
            by=demo_user(SECRETARIAT),
        )
    assert_no_way_into_slagelse(as_secretariat, slagelse_contract)


def test_the_secretariat_cannot_change_a_role_in_slagelse(as_secretariat, slagelse_contract):
    ivan = Membership.objects.get(user__email=SLAGELSE_PURCHASER)
    url = reverse("partnership:membership_change_role", args=["slagelse", ivan.pk])
    assert as_secretariat.post(url, {"role": Role.ORG_ADMIN}).status_code == 403
    deactivate = reverse("partnership:membership_deactivate", args=["slagelse", ivan.pk])
    assert as_secretariat.post(deactivate).status_code == 403
    for role in (Role.ORG_ADMIN, Role.CASEWORKER):
        with pytest.raises(PermissionDenied):
            services.change_role(membership=ivan, role=role, by=demo_user(SECRETARIAT))
    ivan.refresh_from_db()
    assert ivan.role == Role.PROCUREMENT and ivan.is_active
    assert_no_way_into_slagelse(as_secretariat, slagelse_contract)


def test_an_invitation_sent_before_the_fix_cannot_be_accepted(as_secretariat, slagelse_contract):
    """A pending invitation the secretariat sent itself under the old rules gives nothing."""
    token, token_hash = Invitation.new_token()
    Invitation.objects.create(
        email=SECRETARIAT,
        organisation=org("slagelse"),
        role=Role.CASEWORKER,
        token_hash=token_hash,
        invited_by=demo_user(SECRETARIAT),
        expires_at=timezone.now() + timedelta(days=7),
    )
    path = reverse("partnership:invitation_accept", args=[token])
    page = as_secretariat.get(path)
    assert page.status_code == 410
    assert "ikke længere bruges" in page.content.decode()
    assert as_secretariat.post(path).status_code == 410
    with pytest.raises(services.InvitationInvalid):
        services.accept_invitation(token=token, password=None, user=demo_user(SECRETARIAT))
    assert_no_way_into_slagelse(as_secretariat, slagelse_contract)


def test_a_slagelse_admin_can_give_the_secretariat_a_role_and_it_then_sees_the_contract(
    client, demo, slagelse_contract, mailoutbox
):
    admin_user = MembershipFactory(
        user=UserFactory(email="admin@slagelse.example"),
        organisation=org("slagelse"),
        role=Role.ORG_ADMIN,
    ).user
    TOTP.activate(admin_user, "SLAGELSEADMINTESTTOTPNOEGLEAAAAA")
    client.force_login(admin_user)
    response = client.post(members_url("slagelse"), {"email": SECRETARIAT, "role": Role.CASEWORKER})
    assert response.status_code == 302
    ivan = Membership.objects.get(user__email=SLAGELSE_PURCHASER)
    url = reverse("partnership:membership_change_role", args=["slagelse", ivan.pk])
    assert client.post(url, {"role": Role.CASEWORKER}).status_code == 302

    client.force_login(demo_user(SECRETARIAT))
    assert client.post(link_path(mailoutbox, SECRETARIAT)).status_code == 302
    detail = client.get(reverse("contracts:contract_detail", args=[slagelse_contract.pk]))
    assert detail.status_code == 200
    assert CASE_REFERENCE in detail.content.decode()


def test_the_secretariat_invites_the_first_admin_from_slagelses_own_people(
    client, demo, slagelse_contract, mailoutbox
):
    secretariat = client
    secretariat.force_login(demo_user(SECRETARIAT))
    slagelse = org("slagelse")
    slagelse.email = "post@slagelse.example"
    slagelse.save(update_fields=["email"])
    response = secretariat.post(
        members_url("slagelse"), {"email": SLAGELSE_PURCHASER, "role": Role.ORG_ADMIN}
    )
    assert response.status_code == 302
    told = sorted(m.to[0] for m in mailoutbox if m.to != [SLAGELSE_PURCHASER])
    assert told == ["post@slagelse.example", SLAGELSE_CASEWORKER]  # one mail each
    notice = next(m for m in mailoutbox if m.to == [SLAGELSE_CASEWORKER])
    assert SLAGELSE_PURCHASER in notice.body and "organisationsadministrator" in notice.body

    # One open first-admin invitation at a time.
    response = secretariat.post(
        members_url("slagelse"), {"email": SLAGELSE_CASEWORKER, "role": Role.ORG_ADMIN}
    )
    assert "allerede en åben invitation" in response.content.decode()

    client.force_login(demo_user(SLAGELSE_PURCHASER))
    assert client.post(link_path(mailoutbox, SLAGELSE_PURCHASER)).status_code == 302
    assert Membership.objects.filter(
        user__email=SLAGELSE_PURCHASER, organisation=slagelse, role=Role.ORG_ADMIN
    ).exists()
    # Slagelse has its admin now: the secretariat has nothing more to give there.
    client.force_login(demo_user(SECRETARIAT))
    assert client.get(members_url("slagelse")).status_code == 403
    assert_no_way_into_slagelse(client, slagelse_contract)


def test_the_secretariat_creates_a_new_organisation_with_its_first_admin(client, demo, mailoutbox):
    secretariat = client
    secretariat.force_login(demo_user(SECRETARIAT))
    response = secretariat.post(
        reverse("partnership:organisation_create"),
        {
            "kind": "provider",
            "name": "Botilbuddet Ny ApS",
            "slug": "botilbuddet-ny",
            "cvr": "12439393",
            "ownership_form": "privat",
            "admin_email": "Leder@Botilbuddet-Ny.example",
            "admin_name": "Lea Leder",
        },
    )
    assert response.status_code == 302
    new = org("botilbuddet-ny")
    invitation = Invitation.objects.get(organisation=new)
    assert (invitation.email, invitation.role) == ("leder@botilbuddet-ny.example", Role.ORG_ADMIN)
    assert [m.to for m in mailoutbox] == [["leder@botilbuddet-ny.example"]]

    client.logout()
    path = link_path(mailoutbox, "leder@botilbuddet-ny.example")
    password = "Botilbud-2026!x"
    client.post(path, {"name": "Lea Leder", "password1": password, "password2": password})
    lea = User.objects.get(email="leder@botilbuddet-ny.example")
    assert Membership.objects.get(user=lea).role == Role.ORG_ADMIN
    # The secretariat's part ends there; the new admin gives the other roles.
    client.force_login(demo_user(SECRETARIAT))
    assert client.get(members_url("botilbuddet-ny")).status_code == 403


def test_the_secretariat_may_not_make_itself_first_admin_of_a_new_organisation(as_secretariat):
    response = as_secretariat.post(
        reverse("partnership:organisation_create"),
        {
            "kind": "branch",
            "name": "Ny Forening",
            "slug": "ny-forening",
            "admin_email": SECRETARIAT,
        },
    )
    assert response.status_code == 200
    assert "selv være organisationens første administrator" in response.content.decode()
    assert not Organisation.objects.filter(slug="ny-forening").exists()


def test_an_organisation_without_people_gets_its_first_admin_from_the_secretariat(
    as_secretariat, mailoutbox
):
    url = members_url("faxe")
    response = as_secretariat.post(url, {"email": "sb@faxe.example", "role": Role.CASEWORKER})
    assert response.status_code == 200 and not Invitation.objects.exists()
    response = as_secretariat.post(url, {"email": "it@faxe.example", "role": Role.ORG_ADMIN})
    assert response.status_code == 302
    assert Invitation.objects.get().role == Role.ORG_ADMIN


def test_the_secretariat_still_invites_to_its_own_organisation(as_secretariat, mailoutbox):
    response = as_secretariat.post(
        members_url("kkr-sjaelland"), {"email": "ny@kkr.example", "role": Role.SECRETARIAT}
    )
    assert response.status_code == 302
    assert Invitation.objects.get().organisation.slug == "kkr-sjaelland"


def test_an_invitation_from_an_admin_who_has_lost_the_role_gives_nothing(client, demo):
    holbaek_admin = demo_user("admin.holbaek@portal.example")
    _invitation, token = services.invite_member(
        organisation=org("holbaek"),
        email="ny@holbaek.example",
        role=Role.CASEWORKER,
        by=holbaek_admin,
    )
    Membership.objects.filter(user=holbaek_admin).update(is_active=False)
    response = client.post(
        reverse("partnership:invitation_accept", args=[token]),
        {"name": "Ny", "password1": "Sjaelland-2026!x", "password2": "Sjaelland-2026!x"},
    )
    assert response.status_code == 410
    assert not User.objects.filter(email="ny@holbaek.example").exists()


def test_the_django_admin_cannot_create_memberships_or_invitations(db):
    operator = User.objects.create_superuser("drift@portal.example", "drift-kodeord-2026")
    request = RequestFactory().get("/admin/")
    request.user = operator
    user_admin = admin.site._registry[User]
    [inline] = user_admin.get_inline_instances(request, operator)
    assert not inline.has_add_permission(request, operator)
    assert not inline.has_change_permission(request, operator)
    assert not inline.has_delete_permission(request, operator)
    invitation_admin = admin.site._registry[Invitation]
    assert not invitation_admin.has_add_permission(request)
    assert not invitation_admin.has_change_permission(request)


def test_no_demo_user_is_a_superuser_even_in_a_database_seeded_before(demo):
    User.objects.filter(email=SECRETARIAT).update(is_superuser=True, is_staff=True)
    demo_module.seed()
    emails = [email for email, *_rest in DEMO_USERS]
    assert not User.objects.filter(email__in=emails, is_superuser=True).exists()
    assert not User.objects.filter(email__in=emails, is_staff=True).exists()
