"""Background work on offers: notices to followers when a tariff is published."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from partnership.models import Notice

from .models import OfferFollow, Tariff


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def notify_tariff_published(tariff_id: int) -> None:
    """E-mail and a notice on "Mit overblik" for each follower. Safe to run twice: a
    follower who already has the notice for this tariff version gets nothing more."""
    tariff = Tariff.objects.select_related("offer").filter(pk=tariff_id).first()
    if tariff is None:
        return
    url = tariff.offer.get_absolute_url()
    with override("da"):
        message = _("%(offer)s har offentliggjort takst for %(year)s (version %(version)s).") % {
            "offer": tariff.offer.name,
            "year": tariff.year,
            "version": tariff.version,
        }
        for follow in OfferFollow.objects.filter(offer=tariff.offer).select_related("user"):
            with transaction.atomic():
                notice, created = Notice.objects.get_or_create(
                    user=follow.user, message=message, defaults={"url": url}
                )
                if not created:
                    continue
                send_mail(
                    subject=_("Ny takst: %(offer)s") % {"offer": tariff.offer.name},
                    message=message
                    + "\n\n"
                    + _("Se taksten og dens historik her:")
                    + f"\n{settings.SITE_URL.rstrip('/')}{url}\n",
                    from_email=None,
                    recipient_list=[follow.user.email],
                )
