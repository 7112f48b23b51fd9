"""Background work on offers: notices to followers when a tariff is published, and to the
owners of saved searches a new offer matches."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from partnership import mail
from partnership.links import absolute_url
from partnership.models import MailKind, Notice

from .models import OfferFollow, Tariff
from .savedsearches import alerts as saved_search_alerts


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def notify_tariff_published(tariff_id: int) -> int:
    """A notice on "Mit overblik" for each follower, and an e-mail for each who wants one
    (OfferFollow.notify_by_email). Safe to run twice: a follower who has the notice for this
    tariff version gets no second one, nor a second e-mail; an e-mail that failed (recorded
    as not sent, and said so beside the notice) is tried again. Returns how many e-mails
    were sent."""
    tariff = Tariff.objects.select_related("offer").filter(pk=tariff_id).first()
    if tariff is None:
        return 0
    url = tariff.offer.get_absolute_url()
    sent = 0
    with override("da"):
        message = _("%(offer)s har offentliggjort takst for %(year)s (version %(version)s).") % {
            "offer": tariff.offer.name,
            "year": tariff.year,
            "version": tariff.version,
        }
        subject = _("Ny takst: %(offer)s") % {"offer": tariff.offer.name}
        body = message + "\n\n" + _("Se taksten og dens historik her:") + f"\n{absolute_url(url)}\n"
        for follow in OfferFollow.objects.filter(offer=tariff.offer).select_related("user"):
            with transaction.atomic():
                notice, _created = Notice.objects.get_or_create(
                    user=follow.user, message=message, defaults={"url": url}
                )
            if not follow.notify_by_email:  # the follower wants the notice only
                continue
            record = mail.send(
                kind=MailKind.TARIFF_PUBLISHED,
                to=follow.user,
                subject=subject,
                body=body,
                related=notice,
            )
            sent += record is not None and record.sent
    return sent


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def notify_saved_searches(offer_id: int) -> int:
    """A notice and an e-mail to each person whose saved search a newly published offer
    matches (offers.savedsearches.alerts). Safe to run twice."""
    return saved_search_alerts.notify_new_offer(offer_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def notify_saved_searches_for(offer_ids: list[int]) -> int:
    """notify_saved_searches for many offers at once (a batch of a tariff import: one task
    instead of one per offer). Safe to run twice, as that one is."""
    return sum(saved_search_alerts.notify_new_offer(offer_id) for offer_id in offer_ids)
