"""The other side is told (issue 14, finding 5: "nobody is told when a contract is sent,
commented on, proposed changed, accepted or signed"). Each of those moves, and notice, gives
the people on the other side a notice on "Mit overblik" and an e-mail with the history's
Danish text; the person who acted and their own side get nothing, nor does a provider hear
of a draft. *Kontrakter der venter på dig* lists the contracts where it is one's move."""

from __future__ import annotations

import pytest
from django.urls import reverse

from contracts import notifications, permissions, services, standard_texts
from contracts.models import Contract, ContractEvent
from partnership.models import MailKind, Notice, OutgoingMail
from tests.factories import demo_user, make_contract, make_offer, pl_rates

BUYER = "sagsbehandler.naestved@portal.example"
PROVIDER = "leverandoer.a@portal.example"
ANOTHER_BUYER = "sagsbehandler.slagelse@portal.example"


@pytest.fixture
def contract(demo):
    pl_rates()
    return make_contract(offer=make_offer(name="Besked Bo"), case_reference="NAE-BESKED-9")


@pytest.fixture
def act(django_capture_on_commit_callbacks):
    """Run a service as the portal does: the notices go when the transaction commits."""

    def run(fn, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kwargs)

    return run


def notices_of(email: str) -> list[Notice]:
    return list(Notice.objects.filter(user=demo_user(email)).order_by("pk"))


def mails_to(mailoutbox, email: str) -> list:
    return [m for m in mailoutbox if email in m.to]


def test_finding_5_each_move_is_told_to_the_other_side(contract, act, mailoutbox):
    buyer, provider = demo_user(BUYER), demo_user(PROVIDER)

    act(services.send_to_provider, contract=contract, by=buyer)
    (sent,) = notices_of(PROVIDER)
    assert "Kontrakten er sendt til leverandøren." in sent.message
    assert "Besked Bo" in sent.message and "Niels Sagsbehandler (Næstved Kommune)" in sent.message
    assert sent.url.startswith(contract.get_absolute_url() + "#haendelse-")
    (mail,) = mails_to(mailoutbox, PROVIDER)
    assert mail.subject == "Kontrakt om Besked Bo: Kontrakten er sendt til leverandøren."
    assert "Status: Kladde → Sendt til leverandøren" in mail.body
    assert "http" in mail.body and contract.get_absolute_url() in mail.body
    assert notices_of(BUYER) == []  # the one who acted is not told

    act(services.comment, contract=contract, text="Vi ønsker længere varsel.", by=provider)
    assert "Vi ønsker længere varsel." in notices_of(BUYER)[-1].message
    assert "Vi ønsker længere varsel." in mails_to(mailoutbox, BUYER)[-1].body

    clause = next(
        c
        for c in contract.clauses.filter(changeable=True).order_by("order")
        if not standard_texts.terms_of(c.number)
    )
    act(
        services.change_clause,
        clause=clause,
        text=clause.text + " Tilføjet af leverandøren.",
        reason="Forslag",
        by=provider,
    )
    assert f"Punkt {clause.number}" in notices_of(BUYER)[-1].message

    act(services.accept, contract=contract, by=provider)
    assert "Leverandøren har accepteret kontrakten." in notices_of(BUYER)[-1].message

    act(services.accept, contract=Contract.objects.get(pk=contract.pk), by=buyer)
    told = [n.message for n in notices_of(PROVIDER)]
    assert any("Køberen har accepteret kontrakten." in m for m in told)
    assert any("kontrakten er underskrevet" in m for m in told)

    assert OutgoingMail.objects.filter(kind=MailKind.CONTRACT_EVENT, status="failed").count() == 0
    # Nobody else heard of it: another municipality, another provider.
    assert notices_of(ANOTHER_BUYER) == [] and notices_of("leverandoer.b@portal.example") == []


def test_notice_of_termination_is_told(contract, act, mailoutbox, today):
    buyer, provider = demo_user(BUYER), demo_user(PROVIDER)
    services.send_to_provider(contract=contract, by=buyer)
    services.accept(contract=contract, by=buyer)
    services.accept(contract=contract, by=provider)
    Contract.objects.filter(pk=contract.pk).update(state="active")
    before = len(notices_of(BUYER))
    act(
        services.terminate,
        contract=Contract.objects.get(pk=contract.pk),
        notice_given_on=today,
        reason="Borgeren flytter.",
        by=provider,
    )
    (told,) = notices_of(BUYER)[before:]
    assert "Opsagt" in told.message and "Borgeren flytter." in told.message


def test_a_draft_is_told_to_nobody(contract, act, mailoutbox):
    buyer = demo_user(BUYER)
    clause = contract.clauses.filter(changeable=True).order_by("order").first()
    act(services.comment, contract=contract, text="Note til mig selv.", by=buyer)
    act(
        services.change_clause,
        clause=clause,
        text=clause.text + " Kladde.",
        reason="Kladde",
        by=buyer,
    )
    assert Notice.objects.count() == 0 and mailoutbox == []


def test_the_task_run_twice_tells_once_and_tries_a_failed_mail_again(
    contract, mailoutbox, settings
):
    from tests.mail_backends import UNREACHABLE

    services.send_to_provider(contract=contract, by=demo_user(BUYER))
    event = ContractEvent.objects.filter(contract=contract).latest("pk")
    settings.EMAIL_BACKEND = UNREACHABLE
    assert notifications.notify_other_side(event.pk) == 0
    assert len(notices_of(PROVIDER)) == 1
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notifications.notify_other_side(event.pk) == 1
    assert notifications.notify_other_side(event.pk) == 0
    assert len(notices_of(PROVIDER)) == 1 and len(mailoutbox) == 1


def test_who_is_told_the_contact_person_or_else_the_providers_editors(demo, act):
    """With a contact person on the provider's side, only they (and who acted) hear; a
    provider without one on the contract: all its editors."""
    from partnership.models import Membership, Role
    from tests.factories import UserFactory

    pl_rates()
    colleague = UserFactory(email="kollega.a@portal.example", name="Karl Kollega")
    provider_org = make_offer(name="Kollegahuset").provider
    Membership.objects.create(user=colleague, organisation=provider_org, role=Role.PROVIDER_EDITOR)
    with_contact = make_contract(offer=make_offer(name="Med kontakt"))
    without = make_contract(offer=make_offer(name="Uden kontakt"), provider_contact=None)
    for c in (with_contact, without):
        act(services.send_to_provider, contract=c, by=demo_user(BUYER))
    told = {n.url.split("#")[0] for n in Notice.objects.filter(user=colleague)}
    assert told == {without.get_absolute_url()}
    assert set(permissions.people_on(without, "provider")) >= {colleague, demo_user(PROVIDER)}
    assert permissions.people_on(with_contact, "provider") == [demo_user(PROVIDER)]


def _panel(client, email: str) -> str:
    client.force_login(demo_user(email))
    page = client.get(reverse("partnership:dashboard")).content.decode()
    return page.split('id="panel-contracts_waiting-heading"', 1)[1].split("</section>", 1)[0]


def test_contracts_waiting_for_you_on_mit_overblik(client, contract, act):
    buyer, provider = demo_user(BUYER), demo_user(PROVIDER)
    assert "Besked Bo" in _panel(client, BUYER)  # a draft: to send
    assert "Besked Bo" not in _panel(client, PROVIDER)

    services.send_to_provider(contract=contract, by=buyer)
    assert "Besked Bo" not in _panel(client, BUYER)
    assert "Sendt til jer af Næstved Kommune" in _panel(client, PROVIDER)

    services.comment(contract=contract, text="Et spørgsmål.", by=provider)
    assert "Ny kommentar fra Bostedet Egelund" in _panel(client, BUYER)
    assert "Besked Bo" not in _panel(client, PROVIDER)

    services.accept(contract=contract, by=buyer)
    assert "Besked Bo" not in _panel(client, BUYER)
    assert "Næstved Kommune har accepteret" in _panel(client, PROVIDER)

    services.accept(contract=contract, by=provider)
    assert "Besked Bo" not in _panel(client, BUYER) + _panel(client, PROVIDER)
    # Another municipality's caseworker never sees it.
    assert "Besked Bo" not in _panel(client, ANOTHER_BUYER)


def test_the_panel_reads_a_fixed_number_of_queries(demo, django_assert_max_num_queries):
    from contracts import panels

    pl_rates()
    buyer, provider = demo_user(BUYER), demo_user(PROVIDER)
    offer = make_offer(name="Mange kontrakter")
    for n in range(7):
        c = make_contract(offer=offer, case_reference=f"NAE-MANGE-{n}")
        services.send_to_provider(contract=c, by=buyer)
    provider = demo_user(PROVIDER)  # memberships read afresh, once
    with django_assert_max_num_queries(3):
        shown = panels.context(provider)
    assert len(shown["rows"]) == panels.PANEL_SIZE and shown["total"] == 7
