"""Telling people of a new offer that matches a search they saved and asked to be told of:
a notice on "Mit overblik" and an e-mail (partnership.mail), with links to the portal's
address (partnership.links). Run by the task offers.tasks.notify_saved_searches when an
offer is published, and when a published offer gets its first tariff (a search by price
finds it only then)."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import override

from offers.models import Offer
from partnership import mail
from partnership.links import absolute_url
from partnership.models import MailKind, Notice

from .selectors import searches_matching

NOTICE_MAX_LENGTH = Notice._meta.get_field("message").max_length


def notify_new_offer(offer_id: int) -> int:
    """A notice and an e-mail for each saved search the offer matches. Safe to run twice: a
    person who has the notice about this offer in this search gets no second one, nor a
    second e-mail; an e-mail that failed (said beside the notice on "Mit overblik") is
    tried again. Returns how many e-mails were sent."""
    offer = Offer.objects.select_related("provider").filter(pk=offer_id).first()
    if offer is None:
        return 0
    url = offer.get_absolute_url()
    sent = 0
    with override("da"):
        searches_url = absolute_url(reverse("offers:saved_search_list"))
        for search in searches_matching(offer):
            message = Truncator(
                _("Nyt tilbud i din gemte søgning «%(search)s»: %(offer)s, %(provider)s.")
                % {"search": search.name, "offer": offer.name, "provider": offer.provider.name}
            ).chars(NOTICE_MAX_LENGTH)
            subject = _("Nyt tilbud i «%(search)s»: %(offer)s") % {
                "search": search.name,
                "offer": offer.name,
            }
            body = (
                message
                + "\n\n"
                + _("Se tilbuddet her:")
                + f"\n{absolute_url(url)}\n\n"
                + _("Se alle tilbud i søgningen:")
                + f"\n{absolute_url(search.get_absolute_url())}\n\n"
                + _(
                    "Du får denne e-mail, fordi du har bedt om besked om nye tilbud i "
                    "søgningen. Du kan slå det fra under Gemte søgninger:"
                )
                + f"\n{searches_url}\n"
            )
            with transaction.atomic():
                notice, _created = Notice.objects.get_or_create(
                    user=search.user, message=message, defaults={"url": url}
                )
            record = mail.send(
                kind=MailKind.SAVED_SEARCH,
                to=search.user,
                subject=subject,
                body=body,
                related=notice,
            )
            sent += record is not None and record.sent
    return sent
