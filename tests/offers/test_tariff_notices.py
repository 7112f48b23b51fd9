""" "Ny takst" to followers never lies (issue 11, finding 7): an offer name with a newline
no longer stops the e-mail (nor, with it, the notice), and an e-mail that cannot be sent is
said beside the notice on "Mit overblik" and tried again when the task runs again."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from offers.models import OfferFollow
from offers.tasks import notify_tariff_published
from partnership.models import MailKind, Notice, OutgoingMail
from tests.factories import demo_user, make_offer, publish
from tests.mail_backends import UNREACHABLE

FOLLOWER = "sagsbehandler.slagelse@portal.example"


@pytest.fixture
def tariff(demo):
    offer = make_offer(name="Bostedet\nHavblik\r\n(voksne)")
    OfferFollow.objects.create(user=demo_user(FOLLOWER), offer=offer)
    OfferFollow.objects.create(user=demo_user("sagsbehandler.naestved@portal.example"), offer=offer)
    return publish(offer, timezone.localdate().year, "1500")


def test_an_offer_name_with_a_newline_still_gives_the_mail_and_the_notice(tariff, mailoutbox):
    assert notify_tariff_published(tariff.pk) == 2
    assert len(mailoutbox) == 2
    assert {m.subject for m in mailoutbox} == {"Ny takst: Bostedet Havblik (voksne)"}
    assert Notice.objects.filter(message__startswith="Bostedet\nHavblik").count() == 2
    assert notify_tariff_published(tariff.pk) == 0  # twice: nothing more
    assert len(mailoutbox) == 2


def test_a_notice_whose_mail_failed_says_so_and_the_mail_is_tried_again(
    client, tariff, mailoutbox, settings
):
    settings.EMAIL_BACKEND = UNREACHABLE
    assert notify_tariff_published(tariff.pk) == 0
    assert Notice.objects.count() == 2  # the notices are there all the same
    assert OutgoingMail.objects.filter(kind=MailKind.TARIFF_PUBLISHED, status="failed").count() == 2
    client.force_login(demo_user(FOLLOWER))
    page = client.get(reverse("partnership:dashboard")).content.decode()
    assert "E-mailen om det er ikke sendt: Mailserveren kunne ikke nås." in page

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notify_tariff_published(tariff.pk) == 2
    assert len(mailoutbox) == 2 and Notice.objects.count() == 2
    page = client.get(reverse("partnership:dashboard")).content.decode()
    assert "E-mailen om det er ikke sendt" not in page
